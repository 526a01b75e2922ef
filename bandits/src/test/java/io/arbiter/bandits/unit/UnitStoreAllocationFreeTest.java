package io.arbiter.bandits.unit;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stores' per-decision operations allocate nothing: cap check-and-count (hits, new keys and refusals), cap
 * reads (one key, and the words of ten variants in two records at once, as the experiments read them), sticky
 * lookups and assignments, over 50,000 calls each after a warm-up round (the bound, 4 KiB, leaves room for a stray
 * counter artefact, not for one object per call).
 */
class UnitStoreAllocationFreeTest {
    private static final int CALLS = 50_000;
    private static final long DAY = 86_400_000L;

    @Test
    void storesAllocateNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        try (FrequencyCapStore caps = FrequencyCapStore.allocateDirect(16, 0L);
             StickyAssignments sticky = StickyAssignments.allocateDirect(16, 0L)) {
            long sink = 0;
            final long[] keys = new long[10];
            final int[] words = new int[10];
            final int[] counts = new int[10];
            for (int round = 0; round < 2; round++) {
                final long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < CALLS; i++) {
                    final long unit = UnitKeys.unitHash("visitor-0"); // a String constant: no allocation
                    final long key = UnitKeys.key(round, unit + i, i & 3);
                    sink += caps.tryAcquire(key, 3, DAY, 1_000 + i) ? 1 : 0;
                    sink += caps.tryAcquire(key & ~0xFFL | 1, 1, DAY, 1_000 + i) ? 1 : 0;
                    sink += caps.count(key, DAY, 1_000 + i);
                    for (int v = 0; v < keys.length; v++) {
                        keys[v] = UnitKeys.key(round, unit + i, v / FrequencyCapStore.WORDS);
                        words[v] = v % FrequencyCapStore.WORDS;
                    }
                    caps.counts(keys, words, keys.length, DAY, 1_000 + i, counts);
                    sink += counts[i & 7];
                    sink += sticky.assignIfAbsent(key, i & 7, 10 * DAY, 1_000 + i);
                    sink += sticky.get(key, 1_000 + i);
                }
                final long allocated = threads.getThreadAllocatedBytes(me) - before;
                if (round == 1) {
                    assertTrue(allocated < 4096, "allocated " + allocated + " bytes in " + CALLS + " rounds");
                }
            }
            assertTrue(sink > 0);
        }
    }
}
