-- Contextual decisions (io.arbiter.server.outcome.PostgresWriter).
-- decisions.context: the request's declared attributes and features as sent (JSON object; NULL without context), so
-- policies can be evaluated offline. flags: io.arbiter.server.token.DecisionFlags (bit 0 holdout, 1 sticky,
-- 2 default, 3 burn-in, bits 8-15 policy version), on decisions and on the rewards they earned.
ALTER TABLE decisions ADD COLUMN context jsonb;
ALTER TABLE decisions ADD COLUMN flags integer NOT NULL DEFAULT 0;
ALTER TABLE rewards ADD COLUMN flags integer NOT NULL DEFAULT 0;

-- Exact per-segment totals, folded in the same transaction as the reward rows (like arm_aggregates), to rebuild the
-- segment statistics when segments.table is lost. segment and level: the 64-bit keys of io.arbiter.bandits.context.
CREATE TABLE segment_aggregates (
    experiment        text             NOT NULL,
    segment           bigint           NOT NULL,
    level             bigint           NOT NULL,
    variant           text             NOT NULL,
    trials            bigint           NOT NULL DEFAULT 0,
    successes         bigint           NOT NULL DEFAULT 0,
    reward_sum        double precision NOT NULL DEFAULT 0,
    reward_square_sum double precision NOT NULL DEFAULT 0,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (experiment, segment, variant)
);
