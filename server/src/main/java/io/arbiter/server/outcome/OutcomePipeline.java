package io.arbiter.server.outcome;

import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.metrics.OutcomeMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The outcome pipeline: {@link OutcomeLog} backed by a decision ring, a durable local journal with group commit and a
 * shipper that batches everything into Postgres. See {@code docs/persistence.md} for the design.
 *
 * <pre>
 *  event loops ──offerDecision──► DecisionRing (off-heap, lossy) ─────────────┐
 *       │                          DecisionCounts (per arm, every decision) ───┤
 *       └──append──► JournalWriter thread ──fsync──► segment files ──────────► Shipper thread ──► Postgres
 *                    (group commit; future completes after fsync)   checkpoint ◄── (one transaction per batch)
 * </pre>
 *
 * <p>Start it with {@link #start}; the Postgres schema must exist ({@code pg.Migrations}). The shipper starts from
 * the journal's checkpoint, so whatever a previous process acknowledged but did not ship is replayed first.
 */
public final class OutcomePipeline implements OutcomeLog {

    private static final System.Logger LOG = System.getLogger(OutcomePipeline.class.getName());

    private final OutcomeConfig config;
    private final Clock clock;
    private final Journal journal;
    private final JournalWriter writer;
    private final DecisionRing ring;
    private final DecisionCounts counts = new DecisionCounts();
    private final PostgresWriter postgres;
    private final Shipper shipper;
    private final int sampleThreshold;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean journalFull;
    private volatile java.util.function.Consumer<List<OutcomeEvent>> storedElsewhere;
    private Future<Void> closeFuture;

    private final OutcomeMetrics metrics;
    private long corruptRecordsSeen;

    private OutcomePipeline(Vertx vertx, Pool pool, OutcomeConfig config, Metrics metrics, Clock clock,
                            List<AggregationRule> aggregation)
            throws IOException {
        this.config = config;
        this.clock = clock;
        this.sampleThreshold = (int) Math.round(config.decisionSampleRate() * (1 << 24));
        this.ring = new DecisionRing(config.ringCapacityBytes());
        this.postgres = new PostgresWriter(pool, aggregation);

        this.metrics = metrics.outcomes();

        final Journal opened = Journal.open(config.journalDir());
        try {
            this.writer = new JournalWriter(opened, config.segmentBytes(), config.appendQueueCapacity(),
                    new JournalWriter.Listener() {
                        @Override
                        public void written(int appendCount) {
                            OutcomePipeline.this.metrics.appended(appendCount);
                        }

                        @Override
                        public void fsync(long nanos) {
                            OutcomePipeline.this.metrics.fsynced(nanos);
                        }

                        @Override
                        public void failed(int appendCount) {
                            OutcomePipeline.this.metrics.appendsFailed(appendCount);
                        }
                    });
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        this.journal = opened;
        this.shipper = new Shipper(journal, ring, counts, postgres, vertx.getOrCreateContext(), config,
                new Shipper.Listener() {
                    @Override
                    public void committed(int journalRecords, int decisionRows, PostgresWriter.Result result,
                                          long nanos) {
                        OutcomePipeline.this.metrics.batchCommitted(journalRecords + decisionRows, nanos,
                                result.outcomesInserted(), result.decisionsInserted(), result.outcomesDuplicate());
                        final java.util.function.Consumer<List<OutcomeEvent>> takeBack = storedElsewhere;
                        if (takeBack != null && !result.rewardsStoredElsewhere().isEmpty()) {
                            takeBack.accept(result.rewardsStoredElsewhere());
                        }
                        if (journalFull && journal.unshippedBytes() + writer.pendingBytes()
                                + OutcomeCodec.MAX_RECORD_LENGTH <= config.maxJournalBytes()) {
                            journalFull = false;
                        }
                    }

                    @Override
                    public void failed(Throwable error, boolean willRetry) {
                        OutcomePipeline.this.metrics.batchFailed(willRetry);
                    }

                    @Override
                    public void corruptRecords(long total) {
                        if (total > corruptRecordsSeen) {
                            OutcomePipeline.this.metrics.corruptRecords(total - corruptRecordsSeen);
                            corruptRecordsSeen = total;
                        }
                    }
                });

        metrics.gauge(MetricName.OUTCOME_RING_DEPTH, this, p -> p.ring.depth());
        metrics.gauge(MetricName.OUTCOME_JOURNAL_BYTES, this, p -> p.journal.unshippedBytes());
        metrics.gauge(MetricName.OUTCOME_JOURNAL_EVENTS, this, p -> p.journal.unshippedEvents());
        metrics.gauge(MetricName.OUTCOME_JOURNAL_LAG, this, p -> p.lagMillis() / 1000.0);
        metrics.gauge(MetricName.OUTCOME_JOURNAL_FULL, this, p -> p.status().journalFull() ? 1 : 0);
        metrics.gauge(MetricName.OUTCOME_PG_UP, this, p -> p.shipper.postgresUp() ? 1 : 0);
    }

    /**
     * Opens the journal in {@code config.journalDir()} (recovering its unshipped tail) and starts the writer and
     * shipper threads. The journal is opened on a worker thread; the future completes once both threads run.
     *
     * @param pool     the Postgres pool (schema migrated); the pipeline does not close it
     * @param metrics  where the pipeline's metrics ({@link Metrics#outcomes()}) are recorded
     * @param clock    the clock the lag is measured with (events carry their own times)
     * @param aggregation how OpenRTB events fold into {@code arm_aggregates} (the bidder's rules, as data)
     */
    public static Future<OutcomePipeline> start(Vertx vertx, Pool pool, OutcomeConfig config, Metrics metrics,
                                                Clock clock, List<AggregationRule> aggregation) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
        final List<AggregationRule> rules = List.copyOf(aggregation);
        return vertx.executeBlocking(() -> {
            final OutcomePipeline pipeline = new OutcomePipeline(vertx, pool, config, metrics, clock, rules);
            pipeline.writer.start();
            pipeline.shipper.start();
            final Journal.Recovery recovery = pipeline.journal.recovery();
            LOG.log(System.Logger.Level.INFO, "outcome pipeline started: journal {0}, {1} unshipped events to replay",
                    config.journalDir(), Long.toString(recovery.unshippedEvents()));
            return pipeline;
        }, false);
    }

    @Override
    public boolean offerDecision(OutcomeEvent decision) {
        if (closed.get()) {
            return false;
        }
        if ((decision.flags() & OutcomeEvent.HOLDOUT_FLAG) == 0) { // holdout decisions: counted by the experiment
            counts.increment(decision.scope(), decision.arm());
        }
        metrics.decisionOffered();
        if (!sampled(decision.id())) {
            metrics.decisionSampledOut();
            return true;
        }
        final int offered = ring.offer(decision);
        if (offered == DecisionRing.FULL) {
            metrics.decisionRowDropped(false);
            return false;
        }
        if (offered == DecisionRing.UNSTORABLE) {
            metrics.decisionRowDropped(true); // too large for a record (see encodedLength), or the codec threw
            return false;
        }
        return true;
    }

    /** Deterministic sampling on the id's hash, so a decision is sampled the same way on every node. */
    private boolean sampled(String id) {
        return sampledIn(id, sampleThreshold);
    }

    /**
     * Whether a decision id falls in the logged sample at {@code rate} (the test the pipeline applies), so a reader
     * can tell a reward whose decision row is missing from one whose decision was sampled out.
     */
    public static boolean sampledIn(String id, double rate) {
        return sampledIn(id, (int) Math.round(rate * (1 << 24)));
    }

    private static boolean sampledIn(String id, int threshold) {
        if (threshold >= 1 << 24) {
            return true;
        }
        int h = id.hashCode() * 0x9E3779B9;
        h ^= h >>> 15;
        return (h & 0xFFFFFF) < threshold;
    }

    @Override
    public double decisionSampleRate() {
        return config.decisionSampleRate();
    }

    @Override
    public Future<Void> append(OutcomeEvent outcome) {
        if (closed.get()) {
            return Future.failedFuture(new IllegalStateException("outcome pipeline closed"));
        }
        final IOException failure = writer.failure();
        if (failure != null) {
            metrics.appendsFailed(1);
            return Future.failedFuture(failure);
        }
        final int payloadLength = OutcomeCodec.encodedLength(outcome);
        if (payloadLength < 0) {
            return Future.failedFuture(new IllegalArgumentException("outcome cannot be stored: a string is longer "
                    + "than " + OutcomeCodec.MAX_STRING_BYTES + " UTF-8 bytes or contains NUL, the time is outside "
                    + "0.." + OutcomeCodec.MAX_TIME_MILLIS + ", or the value is not finite"));
        }
        final long recordLength = JournalDescriptor.HEADER_LENGTH + payloadLength;
        final long pending = writer.reserve(recordLength);
        if (journal.unshippedBytes() + pending > config.maxJournalBytes()) {
            writer.release(recordLength);
            return rejectFull("journal full: " + journal.unshippedBytes() + " bytes not yet in Postgres (limit "
                    + config.maxJournalBytes() + ")");
        }
        final Promise<Void> promise = Promise.promise();
        if (!writer.offer(new JournalWriter.PendingAppend(outcome, payloadLength, promise, Vertx.currentContext()))) {
            writer.release(recordLength);
            return rejectFull("journal writer backlog full (" + config.appendQueueCapacity() + " appends waiting)");
        }
        return promise.future();
    }

    private Future<Void> rejectFull(String message) {
        journalFull = true;
        metrics.appendRejected();
        return Future.failedFuture(new JournalFullException(message));
    }

    @Override
    public Future<List<ArmAggregate>> loadAggregates() {
        return postgres.loadAggregates();
    }

    @Override
    public Future<List<SegmentAggregate>> loadSegmentAggregates() {
        return postgres.loadSegmentAggregates();
    }

    @Override
    public Future<AggregateSnapshot> loadSnapshot(String node, boolean segments) {
        return postgres.loadSnapshot(node, segments);
    }

    @Override
    public Future<List<String>> loadOutcomeIdsSince(OutcomeKind kind, long sinceMillis) {
        return postgres.loadIdsSince(kind, sinceMillis);
    }

    @Override
    public Future<List<OutcomeId>> loadNewestOutcomeIds(List<OutcomeKind> kinds, long sinceMillis, int limit) {
        return postgres.loadNewestIds(kinds, sinceMillis, limit);
    }

    @Override
    public Future<List<String>> loadOwnBillIdsSince(long sinceMillis) {
        return postgres.loadOwnBillIdsSince(sinceMillis);
    }

    /**
     * Completes once every outcome acknowledged before this call and every decision offered before it (with the
     * decision counts) is committed in Postgres. Waits as long as Postgres is away; fails if the pipeline closes
     * first. Meant for tests and for a start-up that wants the replayed tail in the aggregates before loading them.
     */
    public Future<Void> flush() {
        return shipper.flush(Vertx.currentContext());
    }

    /**
     * Waits (blocking: never on an event loop) until every append accepted so far is settled: journaled or failed, and
     * the listeners its caller chained to it have run (they run as its promise completes, on the caller's context).
     * A stop calls it after the HTTP verticles are gone and before the modules close their mapped files, so no
     * acknowledged outcome is applied to a closed file.
     *
     * @return false if some were still unsettled after {@code patience}
     */
    public boolean awaitAppendsSettled(Duration patience) {
        final long deadline = System.nanoTime() + patience.toNanos();
        while (writer.unsettled() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }

    /** Appends accepted and not yet settled (see {@link #awaitAppendsSettled}). */
    public long unsettledAppends() {
        return writer.unsettled();
    }

    /**
     * Completes once the journal tail recovered at start is in Postgres (so its aggregates are exact), or after
     * {@code patience}, logging that the rest arrives as the journal drains. Called before anything reads the
     * aggregates to rebuild state; never fails.
     */
    public Future<Void> replayed(Duration patience) {
        return flush().timeout(patience.toMillis(), TimeUnit.MILLISECONDS).recover(failure -> {
            LOG.log(System.Logger.Level.WARNING, "the journal tail was not fully shipped within " + patience
                    + " (" + journal.unshippedEvents() + " events left): state is rebuilt from what Postgres has, the"
                    + " rest arrives as the journal drains");
            return Future.succeededFuture();
        });
    }

    @Override
    public void onRewardsStoredElsewhere(java.util.function.Consumer<List<OutcomeEvent>> consumer) {
        storedElsewhere = consumer;
    }

    @Override
    public PipelineStatus status() {
        // After a journal I/O failure appends are refused for good: that too is "journal full" for /ready.
        return new PipelineStatus(ring.depth(), journal.unshippedBytes(), journal.unshippedEvents(), lagMillis(),
                shipper.postgresUp(), journalFull || writer.failure() != null);
    }

    private long lagMillis() {
        final long oldest = journal.oldestUnshippedMillis();
        return oldest == 0 ? 0 : Math.max(0, clock.millis() - oldest);
    }

    /** What recovery found in the journal at start (for logs and tests). */
    public long recoveredEvents() {
        return journal.recovery().unshippedEvents();
    }

    /** Bytes of a torn or corrupt tail that recovery cut off at start (for logs and tests). */
    public long recoveredTruncatedBytes() {
        return journal.recovery().truncatedBytes();
    }

    @Override
    public synchronized Future<Void> close() {
        if (closeFuture != null) {
            return closeFuture;
        }
        closed.set(true);
        final Context context = Vertx.currentContext();
        final Promise<Void> promise = Promise.promise();
        closeFuture = promise.future();
        final Thread closer = new Thread(() -> {
            Throwable failure = null;
            try {
                writer.close();
                shipper.close(config.closeTimeout());
                journal.close();
                final long left = journal.unshippedEvents();
                if (left > 0) {
                    LOG.log(System.Logger.Level.WARNING, "outcome pipeline closed with {0} events still in the "
                            + "journal; they are shipped at the next start", Long.toString(left));
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            final Throwable result = failure;
            final Runnable settle = result == null ? promise::complete : () -> promise.fail(result);
            if (context == null) {
                settle.run();
            } else {
                context.runOnContext(v -> settle.run());
            }
        }, "arbiter-outcome-close");
        closer.start();
        return closeFuture;
    }
}
