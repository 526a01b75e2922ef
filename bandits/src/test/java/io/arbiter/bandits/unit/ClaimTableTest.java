package io.arbiter.bandits.unit;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ClaimTableTest {
    private static final long NOW = 1_000;
    private static final long LATER = 2_000;

    @Test
    void recognisesEveryDuplicateWithinCapacity() {
        final long seed = 20261207L;
        final Random random = new Random(seed);
        final ClaimTable table = new ClaimTable(16); // 8,192 groups, 57,344 claims
        final long[] keys = new long[8_192];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ClaimTable.key(random.nextLong(), random.nextLong(), random.nextInt(6));
        }
        final Set<Long> claimed = new HashSet<>();
        for (int op = 0; op < 200_000; op++) {
            final long key = keys[random.nextInt(keys.length)];
            assertEquals(claimed.add(key), table.claim(key, LATER, NOW), "seed " + seed + ", op " + op);
        }
        assertEquals(0, table.evicted(), "seed " + seed);
        assertEquals(claimed.size(), table.used(), "seed " + seed);
        for (final long key : keys) {
            assertEquals(!claimed.contains(key), table.claim(key, LATER, NOW), "seed " + seed);
        }
    }

    @Test
    void aFullGroupEvictsTheClaimThatExpiresFirst() {
        final ClaimTable table = new ClaimTable(3); // one group of seven claims
        assertEquals(7, table.capacity());
        for (int i = 0; i < 7; i++) {
            assertTrue(table.claim(100 + i, i == 3 ? LATER : LATER + 10 + i, NOW)); // key 103 expires first
        }
        assertTrue(table.claim(200, LATER + 50, NOW), "a full group still takes a claim");
        assertEquals(1, table.evicted());
        assertEquals(7, table.used());
        for (int i = 0; i < 7; i++) {
            if (i != 3) {
                assertFalse(table.claim(100 + i, LATER, NOW), "key " + (100 + i) + " was kept");
            }
        }
        assertFalse(table.claim(200, LATER, NOW));
        assertTrue(table.claim(103, LATER, NOW), "the earliest-expiring claim was the one evicted");
        assertEquals(2, table.evicted());
    }

    @Test
    void aClaimExpiresByItselfAndItsSlotIsReused() {
        final ClaimTable table = new ClaimTable(3);
        assertTrue(table.claim(42, 10, 5));
        assertFalse(table.claim(42, 10, 9), "live until its second");
        assertTrue(table.claim(42, 20, 10), "expired at its second: claimed again");
        for (int i = 0; i < 6; i++) {
            assertTrue(table.claim(1 + i, 30, 10));
        }
        assertEquals(7, table.used());
        assertTrue(table.claim(99, 40, 25), "42 expired at 20: its slot is taken without an eviction");
        assertEquals(0, table.evicted());
        assertEquals(7, table.used());
    }

    @Test
    void aReleasedClaimCanBeTakenAgain() {
        final ClaimTable table = new ClaimTable(3);
        assertTrue(table.claim(5, LATER, NOW));
        assertTrue(table.claim(6, LATER, NOW));
        table.release(5);
        assertEquals(1, table.used());
        assertFalse(table.claim(6, LATER, NOW), "releasing one key leaves the others");
        assertTrue(table.claim(5, LATER, NOW));
        assertFalse(table.claim(5, LATER, NOW));
        table.release(77); // not claimed: nothing changes
        assertEquals(2, table.used());
    }

    @Test
    void exactlyOneOfSeveralThreadsClaimingOneKeyWins() throws Exception {
        final long seed = 7_3L;
        final int threads = 4;
        final int n = 20_000;
        final ClaimTable table = new ClaimTable(18); // 32,768 groups: well within capacity, no evictions
        final long[] keys = new long[n];
        final Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            keys[i] = ClaimTable.key(random.nextLong(), i, 0);
        }
        final AtomicIntegerArray wins = new AtomicIntegerArray(n);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        final CountDownLatch start = new CountDownLatch(1);
        try {
            final Future<?>[] tasks = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                tasks[t] = pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < n; i++) {
                        if (table.claim(keys[i], LATER, NOW)) {
                            wins.incrementAndGet(i);
                        }
                    }
                    return null;
                });
            }
            start.countDown();
            for (final Future<?> task : tasks) {
                task.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, table.evicted(), "seed " + seed);
        for (int i = 0; i < n; i++) {
            assertEquals(1, wins.get(i), "seed " + seed + ": key " + i);
        }
    }

    @Test
    void claimingAndReleasingAllocateNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        final ClaimTable table = new ClaimTable(16);
        for (int i = 0; i < 200_000; i++) {
            final long key = ClaimTable.key(i, i, 1);
            table.claim(key, LATER, NOW);
            table.release(key);
        }
        final long thread = Thread.currentThread().getId();
        final int n = 100_000;
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < n; i++) {
            final long key = ClaimTable.key(i, NOW, 2);
            table.claim(key, LATER, NOW);
            table.claim(key, LATER, NOW);
            table.release(key);
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        System.out.println("claim table: " + allocated + " bytes allocated for " + n + " claims");
        assertTrue(allocated < 64 * 1024, allocated + " bytes for " + n + " claims");
    }
}
