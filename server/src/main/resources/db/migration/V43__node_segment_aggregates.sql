-- Segment statistics shared between server nodes (io.arbiter.server.cluster.ClusterSync): each node's committed
-- per-segment reward totals, as in segment_aggregates, kept apart per node so that a node adds only the other nodes'
-- growth to its segment store. Folded by the reward insert itself (PostgresWriter.INSERT_REWARDS) from the rows it
-- actually inserted, in the same statement as segment_aggregates, so both always agree. The node is the session's
-- arbiter.node setting; '' for a session without one.
CREATE TABLE node_segment_aggregates (
    node              text             NOT NULL,
    experiment        text             NOT NULL,
    segment           bigint           NOT NULL,
    level             bigint           NOT NULL,
    variant           text             NOT NULL,
    trials            bigint           NOT NULL DEFAULT 0,
    successes         bigint           NOT NULL DEFAULT 0,
    reward_sum        double precision NOT NULL DEFAULT 0,
    reward_square_sum double precision NOT NULL DEFAULT 0,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (node, experiment, segment, variant)
);

-- A sync round reads only the rows changed since its last look (with a margin for transactions still open then): at
-- the default segment capacity a full read is nodes x 16,384 segments x variants rows a second.
CREATE INDEX node_segment_aggregates_updated ON node_segment_aggregates (updated_at);
