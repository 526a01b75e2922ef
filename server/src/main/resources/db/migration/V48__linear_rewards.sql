-- Linear models shared between server nodes (io.arbiter.server.cluster.LinearSync): one row per reward that taught a
-- linear model (a primary reward of a bandit-served decision with a linear context), inserted by the reward insert
-- itself (PostgresWriter.INSERT_REWARDS) from the rows it actually inserted, so a reward stored once is here once.
-- The other nodes replay these rows into their own models: the decision id carries the features (signed), so no
-- feature is stored. seq numbers one node's rows in the order they commit: a node's reward transaction first locks its
-- row of linear_reward_heads (held to the commit), then draws the numbers, so a reader that has seen seq n of a node
-- has seen every row of that node up to n. linear_reward_heads.last is the newest number a node committed.
-- Rows are deleted with the rewards they repeat (outcomes.rewardRetention, LogMaintenance).
CREATE TABLE linear_rewards (
    node        text             NOT NULL,
    seq         bigint           NOT NULL,
    decision_id text             NOT NULL,
    reward      double precision NOT NULL,
    time        timestamptz      NOT NULL,
    PRIMARY KEY (node, seq)
);
CREATE INDEX linear_rewards_time ON linear_rewards (time);

CREATE SEQUENCE linear_reward_seq;

CREATE TABLE linear_reward_heads (
    node text   PRIMARY KEY,
    last bigint NOT NULL DEFAULT 0
);
