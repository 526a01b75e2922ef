package io.arbiter.bandits.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.arbiter.bandits.table.ArmRecordDescriptor.ERA_HALF_LIVES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PosteriorTableTest {
    static final long H = 60_000; // half-life: one minute
    static final long EPOCH = 1_700_000_000_000L;

    @Test
    void exactCountersAddUp() {
        try (PosteriorTable table = PosteriorTable.allocateDirect(4, EPOCH)) {
            final int arm = table.allocateArm();
            table.recordReward(arm, 1.0, EPOCH, 0);
            table.recordReward(arm, 0.0, EPOCH, 0);
            table.recordReward(arm, 2.5, EPOCH + 5, 0);
            table.recordDecision(arm);
            table.recordDecision(arm);
            assertEquals(3, table.trials(arm));
            assertEquals(1, table.successes(arm));
            assertEquals(3.5, table.rewardSum(arm));
            assertEquals(1 + 6.25, table.rewardSquareSum(arm));
            assertEquals(2, table.decisions(arm));
            assertEquals(EPOCH + 5, table.lastUpdateMillis(arm));
        }
    }

    @Test
    void oneRewardReadOneHalfLifeLaterHasWeightOneHalf() {
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            final long t0 = EPOCH + 123_457;
            table.recordReward(arm, 1.0, t0, H);
            final DecayedSums d = new DecayedSums();
            table.readDecayed(arm, t0, H, d);
            assertEquals(1.0, d.weight(), 1e-12);
            table.readDecayed(arm, t0 + H, H, d);
            assertEquals(0.5, d.weight(), 1e-12);
            assertEquals(0.5, d.rewardSum(), 1e-12);
            assertEquals(0.5, d.rewardSquareSum(), 1e-12);
            table.readDecayed(arm, t0 + 3 * H, H, d);
            assertEquals(0.125, d.weight(), 1e-12);
        }
    }

    /** Many rewards at irregular times, including across two era boundaries, against a direct computation. */
    @Test
    void decayedSumsMatchDirectComputationAcrossEraBoundaries() {
        final long h = 1_000;
        final long eraMillis = ERA_HALF_LIVES * h;
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            final DecayedSums d = new DecayedSums();
            final long[] times = new long[600];
            final double[] rewards = new double[times.length];
            // Spread updates over [era 0 end - 10 half-lives, era 2 start + 10 half-lives], crossing 2 boundaries.
            final long start = EPOCH + eraMillis - 10 * h;
            final long step = (eraMillis + 20 * h) / times.length;
            for (int i = 0; i < times.length; i++) {
                times[i] = start + i * step;
                rewards[i] = (i % 3) * 0.75;
                table.recordReward(arm, rewards[i], times[i], h);
                if (i % 50 == 0 || times[i] - EPOCH >= eraMillis && times[i] - EPOCH < eraMillis + step) {
                    assertDecayed(table, arm, h, times, rewards, i + 1, times[i], d);
                }
            }
            final long end = times[times.length - 1];
            assertDecayed(table, arm, h, times, rewards, times.length, end, d);
            assertDecayed(table, arm, h, times, rewards, times.length, end + 7 * h + 3, d);
            assertEquals(0, table.skippedDecayedUpdates());
        }
    }

    @Test
    void oneRewardJustBeforeAnEraBoundaryReadJustAfterIt() {
        final long h = 1_000;
        final long boundary = EPOCH + ERA_HALF_LIVES * h;
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            table.recordReward(arm, 1.0, boundary - h, h); // era 0, weight 2^511
            table.recordReward(arm, 0.0, boundary + h, h); // era 1: switches the arm's era, keeps era 0's slot
            final DecayedSums d = new DecayedSums();
            table.readDecayed(arm, boundary + h, h, d);
            assertEquals(0.25 + 1.0, d.weight(), 1e-12);
            assertEquals(0.25, d.rewardSum(), 1e-12);
            // Two eras later the era-0 reward has weight 2^-1025 (below double range) and its slot is reused.
            table.recordReward(arm, 1.0, boundary + ERA_HALF_LIVES * h + 2 * h, h);
            table.readDecayed(arm, boundary + ERA_HALF_LIVES * h + 2 * h, h, d);
            assertEquals(1.0 + Math.pow(2, -ERA_HALF_LIVES - 1), d.weight(), 1e-12);
            assertEquals(1.0, d.rewardSum(), 1e-12);
        }
    }

    @Test
    void anArmIdleForManyErasStartsAfresh() {
        final long h = 1_000;
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            table.recordReward(arm, 1.0, EPOCH, h);
            final long later = EPOCH + 5L * ERA_HALF_LIVES * h + 17;
            table.recordReward(arm, 0.0, later, h);
            final DecayedSums d = new DecayedSums();
            table.readDecayed(arm, later, h, d);
            assertEquals(1.0, d.weight(), 1e-12);
            assertEquals(0.0, d.rewardSum(), 0.0);
            assertEquals(2, table.trials(arm));
        }
    }

    private static void assertDecayed(PosteriorTable table, int arm, long h, long[] times, double[] rewards,
                                      int count, long now, DecayedSums d) {
        double weight = 0;
        double reward = 0;
        double square = 0;
        for (int i = 0; i < count; i++) {
            final double w = Math.pow(2.0, -(now - times[i]) / (double) h);
            weight += w;
            reward += w * rewards[i];
            square += w * rewards[i] * rewards[i];
        }
        table.readDecayed(arm, now, h, d);
        assertEquals(weight, d.weight(), 1e-9 * weight, "weight at " + now);
        assertEquals(reward, d.rewardSum(), 1e-9 * weight, "reward sum at " + now);
        assertEquals(square, d.rewardSquareSum(), 1e-9 * weight, "square sum at " + now);
    }

    @Test
    void heapTableBehavesLikeADirectOne() {
        try (PosteriorTable heap = PosteriorTable.allocateHeap(2, EPOCH);
             PosteriorTable direct = PosteriorTable.allocateDirect(2, EPOCH)) {
            final DecayedSums a = new DecayedSums();
            final DecayedSums b = new DecayedSums();
            for (final PosteriorTable t : new PosteriorTable[] {heap, direct}) {
                t.allocateArm();
                for (int i = 0; i < 100; i++) {
                    t.recordReward(0, i % 3 == 0 ? 1.0 : 0.25, EPOCH + i * 997L, H);
                }
            }
            heap.readDecayed(0, EPOCH + 200_000, H, a);
            direct.readDecayed(0, EPOCH + 200_000, H, b);
            assertEquals(direct.trials(0), heap.trials(0));
            assertEquals(direct.rewardSum(0), heap.rewardSum(0), 0.0);
            assertEquals(b.weight(), a.weight(), 0.0);
            assertEquals(b.rewardSum(), a.rewardSum(), 0.0);
        }
    }

    @Test
    void allocationStopsAtCapacityAndIndicesAreChecked() {
        try (PosteriorTable table = PosteriorTable.allocateDirect(2, EPOCH)) {
            assertEquals(0, table.allocateArm());
            assertEquals(1, table.allocateArm());
            assertThrows(IllegalStateException.class, table::allocateArm);
            assertEquals(2, table.armsAllocated());
            assertThrows(IndexOutOfBoundsException.class, () -> table.recordDecision(2));
            assertThrows(IndexOutOfBoundsException.class, () -> table.trials(-1));
        }
        assertThrows(IllegalArgumentException.class, () -> PosteriorTable.allocateDirect(0, EPOCH));
    }

    @Test
    void restoreOverwritesCountersAndClearsDecayedSums() {
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            table.recordReward(arm, 1.0, EPOCH, H);
            table.restoreExclusive(arm, 10, 8, 3, 3.0, 3.0, EPOCH + 9);
            assertEquals(10, table.decisions(arm));
            assertEquals(8, table.trials(arm));
            assertEquals(3, table.successes(arm));
            assertEquals(3.0, table.rewardSum(arm));
            assertEquals(EPOCH + 9, table.lastUpdateMillis(arm));
            final DecayedSums d = new DecayedSums();
            table.readDecayed(arm, EPOCH, H, d);
            assertEquals(0.0, d.weight());
        }
    }

    @Test
    void clearDecayedEmptiesTheDecayedSumsOnlyAndTheArmKeepsLearning() {
        final long h = 1_000;
        final long later = EPOCH + ERA_HALF_LIVES * h + 5 * h; // era 1, so the clear keeps a non-zero era
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, EPOCH)) {
            final int arm = table.allocateArm();
            table.recordReward(arm, 1.0, EPOCH, h);
            table.recordReward(arm, 0.5, later, h);
            table.clearDecayed(arm);
            final DecayedSums d = new DecayedSums();
            table.readDecayed(arm, later, h, d);
            assertEquals(0.0, d.weight(), 0.0);
            assertEquals(0.0, d.rewardSum(), 0.0);
            assertEquals(2, table.trials(arm), "the exact counters are untouched");
            assertEquals(1.5, table.rewardSum(arm), 0.0);
            table.recordReward(arm, 1.0, later + h, h);
            table.readDecayed(arm, later + h, h, d);
            assertEquals(1.0, d.weight(), 1e-12, "an update after the clear lands in the arm's era as before");
            assertEquals(1.0, d.rewardSum(), 1e-12);
            assertEquals(0, table.skippedDecayedUpdates());
        }
    }

    /**
     * A process killed inside a decayed update leaves the arm's writer count raised; killed inside an era switch or a
     * clear, it leaves the era field negative. Reopening must repair both, or every later clear would wait forever and
     * every decayed update of the arm would be skipped.
     */
    @Test
    void reopeningAfterACrashMidUpdateRepairsTheArm(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("crashed.tbl");
        final long h = 1_000;
        try (PosteriorTable table = PosteriorTable.mapFile(file, 2, EPOCH)) {
            table.allocateArm();
            table.allocateArm();
            table.recordReward(0, 1.0, EPOCH, h);
            table.recordReward(1, 1.0, EPOCH, h);
        }
        final int arm1 = TableHeaderDescriptor.HEADER_LENGTH + ArmRecordDescriptor.RECORD_LENGTH;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(nativeOrderLong(3), TableHeaderDescriptor.HEADER_LENGTH
                + ArmRecordDescriptor.DECAYED_WRITERS_OFFSET); // arm 0: three updates died in flight
            // arm 1: mid-switch to era 2
            channel.write(nativeOrderLong(-(2 + 1)), arm1 + ArmRecordDescriptor.DECAY_ERA_OFFSET);
        }
        final PosteriorTable table = PosteriorTable.mapFile(file, 2, EPOCH);
        final Thread clearer = new Thread(() -> table.clearDecayed(0), "clearer");
        clearer.setDaemon(true);
        clearer.start();
        clearer.join(10_000);
        // Left mapped when the clearer hangs: unmapping memory a thread still reads would crash the test JVM.
        assertFalse(clearer.isAlive(), "clearDecayed waits for updates that died with the previous process");
        try (table) {
            final DecayedSums d = new DecayedSums();
            table.readDecayed(1, EPOCH + 2 * ERA_HALF_LIVES * h, h, d);
            assertEquals(0.0, d.weight(), 0.0, "the half-switched arm restarts empty, in the switch's era");
            table.recordReward(1, 1.0, EPOCH + 2 * ERA_HALF_LIVES * h, h);
            table.readDecayed(1, EPOCH + 2 * ERA_HALF_LIVES * h, h, d);
            assertEquals(1.0, d.weight(), 1e-12);
            assertEquals(0, table.skippedDecayedUpdates());
            assertEquals(2, table.trials(1));
        }
    }

    private static ByteBuffer nativeOrderLong(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value);
    }

    @Test
    void mappedTableReopensWithSameContentsAndCleanCloseFlag(@TempDir Path dir) {
        final Path file = dir.resolve("posteriors.tbl");
        final DecayedSums before = new DecayedSums();
        try (PosteriorTable table = PosteriorTable.mapFile(file, 8, EPOCH)) {
            assertFalse(table.wasCleanlyClosed(), "a new file was never closed");
            for (int i = 0; i < 3; i++) {
                final int arm = table.allocateArm();
                for (int r = 0; r <= i * 10; r++) {
                    table.recordDecision(arm);
                    table.recordReward(arm, r % 2, EPOCH + r * 1_000L, H);
                }
            }
            table.readDecayed(2, EPOCH + 40_000, H, before);
        }
        try (PosteriorTable reopened = PosteriorTable.mapFile(file, 999, 0L)) {
            assertTrue(reopened.wasCleanlyClosed());
            assertEquals(8, reopened.capacity(), "an existing file keeps its capacity");
            assertEquals(EPOCH, reopened.epochMillis(), "and its epoch");
            assertEquals(3, reopened.armsAllocated());
            for (int i = 0; i < 3; i++) {
                assertEquals(i * 10 + 1, reopened.trials(i));
                assertEquals(i * 10 + 1, reopened.decisions(i));
                assertEquals((i * 10 + 1) / 2, reopened.successes(i));
                assertEquals((i * 10 + 1) / 2, reopened.rewardSum(i), 0.0);
                assertEquals(EPOCH + i * 10 * 1_000L, reopened.lastUpdateMillis(i));
            }
            final DecayedSums after = new DecayedSums();
            reopened.readDecayed(2, EPOCH + 40_000, H, after);
            assertEquals(before.weight(), after.weight(), 0.0);
            assertEquals(before.rewardSum(), after.rewardSum(), 0.0);
            assertEquals(3, reopened.allocateArm());
            // While this mapping is open, a second opener sees the file as not cleanly closed (as after a crash).
            try (PosteriorTable second = PosteriorTable.mapFile(file, 8, EPOCH)) {
                assertFalse(second.wasCleanlyClosed());
                assertEquals(4, second.armsAllocated());
            }
        }
    }

    @Test
    void aFileThatIsNotATableIsRefused(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("garbage.tbl");
        Files.write(file, new byte[4096]);
        assertThrows(IllegalStateException.class, () -> PosteriorTable.mapFile(file, 8, EPOCH));
    }
}
