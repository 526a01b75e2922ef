package io.arbiter.server.outcome;

/**
 * A snapshot of the outcome pipeline's health.
 *
 * @param ringDepth        decisions waiting in memory
 * @param journalBytes     bytes in the local journal not yet confirmed in Postgres
 * @param journalEvents    events in the local journal not yet confirmed in Postgres
 * @param lagMillis        age of the oldest unshipped event (0 when none)
 * @param postgresUp       whether the last Postgres round trip succeeded
 * @param journalFull      whether appends are currently refused
 */
public record PipelineStatus(long ringDepth, long journalBytes, long journalEvents, long lagMillis,
                             boolean postgresUp, boolean journalFull) {
}
