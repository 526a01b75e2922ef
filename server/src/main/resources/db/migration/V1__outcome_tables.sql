-- Outcome tables written by the outcome pipeline (io.arbiter.server.outcome.PostgresShipper).
-- Times are timestamptz; ids are the idempotency keys, so replaying the local journal never double counts.

CREATE TABLE decisions (
    id          text             PRIMARY KEY,
    experiment  text             NOT NULL,
    variant     text             NOT NULL,
    unit        text             NOT NULL DEFAULT '',
    propensity  double precision NOT NULL,
    time        timestamptz      NOT NULL
);
CREATE INDEX decisions_time ON decisions (time);

CREATE TABLE rewards (
    decision_id text             PRIMARY KEY,
    experiment  text             NOT NULL,
    variant     text             NOT NULL,
    reward      double precision NOT NULL,
    time        timestamptz      NOT NULL
);
CREATE INDEX rewards_time ON rewards (time);

-- kind: OutcomeKind code (2 WIN, 3 BILL, 4 LOSS, 5 CLICK, 6 CONVERSION)
CREATE TABLE rtb_events (
    kind        smallint         NOT NULL,
    id          text             NOT NULL,
    campaign    text             NOT NULL,
    creative    text             NOT NULL,
    value       double precision NOT NULL DEFAULT 0,
    code        integer          NOT NULL DEFAULT 0,
    time        timestamptz      NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX rtb_events_kind_time ON rtb_events (kind, time);

-- scope: experiment id, or 'ctr:' / 'cvr:' / 'spend:' followed by a campaign id; arm: variant or creative id.
CREATE TABLE arm_aggregates (
    scope             text             NOT NULL,
    arm               text             NOT NULL,
    decisions         bigint           NOT NULL DEFAULT 0,
    trials            bigint           NOT NULL DEFAULT 0,
    successes         bigint           NOT NULL DEFAULT 0,
    reward_sum        double precision NOT NULL DEFAULT 0,
    reward_square_sum double precision NOT NULL DEFAULT 0,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, arm)
);
