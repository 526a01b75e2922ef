package io.arbiter.loadtest.run;

/** What each worker counts. All but the gauges count requests whose intended time is in the measured window. */
public enum Counter {
    /** Sends the plan scheduled. */
    PLANNED,
    /** Sends actually written. */
    SENT,
    /** Sends that found every connection busy and waited in the generator's backlog. */
    BACKLOGGED,
    /** Sends dropped because the backlog hit --max-backlog. */
    DROPPED,
    /** Planned sends still unsent when the run ended. */
    UNSENT,
    /** Sent requests with no answer when the run ended. */
    UNFINISHED,
    /** Answers of any HTTP status. */
    RESPONSES,
    /** Answers of any HTTP status, warm-up included: the server's throughput over time. */
    ALL_RESPONSES,
    /** Failures: no HTTP answer within --timeout. */
    TIMEOUT,
    /** Failures: could not connect. */
    CONNECT,
    /** Failures: TLS handshake failed (untrusted certificate, protocol mismatch). */
    TLS,
    /** Failures: connection closed or reset under the request. */
    CLOSED,
    /** Failures of any other kind. */
    OTHER_FAILURE,
    /** Warm-up sends still waiting for a connection when measuring began; skipped so measuring starts clean. */
    WARMUP_SKIPPED,
    /** Gauge: deepest the backlog got (whole run). */
    MAX_BACKLOG_DEPTH,
    /** Gauge: sends waiting in the backlog now. */
    BACKLOG_DEPTH;

    static final Counter[] FAILURES = {TIMEOUT, CONNECT, TLS, CLOSED, OTHER_FAILURE};
}
