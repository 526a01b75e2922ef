package io.arbiter.server.outcome;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.UUID;

/**
 * The shipper's two transactions per batch, as {@link Shipper#ship} runs them, for {@code IngestBenchmark}: the
 * server's own {@link PostgresWriter} (its SQL, its idempotency by batch id and unique keys, its aggregate folds), fed
 * with rows the benchmark generates instead of the ring's and the journal's. It lives in the writer's package because
 * the writer and its results are that package's own.
 */
public final class ShippingWrites {

    /**
     * What one outcome transaction stored.
     *
     * @param decisionsInserted decision rows appended through the journal and inserted
     * @param outcomesInserted  reward (and OpenRTB) rows inserted by the outcome transaction
     * @param outcomesDuplicate outcome rows skipped because their key was already stored
     */
    public record Stored(int decisionsInserted, int outcomesInserted, int outcomesDuplicate) {
    }

    /** One batch's drained decision counts, kept with the batch so that a retry ships the same ones. */
    public static final class Counts {
        private final List<DecisionCounts.Delta> deltas;

        private Counts(List<DecisionCounts.Delta> deltas) {
            this.deltas = deltas;
        }
    }

    private final PostgresWriter writer;
    private final DecisionCounts counts = new DecisionCounts();

    /** @param pool the pool the batches go through (schema migrated); not closed here */
    public ShippingWrites(Pool pool, List<AggregationRule> rules) {
        this.writer = new PostgresWriter(pool, rules);
    }

    /**
     * Counts the batch's decisions into this writer's {@code DecisionCounts} (every decision counted, as at sample
     * rate 1, by the server's event loops) and drains them, in the order the server's shipper would ship them.
     */
    public Counts countDecisions(List<OutcomeEvent> decisions) {
        for (final OutcomeEvent decision : decisions) {
            counts.increment(decision.scope(), decision.arm());
        }
        return new Counts(counts.drain());
    }

    /**
     * The decision transaction (asynchronous commit, the batch id first) with the decision counts drained by
     * {@link #countDecisions} for this batch (pass the same object again when retrying the batch, as the shipper
     * keeps its batch). Call it on the pool's context, as the shipper does.
     *
     * @return the decision rows inserted (0 for a batch id already stored)
     */
    public Future<Integer> shipDecisions(UUID batch, List<OutcomeEvent> decisions, Counts drained) {
        return writer.writeDecisions(batch, decisions, drained.deltas);
    }

    /**
     * The outcome transaction (the server's {@code synchronous_commit}): rewards inserted unless their
     * {@code (decision_id, metric)} is stored, folded into the arm, node and segment aggregates. Call it on the pool's
     * context, after {@link #shipDecisions}, as the shipper does.
     */
    public Future<Stored> shipOutcomes(List<OutcomeEvent> outcomes) {
        return writer.writeOutcomes(outcomes).map(result -> new Stored(result.decisionsInserted(),
                result.outcomesInserted(), result.outcomesDuplicate()));
    }
}
