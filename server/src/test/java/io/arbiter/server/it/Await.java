package io.arbiter.server.it;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Waiting in the multi-node tests for a node's view to become what another node stored. */
final class Await {
    private Await() {
    }

    /**
     * Reads {@code read} every 50 ms until it equals {@code expected} or {@code deadline} has passed, then asserts the
     * last reading equals it and prints how long it took.
     *
     * @return the last reading
     */
    static <T> T equal(T expected, Callable<T> read, Duration deadline, String what) throws Exception {
        final long started = System.nanoTime();
        final long until = started + deadline.toNanos();
        T seen = read.call();
        while (!seen.equals(expected) && System.nanoTime() < until) {
            Thread.sleep(50);
            seen = read.call();
        }
        assertEquals(expected, seen, what);
        System.out.println(what + ": reached after " + (System.nanoTime() - started) / 1_000_000 + " ms");
        return seen;
    }
}
