package io.arbiter.bandits.context;

import io.arbiter.bandits.table.PosteriorTable;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentStoreTest {
    static final long EXPERIMENT = ContextKeys.experimentKey("hero");

    @Test
    void createsOnceAndFindsAgain() {
        try (SegmentStore store = SegmentStore.allocateDirect(64, 4, 1000, 0L)) {
            final int slot = store.findOrCreate(EXPERIMENT, 7, 42, 10, 100);
            assertTrue(slot >= 0);
            assertEquals(SegmentStore.READY, store.state(slot));
            assertEquals(slot, store.findOrCreate(EXPERIMENT, 7, 42, 10, 100));
            assertEquals(slot, store.find(42));
            assertEquals(-1, store.find(43));
            assertEquals(1, store.segments());
            assertEquals(1, store.segments(EXPERIMENT));
            assertEquals(12, store.arms().armsAllocated(), "10 variants round up to a block of 12 arms");
            assertEquals(EXPERIMENT, store.experimentKey(slot));
            assertEquals(7, store.levelKey(slot));
            for (int ordinal = 0; ordinal < 12; ordinal++) {
                assertEquals(ordinal, store.arm(slot, ordinal));
            }
            assertEquals(-1, store.arm(slot, 12));
        }
    }

    @Test
    void keysCollidingOnTheFirstSlotProbeOn() {
        try (SegmentStore store = SegmentStore.allocateDirect(16, 4, 1000, 0L)) {
            final int a = store.findOrCreate(EXPERIMENT, 1, 3, 2, 100);
            final int b = store.findOrCreate(EXPERIMENT, 1, 3 + 16, 2, 100);
            final int c = store.findOrCreate(EXPERIMENT, 1, 3 + 32, 2, 100);
            assertEquals(3, a);
            assertEquals(4, b);
            assertEquals(5, c);
            assertEquals(b, store.find(3 + 16));
            assertEquals(c, store.find(3 + 32));
            assertEquals(-1, store.find(3 + 48));
        }
    }

    @Test
    void maxSegmentsRefusesAndCountsFallbacks() {
        try (SegmentStore store = SegmentStore.allocateDirect(64, 4, 1000, 0L)) {
            assertTrue(store.findOrCreate(EXPERIMENT, 1, 100, 2, 2) >= 0);
            assertTrue(store.findOrCreate(EXPERIMENT, 1, 101, 2, 2) >= 0);
            assertEquals(SegmentStore.REFUSED_EXPERIMENT_FULL, store.findOrCreate(EXPERIMENT, 1, 102, 2, 2));
            assertTrue(store.findOrCreate(EXPERIMENT, 1, 101, 2, 2) >= 0, "an existing segment is still found");
            final long other = ContextKeys.experimentKey("other");
            assertTrue(store.findOrCreate(other, 1, 102, 2, 2) >= 0, "the budget is per experiment");
            assertEquals(2, store.segments(EXPERIMENT));
            store.countCapacityFallback(EXPERIMENT);
            assertEquals(1, store.capacityFallbacks(EXPERIMENT));
            assertEquals(0, store.capacityFallbacks(other));
        }
    }

    @Test
    void indexStopsAtThreeQuartersAndArmsFullFails() {
        try (SegmentStore store = SegmentStore.allocateDirect(8, 4, 1000, 0L)) {
            for (int i = 1; i <= 6; i++) {
                assertTrue(store.findOrCreate(EXPERIMENT, 1, i, 1, 100) >= 0);
            }
            assertEquals(SegmentStore.REFUSED_INDEX_FULL, store.findOrCreate(EXPERIMENT, 1, 7, 1, 100));
            assertEquals(1, store.refusedIndexFull());
        }
        try (SegmentStore store = SegmentStore.allocateDirect(64, 4, 10, 0L)) {
            assertTrue(store.findOrCreate(EXPERIMENT, 1, 1, 8, 100) >= 0);
            final int failed = store.findOrCreate(EXPERIMENT, 1, 2, 8, 100);
            assertEquals(SegmentStore.FAILED, store.state(failed));
            assertEquals(1, store.refusedArmsFull());
            assertEquals(-1, store.arm(failed, 0));
        }
    }

    @Test
    void variantAddedLaterGetsABlockAtItsFirstUpdate() {
        try (SegmentStore store = SegmentStore.allocateDirect(64, 4, 1000, 0L)) {
            final int slot = store.findOrCreate(EXPERIMENT, 1, 5, 3, 100); // 4 arms: ordinals 0..3
            assertEquals(4, store.arms().armsAllocated());
            assertEquals(-1, store.arm(slot, 4), "no record before the variant is counted");
            final int arm = store.armForUpdate(slot, 4);
            assertEquals(4 + 8, store.arms().armsAllocated(), "second block: max(4 needed, 2 x 4 covered) = 8 arms");
            assertEquals(arm, store.arm(slot, 4));
            assertEquals(arm + 3, store.arm(slot, 7));
            assertEquals(-1, store.arm(slot, 12));
            final int far = store.armForUpdate(slot, 40); // covered 12: max(round4(29), 24) = 32 arms
            assertEquals(store.arm(slot, 12) + 28, far);
            assertEquals(0, store.variantOverflows());
            int ordinal = 44;
            while (store.armForUpdate(slot, ordinal) >= 0) {
                ordinal += 1;
            }
            assertTrue(ordinal >= 324, "five blocks cover at least 324 ordinals, stopped at " + ordinal);
            assertEquals(1, store.variantOverflows());
        }
    }

    @Test
    void mappedStoreKeepsSegmentsAndStatisticsAcrossRestart(@TempDir Path dir) {
        final Path index = dir.resolve("segments.index");
        final Path arms = dir.resolve("segments.table");
        final int slot;
        try (SegmentStore store = SegmentStore.mapFiles(index, arms, 64, 4, 1000, 0L)) {
            slot = store.findOrCreate(EXPERIMENT, 9, 1234, 2, 100);
            final int arm = store.armForUpdate(slot, 1);
            store.arms().recordReward(arm, 1.0, 5L, 0);
            store.arms().recordReward(arm, 0.0, 6L, 0);
            store.addReward(slot);
            store.addReward(slot);
            assertTrue(!store.wasCleanlyClosed());
        }
        try (SegmentStore store = SegmentStore.mapFiles(index, arms, 8, 1, 10, 0L)) {
            assertTrue(store.wasCleanlyClosed());
            assertEquals(64, store.segmentSlots(), "an existing store keeps its sizes");
            assertEquals(slot, store.find(1234));
            assertEquals(SegmentStore.READY, store.state(slot));
            final PosteriorTable table = store.arms();
            final int arm = store.arm(slot, 1);
            assertEquals(2, table.trials(arm));
            assertEquals(1, table.successes(arm));
            assertEquals(2, store.rewards(slot));
            assertEquals(1, store.segments(EXPERIMENT));
        }
    }

    /** A process killed between claiming a key and publishing its arms leaves a pending entry: opening repairs it. */
    @Test
    void openingRepairsASegmentWhoseCreatorDied(@TempDir Path dir) {
        final Path index = dir.resolve("segments.index");
        final Path arms = dir.resolve("segments.table");
        final int slot;
        try (SegmentStore store = SegmentStore.mapFiles(index, arms, 64, 4, 1000, 0L)) {
            slot = store.findOrCreate(EXPERIMENT, 9, 77, 2, 100);
            store.armForUpdate(slot, 4); // a second block
        }
        final MappedByteBuffer raw = IoUtil.mapExistingFile(index.toFile(), "test");
        final UnsafeBuffer buffer = new UnsafeBuffer(raw);
        final int entry = SegmentIndexDescriptor.entryOffset(4, slot);
        buffer.putLong(entry + SegmentIndexDescriptor.BLOCK_0_OFFSET, 0L); // as if the creator died before publishing
        buffer.putLong(entry + SegmentIndexDescriptor.blockOffset(1), SegmentIndexDescriptor.BLOCK_CLAIMING);
        buffer.putLong(SegmentIndexDescriptor.experimentOffset(0) + 8, 0); // a stale reservation count
        IoUtil.unmap(raw);
        try (SegmentStore store = SegmentStore.mapFiles(index, arms, 64, 4, 1000, 0L)) {
            assertEquals(SegmentStore.READY, store.state(slot));
            assertNotEquals(-1, store.arm(slot, 0));
            assertEquals(-1, store.arm(slot, 4), "the half-claimed block was released");
            assertTrue(store.armForUpdate(slot, 4) >= 0, "and can be claimed again");
            assertEquals(1, store.segments(EXPERIMENT), "reservations recounted from the entries");
        }
    }

    @Test
    void refusesForeignFilesAndBadSizes(@TempDir Path dir) throws Exception {
        final Path notIndex = dir.resolve("x");
        java.nio.file.Files.write(notIndex, new byte[4096]);
        assertThrows(IllegalStateException.class,
            () -> SegmentStore.mapFiles(notIndex, dir.resolve("y"), 64, 4, 100, 0L));
        assertThrows(IllegalArgumentException.class, () -> SegmentStore.allocateDirect(63, 4, 100, 0L));
        assertThrows(IllegalArgumentException.class, () -> SegmentStore.allocateDirect(64, 3, 100, 0L));
    }
}
