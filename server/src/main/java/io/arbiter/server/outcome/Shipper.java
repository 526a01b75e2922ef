package io.arbiter.server.outcome;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The shipper thread: reads durable journal records from the shipped checkpoint on, drains the decision ring and the
 * decision counts, writes them to Postgres in two transactions per batch ({@link PostgresWriter}: decisions with an
 * asynchronous commit, then the journal's records), and then advances the checkpoint. A failed batch is kept and
 * retried, as is, after an exponential back-off, so while Postgres is away the journal simply grows (bounded by the
 * pipeline's limit) and nothing acknowledged is lost.
 *
 * <p>Because shipping always starts from the checkpoint, the same loop replays the unshipped tail after a restart.
 */
final class Shipper {

    /** Listener for metrics. Called on the shipper thread. */
    interface Listener {
        void committed(int journalRecords, int decisionRows, PostgresWriter.Result result, long nanos);

        void failed(Throwable error, boolean willRetry);

        void corruptRecords(long total);
    }

    private record FlushWaiter(long journalTarget, long decisionTarget, long sequence, Promise<Void> promise,
                               Context context) {
    }

    /** {@code decisionBatch}: the id that makes a retried decision transaction insert nothing twice. */
    private record Batch(long journalFrom, long journalEnd, List<OutcomeEvent> outcomes,
                         List<OutcomeEvent> decisions, List<DecisionCounts.Delta> counts, long flushSequence,
                         boolean full, UUID decisionBatch) {
        boolean isEmpty() {
            return journalEnd == journalFrom && outcomes.isEmpty() && decisions.isEmpty() && counts.isEmpty();
        }
    }

    private static final System.Logger LOG = System.getLogger(Shipper.class.getName());
    private static final long PROBE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Journal journal;
    private final DecisionRing ring;
    private final DecisionCounts counts;
    private final PostgresWriter writer;
    private final Context pgContext;
    private final OutcomeConfig config;
    private final Listener listener;
    private final Thread thread;
    private final ConcurrentLinkedQueue<FlushWaiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicLong flushSequence = new AtomicLong();

    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile boolean postgresUp;
    /** Decision rows committed (or given up) by the shipper; written by the shipper thread only. */
    private volatile long decisionsDone;
    // Shipper thread only.
    private long consecutiveFailures;
    private long backoffNanos;
    private Batch batch;
    /** Decision rows inserted by the current batch's decision transaction, or -1 while it is not committed. */
    private int batchDecisionsInserted = -1;
    private boolean finished;
    private long lastContactNanos = System.nanoTime() - PROBE_INTERVAL_NANOS;

    Shipper(Journal journal, DecisionRing ring, DecisionCounts counts, PostgresWriter writer, Context pgContext,
            OutcomeConfig config, Listener listener) {
        this.journal = journal;
        this.ring = ring;
        this.counts = counts;
        this.writer = writer;
        this.pgContext = pgContext;
        this.config = config;
        this.listener = listener;
        this.thread = new Thread(this::run, "arbiter-outcome-shipper");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean postgresUp() {
        return postgresUp;
    }

    /**
     * Completes once everything durable in the journal and every decision offered before this call is committed in
     * Postgres, together with the decision counts; fails if the pipeline closes first.
     */
    Future<Void> flush(Context context) {
        final Promise<Void> promise = Promise.promise();
        final FlushWaiter waiter = new FlushWaiter(journal.durablePosition(), ring.written(),
                flushSequence.incrementAndGet(), promise, context);
        waiters.add(waiter);
        LockSupport.unpark(thread);
        return promise.future();
    }

    /** Ships what it can until everything is shipped, a transaction fails or the timeout passes; then stops. */
    void close(Duration timeout) {
        closeDeadlineNanos = System.nanoTime() + timeout.toNanos();
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeout.plus(config.statementTimeout()).plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (FlushWaiter waiter; (waiter = waiters.poll()) != null; ) {
            settle(waiter, new IllegalStateException("outcome pipeline closed before everything was shipped"));
        }
    }

    private void run() {
        backoffNanos = config.retryInitial().toNanos();
        while (!finished) {
            try {
                step();
            } catch (RuntimeException e) {
                // Never let the thread die: an outcome that cannot be shipped stays in the journal, visibly.
                LOG.log(System.Logger.Level.ERROR, "shipper: unexpected failure; re-reading from the checkpoint", e);
                batch = null;
                batchDecisionsInserted = -1;
                backOff(config.retryMax().toNanos());
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "shipper stopped");
    }

    /** One turn of the loop: collect a batch (or keep the failed one), ship it, advance the checkpoint. */
    private void step() {
        final boolean stopping = closing;
        if (stopping && System.nanoTime() - closeDeadlineNanos > 0) {
            finished = true;
            return;
        }
        if (batch == null) {
            try {
                batch = collect();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot read the journal", e);
                backOff(config.retryMax().toNanos());
                return;
            }
        }
        if (batch.isEmpty()) {
            completeWaiters(batch.flushSequence());
            batch = null;
            if (stopping) {
                finished = true;
                return;
            }
            probeWhenIdle();
            park(config.flushInterval().toNanos());
            return;
        }
        final long started = System.nanoTime();
        final PostgresWriter.Result result;
        try {
            result = ship(batch);
        } catch (Exception e) {
            onFailure(e, stopping);
            return; // the same batch again after the back-off
        }
        postgresUp = true;
        consecutiveFailures = 0;
        backoffNanos = config.retryInitial().toNanos();
        final Batch shipped = batch;
        batch = null;
        batchDecisionsInserted = -1;
        decisionsDone += shipped.decisions().size();
        if (shipped.journalEnd() != shipped.journalFrom()) {
            try {
                journal.markShipped(shipped.journalEnd(), shipped.outcomes().size());
            } catch (IOException e) {
                // The rows are in Postgres but the checkpoint is not: they are read and skipped again (idempotent).
                // The rewards another node stored are handed over by the shipping whose checkpoint is written: each
                // shipping of the batch finds them again, and a take-back must not be repeated.
                LOG.log(System.Logger.Level.ERROR, "cannot write the journal checkpoint", e);
                listener.committed(shipped.outcomes().size(), shipped.decisions().size(),
                        new PostgresWriter.Result(result.outcomesInserted(), result.outcomesDuplicate(),
                                result.decisionsInserted()), System.nanoTime() - started);
                backOff(config.retryMax().toNanos()); // closing too: the batch is shipped again only after it
                return;
            }
        }
        // After the checkpoint, so the listener sees the journal without this batch (a full journal that this batch
        // emptied is no longer reported full).
        listener.committed(shipped.outcomes().size(), shipped.decisions().size(), result,
                System.nanoTime() - started);
        completeWaiters(shipped.flushSequence());
        if (!shipped.full() && !stopping && waiters.isEmpty()) {
            park(config.flushInterval().toNanos());
        }
    }

    private void onFailure(Exception e, boolean stopping) {
        postgresUp = false;
        consecutiveFailures++;
        final boolean retry = !stopping;
        listener.failed(e, retry);
        if (consecutiveFailures == 1 || consecutiveFailures % 100 == 0) {
            // SQLSTATE classes 22 (data), 23 (constraint), 42 (schema): retrying will not help by itself.
            final boolean rejected = e instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23")
                    || pg.getSqlState().startsWith("42"));
            LOG.log(rejected ? System.Logger.Level.ERROR : System.Logger.Level.WARNING, "shipping "
                    + (batch.outcomes().size() + batch.decisions().size()) + " rows to Postgres failed ("
                    + consecutiveFailures + " in a row); "
                    + (rejected ? "Postgres rejected the batch (schema not migrated? bad data?); " : "")
                    + (retry ? "retrying" : "giving up, the journal keeps them") + ": " + e);
        }
        if (!retry) {
            finished = true;
            return;
        }
        park(backoffNanos);
        backoffNanos = Math.min(backoffNanos * 2, config.retryMax().toNanos());
    }

    private Batch collect() throws IOException {
        final long sequence = flushSequence.get();
        final long from = journal.shippedPosition();
        final List<OutcomeEvent> outcomes = new ArrayList<>();
        final long end = journal.read(from, config.batchSize(), outcomes);
        listener.corruptRecords(journal.corruptRecords());
        if (!outcomes.isEmpty()) {
            journal.noteOldestUnshipped(outcomes.get(0).timeMillis());
        }
        final List<OutcomeEvent> decisions = new ArrayList<>();
        ring.drain(decisions, config.batchSize());
        final boolean full = outcomes.size() >= config.batchSize() || decisions.size() >= config.batchSize();
        return new Batch(from, end, outcomes, decisions, counts.drain(), sequence, full, UUID.randomUUID());
    }

    /** With nothing to ship, checks Postgres once per probe interval so that {@link #postgresUp} stays truthful. */
    private void probeWhenIdle() {
        final long now = System.nanoTime();
        if (now - lastContactNanos < PROBE_INTERVAL_NANOS) {
            return;
        }
        lastContactNanos = now;
        final Promise<Void> promise = Promise.promise();
        pgContext.runOnContext(v -> writer.ping().onComplete(promise));
        try {
            promise.future().await(config.statementTimeout().toMillis(), TimeUnit.MILLISECONDS);
            postgresUp = true;
        } catch (Exception e) {
            if (postgresUp) {
                LOG.log(System.Logger.Level.WARNING, "Postgres is not reachable: " + e);
            }
            postgresUp = false;
        }
    }

    /**
     * Two transactions: the ring's decisions (asynchronous commit) and then the journal's records. A batch whose
     * decision transaction committed but whose outcome transaction failed retries only the latter, so the decision
     * count deltas are never added twice by a retry.
     */
    private PostgresWriter.Result ship(Batch batch) throws Exception {
        lastContactNanos = System.nanoTime();
        if (batchDecisionsInserted < 0) {
            final Promise<Integer> decisions = Promise.promise();
            pgContext.runOnContext(v -> writer.writeDecisions(batch.decisionBatch(), batch.decisions(),
                    batch.counts())
                    .onComplete(decisions));
            batchDecisionsInserted = decisions.future().await(config.statementTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        final Promise<PostgresWriter.Result> promise = Promise.promise();
        pgContext.runOnContext(v -> writer.writeOutcomes(batch.outcomes()).onComplete(promise));
        final PostgresWriter.Result outcomes = promise.future().await(config.statementTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        return new PostgresWriter.Result(outcomes.outcomesInserted(), outcomes.outcomesDuplicate(),
                outcomes.decisionsInserted() + batchDecisionsInserted, outcomes.rewardsStoredElsewhere());
    }

    private void completeWaiters(long shippedSequence) {
        final long shippedPosition = journal.shippedPosition();
        final long decisions = decisionsDone;
        for (Iterator<FlushWaiter> it = waiters.iterator(); it.hasNext(); ) {
            final FlushWaiter waiter = it.next();
            if (waiter.sequence() <= shippedSequence && waiter.journalTarget() <= shippedPosition
                    && waiter.decisionTarget() <= decisions) {
                it.remove();
                settle(waiter, null);
            }
        }
    }

    private static void settle(FlushWaiter waiter, Throwable failure) {
        final Runnable action = failure == null ? waiter.promise()::complete : () -> waiter.promise().fail(failure);
        if (waiter.context() == null) {
            action.run();
        } else {
            waiter.context().runOnContext(v -> action.run());
        }
    }

    /** Waits between turns; not while closing (the close ships what is left at once). */
    private void park(long nanos) {
        if (!closing || nanos <= 0) {
            LockSupport.parkNanos(this, nanos);
        }
    }

    /**
     * Waits {@code nanos} before the same thing is tried again (it failed), while closing too, but not past the close
     * deadline: a failure that repeats at once (a checkpoint that cannot be written) would otherwise be retried as
     * fast as Postgres answers until the close timeout.
     */
    private void backOff(long nanos) {
        final long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            if (closing) {
                final long toDeadline = closeDeadlineNanos - System.nanoTime();
                if (toDeadline <= 0) {
                    return;
                }
                left = Math.min(left, toDeadline);
            }
            LockSupport.parkNanos(this, left); // woken by close's unpark: the loop goes on waiting, to the deadline
        }
    }
}
