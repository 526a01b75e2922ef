package io.arbiter.server.personalisation.reward;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DuplicateIndexTest {
    private static final long WINDOW = 60_000;

    /** A clock tests move by hand. */
    private static final class HandClock extends Clock {
        private volatile long millis;

        HandClock(long millis) {
            this.millis = millis;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void claimsOnceReleasesAndExpiresWithTheWindow() {
        final HandClock clock = new HandClock(100);
        final DuplicateIndex index = new DuplicateIndex(10, WINDOW, clock);
        assertTrue(index.claim(7, 100));
        assertFalse(index.claim(7, 100));
        assertTrue(index.claim(7, 101), "same nonce, other issue time: another decision");
        assertTrue(index.claim(7, 100, "unsubscribe"), "a guardrail metric's reward is a claim of its own");
        assertFalse(index.claim(7, 100, "unsubscribe"));
        index.release(7, 100);
        assertTrue(index.claim(7, 100));
        clock.millis = 100 + WINDOW;
        assertFalse(index.claim(7, 100), "still within the window (the token is still accepted)");
        clock.millis = 100 + WINDOW + 1_000;
        assertTrue(index.claim(7, 100), "past the window the claim has expired by itself");
    }

    @Test
    void memoryStaysBoundedPastCapacity() {
        final DuplicateIndex index = new DuplicateIndex(6, WINDOW, new HandClock(0)); // 8 groups, 56 claims
        for (int i = 0; i < 10_000; i++) {
            assertTrue(index.claim(i, 0));
        }
        assertEquals(56, index.capacity());
        assertEquals(56, index.size());
        assertEquals(10_000 - 56, index.evicted());
    }

    @Test
    void exactlyOneOfManyConcurrentClaimsWins() throws Exception {
        final DuplicateIndex index = new DuplicateIndex(16, WINDOW, new HandClock(0));
        final AtomicInteger winners = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int decision = 0; decision < 2_000; decision++) {
                final long nonce = decision;
                final Future<?>[] tasks = new Future<?>[4];
                for (int t = 0; t < tasks.length; t++) {
                    tasks[t] = pool.submit(() -> {
                        if (index.claim(nonce, 1)) {
                            winners.incrementAndGet();
                        }
                    });
                }
                for (final Future<?> task : tasks) {
                    task.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2_000, winners.get());
    }
}
