-- Several server nodes on one Postgres (io.arbiter.server.cluster): each node's committed reward totals per
-- (scope, arm) as in arm_aggregates, kept apart so that a node can add the other nodes' progress to its posteriors without
-- counting its own rewards twice. Folded by a statement trigger from the rows a reward insert actually inserted (the
-- transition table), in the same transaction as arm_aggregates, so both always agree. The node is the session's
-- arbiter.node setting (the server sets it on every connection); '' for a session without one.
CREATE TABLE node_aggregates (
    node              text             NOT NULL,
    scope             text             NOT NULL,
    arm               text             NOT NULL,
    trials            bigint           NOT NULL DEFAULT 0,
    successes         bigint           NOT NULL DEFAULT 0,
    reward_sum        double precision NOT NULL DEFAULT 0,
    reward_square_sum double precision NOT NULL DEFAULT 0,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (node, scope, arm)
);

CREATE FUNCTION arbiter_fold_node_aggregates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO node_aggregates AS a (node, scope, arm, trials, successes, reward_sum, reward_square_sum,
                                      updated_at)
    SELECT coalesce(current_setting('arbiter.node', true), ''), scope, variant, count(*),
           count(*) FILTER (WHERE reward > 0), sum(reward), sum(reward * reward), clock_timestamp()
    FROM (SELECT CASE WHEN metric = '' AND flags & 1 = 0 THEN experiment   -- the same scopes as arm_aggregates (V35)
                      ELSE 'guard:' || CASE WHEN flags & 1 = 0 THEN 't' ELSE 'h' END || ':' || metric || ':'
                           || experiment END AS scope, variant, reward
          FROM inserted) AS scoped
    GROUP BY scope, variant
    ON CONFLICT (node, scope, arm) DO UPDATE
    SET trials = a.trials + EXCLUDED.trials,
        successes = a.successes + EXCLUDED.successes,
        reward_sum = a.reward_sum + EXCLUDED.reward_sum,
        reward_square_sum = a.reward_square_sum + EXCLUDED.reward_square_sum,
        updated_at = EXCLUDED.updated_at;
    RETURN NULL;
END $$;

CREATE TRIGGER rewards_node_aggregates AFTER INSERT ON rewards REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION arbiter_fold_node_aggregates();

-- Which node stored a reward (NULL for rows logged before this migration): a node whose reward for the same decision
-- was refused because another node stored it first takes it back from its posterior. Added without a rewrite (no
-- default for the existing rows), then defaulted for new rows.
ALTER TABLE rewards ADD COLUMN node text;
ALTER TABLE rewards ALTER COLUMN node SET DEFAULT current_setting('arbiter.node', true);
