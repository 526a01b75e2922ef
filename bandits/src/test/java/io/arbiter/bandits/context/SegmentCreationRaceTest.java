package io.arbiter.bandits.context;

import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Segment creation racing from several threads creates each segment exactly once: 4 threads create the same 400
 * segments (two in the same order, so that they collide on every key, two shuffled), 25 rounds with fresh stores.
 * Every thread must get the same slot for a key, the store must count each segment once, and each must own exactly one
 * block of arms. With the CAS claim replaced by a check-then-write, this test fails (see docs/bandits.md).
 * Seeded: a failure prints the seed and round.
 */
class SegmentCreationRaceTest {
    static final int THREADS = 4;
    static final int KEYS = 400;
    static final int ROUNDS = 25;
    static final int VARIANTS = 3; // 4 arms per segment
    static final long SEED = 20_261_124L;

    @Test
    void eachSegmentIsCreatedOnceUnderRaces() throws Exception {
        final long experiment = ContextKeys.experimentKey("race");
        for (int round = 0; round < ROUNDS; round++) {
            final String where = "seed " + SEED + ", round " + round;
            final long[] keys = new long[KEYS];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = SplitMix64.derive(SEED + round, i) | 1; // non-zero
            }
            try (SegmentStore store = SegmentStore.allocateHeap(1024, 4, KEYS * 4 + 16, 0L)) {
                final int[][] slots = new int[THREADS][KEYS];
                final CountDownLatch start = new CountDownLatch(1);
                final List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    final int me = t;
                    final int[] order = order(t < 2 ? -1 : SplitMix64.derive(SEED + round, 1000 + t));
                    final Thread thread = new Thread(() -> {
                        awaitQuietly(start);
                        for (final int i : order) {
                            slots[me][i] = store.findOrCreate(experiment, 5, keys[i], VARIANTS, Integer.MAX_VALUE);
                        }
                    });
                    threads.add(thread);
                    thread.start();
                }
                start.countDown();
                for (final Thread thread : threads) {
                    thread.join();
                }
                for (int i = 0; i < KEYS; i++) {
                    for (int t = 1; t < THREADS; t++) {
                        assertEquals(slots[0][i], slots[t][i], where + ": key " + i + " got two slots");
                    }
                    assertEquals(slots[0][i], store.find(keys[i]), where);
                    assertEquals(SegmentStore.READY, store.state(slots[0][i]), where);
                }
                assertEquals(KEYS, store.segments(), where + ": segments counted");
                assertEquals(KEYS, store.segments(experiment), where + ": reservations");
                assertEquals(KEYS * 4, store.arms().armsAllocated(), where + ": one block of arms per segment");
            }
        }
    }

    /** Identity order for a negative seed, otherwise a seeded shuffle. */
    private static int[] order(long seed) {
        final int[] order = new int[KEYS];
        for (int i = 0; i < KEYS; i++) {
            order[i] = i;
        }
        if (seed >= 0) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
            for (int i = KEYS - 1; i > 0; i--) {
                final int j = rng.nextInt(i + 1);
                final int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return order;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
