-- Daily budgets shared by the nodes on one Postgres (docs/bidding.md, "Budgets across nodes"). A node bids only with
-- money it has leased here, in slices of bidding.leaseSlice of the daily budget.
--
-- budget_days: one row per campaign and UTC day, the row every take locks (SELECT ... FOR UPDATE), so takes of one
-- campaign's day are serialised and the leases never add up to more than the budget. `budget` is the daily budget
-- (micro-units of bidding.currency) as the last taker knew it.
CREATE TABLE budget_days (
    campaign text   NOT NULL,
    day      date   NOT NULL,
    budget   bigint NOT NULL,
    PRIMARY KEY (campaign, day)
);

-- budget_leases: what each node holds of a campaign's day. `leased` is every slice the node took (spent or not),
-- `spent` what it reported billed, `expires_at` when the lease lapses unless the node's heartbeat renews it. A taker
-- that finds another node's lease lapsed sets its `leased` to its `spent` (the unspent rest is free again). The money
-- committed for a day is the sum over nodes of greatest(leased, spent).
CREATE TABLE budget_leases (
    campaign   text        NOT NULL,
    day        date        NOT NULL,
    node       text        NOT NULL,
    leased     bigint      NOT NULL DEFAULT 0,
    spent      bigint      NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (campaign, day, node)
);

CREATE INDEX budget_leases_by_node ON budget_leases (node, day);
