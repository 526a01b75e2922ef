package io.arbiter.server.outcome;

/**
 * Every metric of the outcome pipeline (Micrometer names; Prometheus turns dots into underscores and adds unit
 * suffixes such as {@code _total} and {@code _seconds}). Listed with their meaning in {@code docs/persistence.md}.
 */
public enum OutcomeMetric {
    DECISIONS_OFFERED("arbiter.outcome.decisions.offered", "decisions offered to the pipeline (counted per arm)"),
    DECISIONS_SAMPLED_OUT("arbiter.outcome.decisions.sampled.out",
            "decisions counted in the aggregates whose row was not logged (sampling)"),
    DECISIONS_DROPPED("arbiter.outcome.decisions.dropped", "decision rows dropped because the ring was full"),
    RING_DEPTH("arbiter.outcome.ring.depth", "decision rows waiting in the in-memory ring"),
    APPENDS("arbiter.outcome.appends", "outcomes made durable in the journal (acknowledged)"),
    APPENDS_REJECTED("arbiter.outcome.appends.rejected", "outcomes refused because the journal was full"),
    APPENDS_FAILED("arbiter.outcome.appends.failed", "outcomes whose journal write failed (I/O error)"),
    JOURNAL_BYTES("arbiter.outcome.journal.bytes", "journal bytes not yet confirmed in Postgres"),
    JOURNAL_EVENTS("arbiter.outcome.journal.events", "journal events not yet confirmed in Postgres"),
    JOURNAL_LAG("arbiter.outcome.journal.lag", "age in seconds of the oldest event not yet in Postgres"),
    JOURNAL_FULL("arbiter.outcome.journal.full", "1 while appends are refused because the journal is full"),
    JOURNAL_GROUP_SIZE("arbiter.outcome.journal.group.size", "appends per group commit (one fsync)"),
    JOURNAL_FSYNC("arbiter.outcome.journal.fsync", "time of one journal fsync"),
    JOURNAL_CORRUPT_RECORDS("arbiter.outcome.journal.corrupt.records",
            "journal records failing their CRC while shipping (disk corruption)"),
    PG_UP("arbiter.outcome.postgres.up", "1 when the last Postgres transaction succeeded"),
    PG_BATCH_SIZE("arbiter.outcome.postgres.batch.size", "rows per Postgres transaction (journal + decisions)"),
    PG_BATCH_DURATION("arbiter.outcome.postgres.batch.duration", "time of one shipping transaction"),
    PG_ROWS_INSERTED("arbiter.outcome.postgres.rows.inserted", "outcome rows inserted (tag kind: journal, decision)"),
    PG_DUPLICATES("arbiter.outcome.postgres.duplicates",
            "outcome rows skipped as already present (replays, client retries)"),
    PG_INSERT_ERRORS("arbiter.outcome.postgres.insert.errors", "failed shipping transactions"),
    PG_RETRIES("arbiter.outcome.postgres.retries", "shipping transactions retried after a back-off");

    private final String metricName;
    private final String description;

    OutcomeMetric(String metricName, String description) {
        this.metricName = metricName;
        this.description = description;
    }

    public String metricName() {
        return metricName;
    }

    public String description() {
        return description;
    }
}
