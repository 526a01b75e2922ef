-- Rewards per (decision, metric): a decision may be rewarded once for its primary reward (metric '') and once for
-- each guardrail metric its experiment declares. Rewards that do not teach the bandit (another metric, or a holdout
-- decision's: flags bit 0, V30) are folded into arm_aggregates under the scope 'guard:<h|t>:<metric>:<experiment>'
-- rather than the experiment's own; holdout decisions are counted there too (scope 'guard:h::<experiment>').
ALTER TABLE rewards ADD COLUMN metric text NOT NULL DEFAULT '';
ALTER TABLE rewards DROP CONSTRAINT rewards_pkey;
ALTER TABLE rewards ADD PRIMARY KEY (decision_id, metric);

-- Variants suspended by a guardrail, with the evidence the rule saw; resumed_at is set when an admin resumes one.
CREATE TABLE variant_suspensions (
    experiment   text        NOT NULL,
    variant      text        NOT NULL,
    metric       text        NOT NULL,
    suspended_at timestamptz NOT NULL,
    evidence     jsonb       NOT NULL,
    resumed_at   timestamptz,
    PRIMARY KEY (experiment, variant, suspended_at)
);
CREATE INDEX variant_suspensions_open ON variant_suspensions (experiment) WHERE resumed_at IS NULL;
