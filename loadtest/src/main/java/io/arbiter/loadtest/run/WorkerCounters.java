package io.arbiter.loadtest.run;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counters written by one worker's event loop and read by the reporter thread. Single writer, so
 * increments are a plain read plus a release store ({@code lazySet}): readers need a recent,
 * monotonic value, not a fence per request.
 */
public final class WorkerCounters {
    static final int MAX_STATUS = 600;

    private final AtomicLongArray counters = new AtomicLongArray(Counter.values().length);
    private final AtomicLongArray statuses = new AtomicLongArray(MAX_STATUS);
    private final AtomicReferenceArray<String> firstFailure = new AtomicReferenceArray<>(Counter.values().length);

    void increment(Counter counter) {
        final int i = counter.ordinal();
        counters.lazySet(i, counters.get(i) + 1);
    }

    void add(Counter counter, long delta) {
        final int i = counter.ordinal();
        counters.lazySet(i, counters.get(i) + delta);
    }

    void raiseTo(Counter gauge, long value) {
        final int i = gauge.ordinal();
        if (value > counters.get(i)) {
            counters.lazySet(i, value);
        }
    }

    void set(Counter gauge, long value) {
        counters.lazySet(gauge.ordinal(), value);
    }

    void countStatus(int status) {
        final int i = status >= 0 && status < MAX_STATUS ? status : 0;
        statuses.lazySet(i, statuses.get(i) + 1);
    }

    void failure(Counter kind, String message) {
        increment(kind);
        firstFailure.compareAndSet(kind.ordinal(), null, message);
    }

    public long get(Counter counter) {
        return counters.get(counter.ordinal());
    }

    public long status(int status) {
        return statuses.get(status);
    }

    public String firstFailure(Counter kind) {
        return firstFailure.get(kind.ordinal());
    }
}
