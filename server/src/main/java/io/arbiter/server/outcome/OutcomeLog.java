package io.arbiter.server.outcome;

import io.vertx.core.Future;

import java.util.List;

/**
 * The outcome pipeline as the request handlers see it: decisions are offered (best effort, never blocking),
 * outcomes are appended durably (the returned future completes once the event is in the local journal, so a
 * request may be acknowledged), and everything is shipped to Postgres in batches in the background.
 * All methods may be called from any event-loop thread and never block it.
 */
public interface OutcomeLog {

    /**
     * Offers a decision for logging. Never blocks; may be sampled by configuration.
     *
     * @return false if the decision was dropped because the in-memory ring was full (counted in metrics)
     */
    boolean offerDecision(OutcomeEvent decision);

    /**
     * Appends an acknowledged outcome (REWARD, WIN, BILL, LOSS, CLICK, CONVERSION). The future completes once
     * the event is durable in the local journal (group commit). It fails with {@link JournalFullException} when the
     * journal has reached its configured limit; the caller answers 503 and must not apply the outcome.
     *
     * <p>Other failures: {@link IllegalArgumentException} for an event Postgres could not store (a string over 1024
     * UTF-8 bytes or containing NUL, a negative time, a non-finite value; a 4xx); {@link java.io.IOException} once a
     * journal write or fsync has failed (a 503 until the server is restarted); {@link IllegalStateException} after
     * {@link #close()}.
     */
    Future<Void> append(OutcomeEvent outcome);

    /** Per-arm totals kept in Postgres, for rebuilding posteriors after an unclean restart. */
    Future<List<ArmAggregate>> loadAggregates();

    /**
     * Per-segment totals kept in Postgres ({@code segment_aggregates}), for rebuilding segment statistics when their
     * table file is lost. An outcome log without Postgres has none.
     */
    default Future<List<SegmentAggregate>> loadSegmentAggregates() {
        return Future.succeededFuture(List.of());
    }

    /**
     * The aggregates ({@link #loadAggregates}, and {@link #loadSegmentAggregates} when {@code segments}) and the other
     * nodes' shares of them (every node but {@code node}) as of one instant: what a node restoring its state at start
     * rebuilds from, and what the cluster sync then takes as already seen. An outcome log without Postgres has no
     * other nodes.
     */
    default Future<AggregateSnapshot> loadSnapshot(String node, boolean segments) {
        return loadAggregates().compose(arms -> (segments ? loadSegmentAggregates() : Future.succeededFuture(
            List.<SegmentAggregate>of())).map(rows -> new AggregateSnapshot(arms, rows, List.of(), List.of())));
    }

    /**
     * The ids of REWARD/CLICK/CONVERSION/BILL/WIN events since {@code sinceMillis}, to rebuild duplicate detection. A
     * reward for a metric other than the primary one is {@code "<decision id> <metric>"}.
     */
    Future<List<String>> loadOutcomeIdsSince(OutcomeKind kind, long sinceMillis);

    /**
     * The ids of the newest {@code limit} events of {@code kinds} since {@code sinceMillis}, newest first: REWARD
     * alone, or any of CLICK/CONVERSION/BILL/WIN/LOSS together. To rebuild a claims table that holds {@code limit}:
     * reading more would only evict what was read (a week of rewards is far more than the table holds).
     */
    Future<List<OutcomeId>> loadNewestOutcomeIds(List<OutcomeKind> kinds, long sinceMillis, int limit);

    /**
     * The ids of the BILL events this node took since {@code sinceMillis} (and those stored without a node, before
     * migration V47), to restore its own spend: with several nodes on one Postgres, not the others'. An outcome log
     * without Postgres has no other nodes: every bill.
     */
    default Future<List<String>> loadOwnBillIdsSince(long sinceMillis) {
        return loadOutcomeIdsSince(OutcomeKind.BILL, sinceMillis);
    }

    /**
     * Registers who is told, on the shipper thread after each commit, of the rewards this node appended that Postgres
     * refused because another node had stored them first (a reward repeated on two nodes): the caller applied them
     * to its posterior when they arrived and takes them back. Rewards replayed before registration are not reported.
     */
    default void onRewardsStoredElsewhere(java.util.function.Consumer<List<OutcomeEvent>> consumer) {
        // an outcome log without Postgres has no other nodes
    }

    /**
     * The share of decisions whose row is logged ({@code outcomes.decisionSampleRate}); off-policy evaluation
     * weights each logged row by its inverse.
     */
    default double decisionSampleRate() {
        return 1.0;
    }

    /** Current depth, journal size, lag and Postgres state, for /ready and /metrics. */
    PipelineStatus status();

    /** Stops accepting, ships everything still in the journal if Postgres is reachable, releases resources. */
    Future<Void> close();
}
