package io.arbiter.server.metrics;

/**
 * Every metric the server publishes, in one place (listed in {@code docs/metrics.md}). Names are Micrometer's dotted
 * form; the Prometheus endpoint shows them with underscores and unit suffixes (for example
 * {@code arbiter_http_requests_seconds_bucket}).
 */
public enum MetricName {
    /** Timer, tags endpoint and status: time from request routed to response written. */
    HTTP_REQUESTS("arbiter.http.requests"),
    /** Counter, tag experiment: decisions answered. */
    DECISIONS("arbiter.decisions"),
    /** Counter, tags experiment and status (accepted, duplicate): rewards taken. */
    REWARDS("arbiter.rewards"),
    /** Counter, tag reason: requests refused with a 4xx or 5xx, by reason. */
    ERRORS("arbiter.errors"),
    /** Counter: decisions not logged because the in-memory queue was full. */
    DECISIONS_DROPPED("arbiter.decisions.dropped"),
    /** Gauge: entries in the duplicate-reward index. */
    DEDUP_ENTRIES("arbiter.rewards.dedup.entries"),
    /** Gauge: arms allocated in the posterior table. */
    TABLE_ARMS("arbiter.table.arms"),
    /** Gauge: decayed updates left out because they raced an era switch. */
    TABLE_SKIPPED_DECAYED("arbiter.table.decayed.skipped"),
    /** Gauge: publisher x format contexts with a first-price win-rate curve of their own. */
    BID_SHADING_CONTEXTS("arbiter.bid.shading.contexts"),
    /** Counter: win/loss notices that trained only the bidder-wide curve (context limit reached). */
    BID_SHADING_UNTRACKED("arbiter.bid.shading.untracked");

    private final String metricName;

    MetricName(String metricName) {
        this.metricName = metricName;
    }

    public String metricName() {
        return metricName;
    }
}
