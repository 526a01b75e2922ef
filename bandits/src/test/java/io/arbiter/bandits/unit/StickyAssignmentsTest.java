package io.arbiter.bandits.unit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StickyAssignmentsTest {
    private static final long THIRTY_MINUTES = 1_800_000L;

    @Test
    void sameUnitKeepsItsVariantUntilTheAssignmentExpires() {
        try (StickyAssignments sticky = StickyAssignments.allocateDirect(4, 0L)) {
            final long key = UnitKeys.key(11, UnitKeys.unitHash("visitor-1"));
            assertEquals(StickyAssignments.NONE, sticky.get(key, 1_000));
            assertEquals(2, sticky.assignIfAbsent(key, 2, 1_000 + THIRTY_MINUTES, 1_000));
            assertEquals(2, sticky.get(key, 1_000 + THIRTY_MINUTES - 1));
            assertEquals(2, sticky.assignIfAbsent(key, 5, 2_000 + THIRTY_MINUTES, 2_000)); // the first one holds
            assertEquals(2, sticky.get(key, 1_000 + THIRTY_MINUTES - 1)); // and is not extended
            assertEquals(StickyAssignments.NONE, sticky.get(key, 1_000 + THIRTY_MINUTES));
            assertEquals(5, sticky.assignIfAbsent(key, 5, 3_000 + 2 * THIRTY_MINUTES, 3_000 + THIRTY_MINUTES));
            assertEquals(0, sticky.assign(key, 0, 10 * THIRTY_MINUTES, 4_000 + THIRTY_MINUTES));
            assertEquals(0, sticky.get(key, 5_000 + THIRTY_MINUTES));
            sticky.release(key);
            assertEquals(StickyAssignments.NONE, sticky.get(key, 5_000 + THIRTY_MINUTES));
            assertEquals(StickyAssignments.MAX_VARIANT,
                sticky.assign(key, StickyAssignments.MAX_VARIANT, 10 * THIRTY_MINUTES, 6_000));
            assertEquals(StickyAssignments.MAX_VARIANT, sticky.get(key, 6_000));
            assertEquals(StickyAssignments.NONE, sticky.get(UnitKeys.key(12, UnitKeys.unitHash("visitor-1")), 6_000));
            assertThrows(IllegalArgumentException.class, () -> sticky.assign(key, -1, 10_000, 1));
            assertThrows(IllegalArgumentException.class, () -> sticky.assign(key, 1, 1, 1));
            assertThrows(IllegalArgumentException.class,
                () -> sticky.assign(key, StickyAssignments.MAX_VARIANT + 1, 10_000, 1));
        }
    }

    @Test
    void assignmentsSurviveRestart(@TempDir Path dir) {
        final Path file = dir.resolve("sticky.dat");
        final long start = 1_700_000_000_000L;
        try (StickyAssignments sticky = StickyAssignments.mapFile(file, 10, start)) {
            for (int unit = 0; unit < 5_000; unit++) {
                assertEquals(unit % 7, sticky.assignIfAbsent(UnitKeys.key(1, unit), unit % 7, start + THIRTY_MINUTES,
                    start + 1));
            }
        }
        try (StickyAssignments sticky = StickyAssignments.mapFile(file, 10, 0L)) {
            assertTrue(sticky.table().wasCleanlyClosed());
            for (int unit = 0; unit < 5_000; unit++) {
                assertEquals(unit % 7, sticky.get(UnitKeys.key(1, unit), start + 60_000));
            }
            assertEquals(0, sticky.evictedLive());
        }
        assertThrows(IllegalStateException.class, () -> FrequencyCapStore.mapFile(file, 10, 0L));
    }

    /**
     * Four threads make the first decision for the same 2,000 units at once, each proposing its own variant: for
     * every unit all four get the same answer back, and it is the stored one.
     */
    @Test
    void concurrentFirstDecisionsAgree() throws InterruptedException {
        final int units = 2_000;
        final int threads = 4;
        try (StickyAssignments sticky = StickyAssignments.allocateDirect(10, 0L)) {
            final int[][] answers = new int[threads][units];
            final CountDownLatch start = new CountDownLatch(1);
            final Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                final int variant = t;
                workers[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int unit = 0; unit < units; unit++) {
                        answers[variant][unit] = sticky.assignIfAbsent(UnitKeys.key(4, unit), variant,
                            THIRTY_MINUTES, 10);
                    }
                });
                workers[t].start();
            }
            start.countDown();
            for (final Thread worker : workers) {
                worker.join();
            }
            int disagreements = 0;
            for (int unit = 0; unit < units; unit++) {
                final int stored = sticky.get(UnitKeys.key(4, unit), 20);
                for (int t = 0; t < threads; t++) {
                    if (answers[t][unit] != StickyAssignments.NONE) { // NONE: gave up waiting (counted)
                        disagreements += answers[t][unit] == stored ? 0 : 1;
                    }
                }
                assertFalse(stored == StickyAssignments.NONE, "unit " + unit + " has no assignment");
            }
            assertEquals(0, disagreements);
        }
    }
}
