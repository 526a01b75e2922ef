package io.arbiter.server.outcome;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * <p>Start it with {@link #start}; the Postgres schema must exist ({@link Migrations#migrate}). The shipper starts from
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
    private Future<Void> closeFuture;

    private final Counter decisionsOffered;
    private final Counter decisionsSampledOut;
    private final Counter decisionsDropped;
    private final Counter appends;
    private final Counter appendsRejected;
    private final Counter appendsFailed;
    private final DistributionSummary groupSize;
    private final Timer fsync;
    private final DistributionSummary batchSize;
    private final Timer batchDuration;
    private final Counter journalRowsInserted;
    private final Counter decisionRowsInserted;
    private final Counter duplicates;
    private final Counter insertErrors;
    private final Counter retries;
    private final Counter corruptRecords;
    private long corruptRecordsSeen;

    private OutcomePipeline(Vertx vertx, Pool pool, OutcomeConfig config, MeterRegistry registry, Clock clock)
            throws IOException {
        this.config = config;
        this.clock = clock;
        this.sampleThreshold = (int) Math.round(config.decisionSampleRate() * (1 << 24));
        this.ring = new DecisionRing(config.ringCapacityBytes());
        this.postgres = new PostgresWriter(pool);

        decisionsOffered = counter(registry, OutcomeMetric.DECISIONS_OFFERED);
        decisionsSampledOut = counter(registry, OutcomeMetric.DECISIONS_SAMPLED_OUT);
        decisionsDropped = counter(registry, OutcomeMetric.DECISIONS_DROPPED);
        appends = counter(registry, OutcomeMetric.APPENDS);
        appendsRejected = counter(registry, OutcomeMetric.APPENDS_REJECTED);
        appendsFailed = counter(registry, OutcomeMetric.APPENDS_FAILED);
        groupSize = DistributionSummary.builder(OutcomeMetric.JOURNAL_GROUP_SIZE.metricName())
                .description(OutcomeMetric.JOURNAL_GROUP_SIZE.description()).register(registry);
        fsync = Timer.builder(OutcomeMetric.JOURNAL_FSYNC.metricName())
                .description(OutcomeMetric.JOURNAL_FSYNC.description()).register(registry);
        batchSize = DistributionSummary.builder(OutcomeMetric.PG_BATCH_SIZE.metricName())
                .description(OutcomeMetric.PG_BATCH_SIZE.description()).baseUnit("rows").register(registry);
        batchDuration = Timer.builder(OutcomeMetric.PG_BATCH_DURATION.metricName())
                .description(OutcomeMetric.PG_BATCH_DURATION.description()).register(registry);
        journalRowsInserted = Counter.builder(OutcomeMetric.PG_ROWS_INSERTED.metricName())
                .description(OutcomeMetric.PG_ROWS_INSERTED.description()).tag("kind", "journal").register(registry);
        decisionRowsInserted = Counter.builder(OutcomeMetric.PG_ROWS_INSERTED.metricName())
                .description(OutcomeMetric.PG_ROWS_INSERTED.description()).tag("kind", "decision").register(registry);
        duplicates = counter(registry, OutcomeMetric.PG_DUPLICATES);
        insertErrors = counter(registry, OutcomeMetric.PG_INSERT_ERRORS);
        retries = counter(registry, OutcomeMetric.PG_RETRIES);
        corruptRecords = counter(registry, OutcomeMetric.JOURNAL_CORRUPT_RECORDS);

        final Journal opened = Journal.open(config.journalDir());
        try {
            this.writer = new JournalWriter(opened, config.segmentBytes(), config.appendQueueCapacity(),
                    new JournalWriter.Listener() {
                        @Override
                        public void written(int appendCount) {
                            appends.increment(appendCount);
                            groupSize.record(appendCount);
                        }

                        @Override
                        public void fsync(long nanos) {
                            fsync.record(nanos, TimeUnit.NANOSECONDS);
                        }

                        @Override
                        public void failed(int appendCount) {
                            appendsFailed.increment(appendCount);
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
                        batchSize.record(journalRecords + decisionRows);
                        batchDuration.record(nanos, TimeUnit.NANOSECONDS);
                        journalRowsInserted.increment(result.outcomesInserted());
                        decisionRowsInserted.increment(result.decisionsInserted());
                        duplicates.increment(result.outcomesDuplicate());
                        if (journalFull && journal.unshippedBytes() + writer.pendingBytes()
                                + OutcomeCodec.MAX_RECORD_LENGTH <= config.maxJournalBytes()) {
                            journalFull = false;
                        }
                    }

                    @Override
                    public void failed(Throwable error, boolean willRetry) {
                        insertErrors.increment();
                        if (willRetry) {
                            retries.increment();
                        }
                    }

                    @Override
                    public void corruptRecords(long total) {
                        if (total > corruptRecordsSeen) {
                            corruptRecords.increment(total - corruptRecordsSeen);
                            corruptRecordsSeen = total;
                        }
                    }
                });

        gauge(registry, OutcomeMetric.RING_DEPTH, p -> p.ring.depth(), null);
        gauge(registry, OutcomeMetric.JOURNAL_BYTES, p -> p.journal.unshippedBytes(), "bytes");
        gauge(registry, OutcomeMetric.JOURNAL_EVENTS, p -> p.journal.unshippedEvents(), null);
        gauge(registry, OutcomeMetric.JOURNAL_LAG, p -> p.lagMillis() / 1000.0, "seconds");
        gauge(registry, OutcomeMetric.JOURNAL_FULL, p -> p.status().journalFull() ? 1 : 0, null);
        gauge(registry, OutcomeMetric.PG_UP, p -> p.shipper.postgresUp() ? 1 : 0, null);
    }

    /** {@link #start(Vertx, Pool, OutcomeConfig, MeterRegistry, Clock)} with the system clock (UTC). */
    public static Future<OutcomePipeline> start(Vertx vertx, Pool pool, OutcomeConfig config, MeterRegistry registry) {
        return start(vertx, pool, config, registry, Clock.systemUTC());
    }

    /**
     * Opens the journal in {@code config.journalDir()} (recovering its unshipped tail) and starts the writer and
     * shipper threads. The journal is opened on a worker thread; the future completes once both threads run.
     *
     * @param pool     the Postgres pool (schema migrated); the pipeline does not close it
     * @param registry where the metrics of {@link OutcomeMetric} are registered
     * @param clock    the clock the lag is measured with (events carry their own times)
     */
    public static Future<OutcomePipeline> start(Vertx vertx, Pool pool, OutcomeConfig config, MeterRegistry registry,
                                                Clock clock) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(clock, "clock");
        return vertx.executeBlocking(() -> {
            final OutcomePipeline pipeline = new OutcomePipeline(vertx, pool, config, registry, clock);
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
        counts.increment(decision.scope(), decision.arm());
        decisionsOffered.increment();
        if (!sampled(decision.id())) {
            decisionsSampledOut.increment();
            return true;
        }
        if (!ring.offer(decision)) {
            decisionsDropped.increment(); // ring full, or a decision that cannot be stored (see encodedLength)
            return false;
        }
        return true;
    }

    /** Deterministic sampling on the id's hash, so a decision is sampled the same way on every node. */
    private boolean sampled(String id) {
        if (sampleThreshold >= 1 << 24) {
            return true;
        }
        int h = id.hashCode() * 0x9E3779B9;
        h ^= h >>> 15;
        return (h & 0xFFFFFF) < sampleThreshold;
    }

    @Override
    public Future<Void> append(OutcomeEvent outcome) {
        if (closed.get()) {
            return Future.failedFuture(new IllegalStateException("outcome pipeline closed"));
        }
        final IOException failure = writer.failure();
        if (failure != null) {
            appendsFailed.increment();
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
        appendsRejected.increment();
        return Future.failedFuture(new JournalFullException(message));
    }

    @Override
    public Future<List<ArmAggregate>> loadAggregates() {
        return postgres.loadAggregates();
    }

    @Override
    public Future<List<String>> loadOutcomeIdsSince(OutcomeKind kind, long sinceMillis) {
        return postgres.loadIdsSince(kind, sinceMillis);
    }

    /**
     * Completes once every outcome acknowledged before this call and every decision offered before it (with the
     * decision counts) is committed in Postgres. Waits as long as Postgres is away; fails if the pipeline closes
     * first. Meant for tests and for a start-up that wants the replayed tail in the aggregates before loading them.
     */
    public Future<Void> flush() {
        return shipper.flush(Vertx.currentContext());
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

    private static Counter counter(MeterRegistry registry, OutcomeMetric metric) {
        return Counter.builder(metric.metricName()).description(metric.description()).register(registry);
    }

    private void gauge(MeterRegistry registry, OutcomeMetric metric,
                       java.util.function.ToDoubleFunction<OutcomePipeline> value, String unit) {
        Gauge.builder(metric.metricName(), this, value).description(metric.description()).baseUnit(unit)
                .register(registry);
    }
}
