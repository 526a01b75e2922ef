package io.arbiter.server.cluster;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the two syncs that read Postgres in rounds ({@link ClusterSync}, {@link LinearSync}) share: a daemon thread of
 * their own, a round every interval, whether Postgres answered the last round (logged once at each change, not every
 * round), when the last successful round ended and the lag it measured. Blocking rounds; never on an event loop.
 */
public abstract class PeriodicSync implements AutoCloseable {
    private final System.Logger log = System.getLogger(getClass().getName());
    private final String name;
    private final long intervalMillis;
    private final ScheduledExecutorService thread;
    private volatile long lastRoundMillis;
    private volatile long lastLagMillis;
    private volatile boolean reachable = true;

    /**
     * @param name           how the log lines name it ("cluster sync")
     * @param threadName     its thread's name
     * @param intervalMillis between the end of one round and the start of the next
     */
    protected PeriodicSync(String name, String threadName, long intervalMillis) {
        this.name = name;
        this.intervalMillis = intervalMillis;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code round} now and then every interval, on the sync's thread. */
    protected final void schedule(Runnable round) {
        thread.scheduleWithFixedDelay(round, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** How long a round waits for one query: five intervals, at least 5 s. */
    protected final long patienceMillis() {
        return Math.max(intervalMillis * 5, 5000);
    }

    /**
     * A round read what it needed. {@code oldestMillis}: when the oldest row it applied was taken (epoch ms), or
     * {@link Long#MAX_VALUE} when it applied none. Answers the lag it measured (ms), -1 when it applied none.
     */
    protected final long succeeded(long oldestMillis) {
        if (!reachable) {
            log.log(System.Logger.Level.INFO, name + ": Postgres answers again");
        }
        reachable = true;
        lastRoundMillis = System.currentTimeMillis();
        if (oldestMillis == Long.MAX_VALUE) {
            return -1;
        }
        lastLagMillis = Math.max(0, lastRoundMillis - oldestMillis);
        return lastLagMillis;
    }

    /**
     * A round failed ({@code what} it could not do); logged when Postgres answered the round before. Not a failure
     * while closing: {@link #stop} interrupts a round waiting for Postgres, and that says nothing about Postgres.
     */
    protected final void failed(String what, Exception e) {
        if (thread.isShutdown()) {
            return;
        }
        if (reachable) {
            log.log(System.Logger.Level.WARNING, name + ": cannot " + what + " (retrying every " + intervalMillis
                + " ms): " + e);
        }
        reachable = false;
    }

    /** Stops the thread, waiting up to 10 s for a round under way. Answers whether it ended. */
    protected final boolean stop() {
        thread.shutdownNow();
        try {
            return thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** From when the oldest row applied in the last round that applied any was taken, to that round's end (ms). */
    public long lastLagMillis() {
        return lastLagMillis;
    }

    /** When the last successful round ended (epoch ms), 0 before the first. */
    public long lastRoundMillis() {
        return lastRoundMillis;
    }

    /** Whether the last round could read Postgres. */
    public boolean reachable() {
        return reachable;
    }
}
