package io.arbiter.server.personalisation.reward;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DuplicateIndexTest {

    @Test
    void claimsOnceReleasesAndExpires() {
        final DuplicateIndex index = new DuplicateIndex();
        assertTrue(index.claim(7, 100));
        assertFalse(index.claim(7, 100));
        assertTrue(index.claim(7, 101), "same nonce, other issue time: another decision");
        index.release(7, 100);
        assertTrue(index.claim(7, 100));
        index.expire(101);
        assertEquals(1, index.size());
        assertTrue(index.claim(7, 100), "expired entries are forgotten");
    }

    @Test
    void exactlyOneOfManyConcurrentClaimsWins() throws Exception {
        final DuplicateIndex index = new DuplicateIndex();
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
