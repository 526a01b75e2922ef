package io.arbiter.server.metrics;

/**
 * Every metric the server publishes, in one place, each with its meaning (listed in {@code docs/metrics.md}). Names
 * are Micrometer's dotted form; the Prometheus endpoint shows them with underscores and unit suffixes (for example
 * {@code arbiter_http_requests_seconds_bucket}). Only {@link Metrics} registers meters, always under these names.
 */
public enum MetricName {
    // request path
    HTTP_REQUESTS("arbiter.http.requests", "Server-side request time, routed to response written"),
    ERRORS("arbiter.errors", "Requests refused with a 4xx or 5xx, by reason (the status)"),

    // personalisation
    DECISIONS("arbiter.decisions", "Decisions answered"),
    REWARDS("arbiter.rewards", "Rewards taken, by status (accepted, duplicate)"),
    DEDUP_ENTRIES("arbiter.rewards.dedup.entries", "Decisions remembered for duplicate detection"),
    DEDUP_RESTORED("arbiter.rewards.dedup.restored", "Reward claims read from Postgres at start: the newest of the "
        + "attribution window, at most the duplicate-detection table's capacity"),
    DEDUP_EVICTED("arbiter.rewards.dedup.evicted", "Live reward claims replaced because their group of the "
        + "duplicate-detection table was full (a duplicate of one is taken again in memory)"),
    GUARDRAIL_SUSPENSIONS("arbiter.guardrail.suspensions", "Variants suspended by a guardrail, by experiment and "
        + "metric"),
    CAPPED_DECISIONS("arbiter.capped.decisions", "Decisions for a unit that had reached the frequency cap of every "
        + "eligible variant (answered with the default variant, or 204)"),
    CAP_EVICTED_LIVE("arbiter.caps.evicted.live", "Frequency-cap entries replaced while their counts were live (the "
        + "store was full): that unit may exceed its cap once more"),
    TABLE_ARMS("arbiter.table.arms", "Arms allocated in the posterior table"),
    CLUSTER_SYNC_LAG("arbiter.cluster.sync.lag", "Time from another node's commit to its totals applied here, one "
        + "sample per sync round that applied any"),
    CLUSTER_SYNC_AGE("arbiter.cluster.sync.age", "Seconds since the last successful cluster sync round"),
    CLUSTER_LINEAR_APPLIED("arbiter.cluster.linear.applied", "Rewards that taught a linear model on another node, "
        + "replayed into this node's model"),
    CLUSTER_LINEAR_DROPPED("arbiter.cluster.linear.dropped", "Other nodes' linear rewards passed over: they teach no "
        + "linear model here (another context definition, another secret), or waited too long for their experiment"),
    CLUSTER_LINEAR_DEFERRED("arbiter.cluster.linear.deferred", "Times a node's linear-reward replay stopped for the "
        + "round at a row because the model's ring was full: the row is offered again next round, never passed over"),
    CLUSTER_LINEAR_FAILED("arbiter.cluster.linear.failed", "Other nodes' linear rewards skipped because applying "
        + "them threw (a defect, logged once per cause with the row): lost to this node's model"),
    CLUSTER_LINEAR_LAG("arbiter.cluster.linear.lag", "Seconds from another node's acceptance of a linear reward to its "
        + "replay here, for the oldest of the last round that replayed any"),
    CLUSTER_LINEAR_UNPOSITIONED("arbiter.cluster.linear.unpositioned", "Other nodes with stored linear rewards that "
        + "a linear model here keeps no replay position for (its 256 slots taken by others), summed over the models, "
        + "as of the last round: their rewards count again in that model at each restart"),
    CLUSTER_DEFINITIONS_APPLIED("arbiter.cluster.definitions.applied", "Experiment and campaign definitions written by "
        + "another node and served here"),
    CLUSTER_DEFINITIONS_LISTENING("arbiter.cluster.definitions.listening", "1 while this node listens for other nodes' "
        + "definition changes, 0 otherwise (the periodic re-read still applies them)"),
    CLUSTER_DEFINITIONS_LAG("arbiter.cluster.definitions.lag", "Seconds from another node's write of a definition to "
        + "its application here, for the last one applied"),
    SEGMENTS("arbiter.segments", "Segments created in the segment store"),
    SEGMENT_PARENT_FALLBACKS("arbiter.segments.parent.fallbacks", "Decisions served by a parent segment because "
        + "theirs did not fit"),
    SEGMENTS_REFUSED("arbiter.segments.refused", "Segment creations refused because the store was full"),
    SEGMENT_PROPENSITY_PARENT("arbiter.segments.propensity.parent", "Propensity reads answered with a parent's "
        + "estimate (segment not refreshed yet)"),
    STICKY_EVICTED("arbiter.sticky.evicted", "Live sticky assignments evicted because the table was full"),
    LINEAR_REJECTED("arbiter.linear.rejected", "Linear-model observations refused because the ring was full"),
    TABLE_SKIPPED_DECAYED("arbiter.table.decayed.skipped", "Decayed updates left out because they raced an era switch"),

    // bidding
    BID_BIDS("arbiter.bid.bids", "Bids made (one per imp bid on), by campaign"),
    BID_NO_BIDS("arbiter.bid.nobids", "Bid requests answered with no bid (204), by reason"),
    BID_PRICE("arbiter.bid.price", "Bid prices, CPM in the bidding currency"),
    BID_NOTICES("arbiter.bid.notices", "Notices taken (duplicates excluded), by kind and campaign"),
    BID_NOTICE_CLAIMS("arbiter.bid.notice.claims", "Notices remembered for duplicate detection (one per bid and "
        + "kind within the notice window)"),
    BID_NOTICE_CLAIMS_RESTORED("arbiter.bid.notice.claims.restored", "Notice claims read from Postgres at start: "
        + "the newest of the notice window, at most the claims table's capacity"),
    BID_NOTICE_CLAIMS_EVICTED("arbiter.bid.notice.claims.evicted", "Live notice claims replaced because their "
        + "group of the duplicate-detection table was full (a duplicate of one is taken again)"),
    BID_CLEARING_PRICE("arbiter.bid.clearing.price", "Clearing prices of billed impressions, CPM in the bidding "
        + "currency"),
    BID_SPEND("arbiter.bid.spend", "Spend charged by billing notices, in the bidding currency, by campaign"),
    BID_SHADING_CONTEXTS("arbiter.bid.shading.contexts", "Publisher x format contexts with a win-rate curve of "
        + "their own"),
    BID_LEASE_TAKEN("arbiter.bid.lease.taken", "Daily budget leased from Postgres by this node, in the bidding "
        + "currency"),
    BID_LEASE_RETURNED("arbiter.bid.lease.returned", "Unspent leased budget given back (clean stop, day change, "
        + "campaign paused), in the bidding currency"),
    BID_LEASE_LAPSED("arbiter.bid.lease.lapsed", "Unspent budget of today held by other nodes' lapsed leases (nodes "
        + "dead or cut off), counted as spent until they return, in the bidding currency"),
    BID_LEASE_HELD("arbiter.bid.lease.held", "Leased budget of today neither spent nor reserved yet, in the bidding "
        + "currency"),
    BID_LEASE_PG_UP("arbiter.bid.lease.postgres.up", "1 when the last budget lease round reached Postgres"),
    BID_LEASE_STANDALONE("arbiter.bid.lease.standalone", "Campaigns bidding on this node's own ledger while Postgres "
        + "is away (no other node held a live lease of them at the last round)"),
    BID_SHADING_UNTRACKED("arbiter.bid.shading.untracked", "Win/loss notices that trained only the bidder-wide "
        + "curve because bidding.shadingMaxContexts was reached"),

    // dashboard history
    HISTORY_SERIES("arbiter.history.series", "Experiments and campaigns with an in-memory history for the dashboard"),
    HISTORY_UNTRACKED("arbiter.history.untracked", "Samples of experiments or campaigns left without a history "
        + "because history.maxSeries was reached"),

    // outcome pipeline
    OUTCOME_DECISIONS_OFFERED("arbiter.outcome.decisions.offered", "Decisions offered to the pipeline (counted per "
        + "arm)"),
    OUTCOME_DECISIONS_SAMPLED_OUT("arbiter.outcome.decisions.sampled.out",
        "Decisions counted in the aggregates whose row was not logged (sampling)"),
    OUTCOME_DECISIONS_DROPPED("arbiter.outcome.decisions.dropped", "Decision rows dropped because the ring was full "
        + "(or the row could not be stored); the decision is still counted"),
    OUTCOME_RING_DEPTH("arbiter.outcome.ring.depth", "Decision rows waiting in the in-memory ring"),
    OUTCOME_APPENDS("arbiter.outcome.appends", "Outcomes made durable in the journal (acknowledged)"),
    OUTCOME_APPENDS_REJECTED("arbiter.outcome.appends.rejected", "Outcomes refused because the journal was full"),
    OUTCOME_APPENDS_FAILED("arbiter.outcome.appends.failed", "Outcomes whose journal write failed (I/O error)"),
    OUTCOME_JOURNAL_BYTES("arbiter.outcome.journal.bytes", "Journal bytes not yet confirmed in Postgres", "bytes"),
    OUTCOME_JOURNAL_EVENTS("arbiter.outcome.journal.events", "Journal events not yet confirmed in Postgres"),
    OUTCOME_JOURNAL_LAG("arbiter.outcome.journal.lag", "Age of the oldest event not yet in Postgres", "seconds"),
    OUTCOME_JOURNAL_FULL("arbiter.outcome.journal.full", "1 while appends are refused because the journal is full"),
    OUTCOME_JOURNAL_GROUP_SIZE("arbiter.outcome.journal.group.size", "Appends per group commit (one fsync)"),
    OUTCOME_JOURNAL_FSYNC("arbiter.outcome.journal.fsync", "Time of one journal fsync"),
    OUTCOME_JOURNAL_CORRUPT_RECORDS("arbiter.outcome.journal.corrupt.records",
        "Journal records failing their CRC while shipping (disk corruption)"),
    OUTCOME_PG_UP("arbiter.outcome.postgres.up", "1 when the last Postgres transaction succeeded"),
    OUTCOME_PG_BATCH_SIZE("arbiter.outcome.postgres.batch.size", "Rows per Postgres transaction (journal + "
        + "decisions)", "rows"),
    OUTCOME_PG_BATCH_DURATION("arbiter.outcome.postgres.batch.duration", "Time of one shipping transaction"),
    OUTCOME_PG_ROWS_INSERTED("arbiter.outcome.postgres.rows.inserted", "Outcome rows inserted (tag kind: journal, "
        + "decision)"),
    OUTCOME_PG_DUPLICATES("arbiter.outcome.postgres.duplicates",
        "Outcome rows skipped as already present (replays, client retries)"),
    OUTCOME_PG_INSERT_ERRORS("arbiter.outcome.postgres.insert.errors", "Failed shipping transactions"),
    OUTCOME_PG_RETRIES("arbiter.outcome.postgres.retries", "Shipping transactions retried after a back-off");

    private final String metricName;
    private final String description;
    private final String baseUnit;

    MetricName(String metricName, String description) {
        this(metricName, description, null);
    }

    MetricName(String metricName, String description, String baseUnit) {
        this.metricName = metricName;
        this.description = description;
        this.baseUnit = baseUnit;
    }

    public String metricName() {
        return metricName;
    }

    public String description() {
        return description;
    }

    /** The unit Prometheus appends to the name, or null. */
    public String baseUnit() {
        return baseUnit;
    }
}
