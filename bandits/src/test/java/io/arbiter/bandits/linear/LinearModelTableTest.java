package io.arbiter.bandits.linear;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearModelTableTest {
    static final double LAMBDA = 2.0;

    /** The ridge posterior computed directly: A = lambda I + X'X, mean = A^-1 X'y, covariance A^-1. */
    static final class Direct {
        final int d;
        final double[][] a;
        final double[] b;

        Direct(int d, double lambda) {
            this.d = d;
            this.a = new double[d][d];
            this.b = new double[d];
            for (int i = 0; i < d; i++) {
                a[i][i] = lambda;
            }
        }

        void add(double[] x, double y) {
            for (int i = 0; i < d; i++) {
                b[i] += y * x[i];
                for (int j = 0; j < d; j++) {
                    a[i][j] += x[i] * x[j];
                }
            }
        }

        double[][] inverse() {
            return new org.apache.commons.math3.linear.LUDecomposition(
                new org.apache.commons.math3.linear.Array2DRowRealMatrix(a)).getSolver().getInverse().getData();
        }

        double[] mean() {
            final double[][] inv = inverse();
            final double[] m = new double[d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    m[i] += inv[i][j] * b[j];
                }
            }
            return m;
        }
    }

    static void randomFeatures(Xoroshiro128PlusPlus rng, FeatureVector x, int d, double[] copy) {
        x.clear(d);
        for (int i = 0; i < d; i++) {
            final double v = rng.nextInt(3) == 0 ? 0.0 : rng.nextDouble() * 2 - 1; // a third of entries zero
            x.set(i, v);
            copy[i] = v;
        }
    }

    @Test
    void momentsAreTheMeanAndQuadraticFormOfThePublishedPosteriorForDenseAndSparseFeatures() {
        for (final int d : new int[] {16, 23}) {
            final long seed = 31L * d;
            try (LinearModelTable table = LinearModelTable.allocateDirect(d, 2, 1 << 16, LAMBDA, 0.25, 50)) {
                final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
                final FeatureVector x = new FeatureVector(d, 2);
                final double[] copy = new double[d];
                for (int n = 0; n < 400; n++) {
                    randomFeatures(rng, x, d, copy);
                    assertTrue(table.offerObservation(0, x, rng.nextDouble()));
                    if (n % 100 == 99) {
                        table.applyPendingObservations(1000);
                    }
                }
                final double[] mean = new double[d];
                final double[] covariance = new double[d * d];
                table.copyPublished(0, mean, covariance);
                final double[] m = new double[2];
                for (int trial = 0; trial < 300; trial++) {
                    final double zeroShare = trial % 3 == 0 ? 0.0 : rng.nextDouble(); // dense, then any sparsity
                    x.clear(d);
                    for (int i = 0; i < d; i++) {
                        copy[i] = rng.nextDouble() < zeroShare ? 0.0 : rng.nextDouble() * 4 - 2;
                        x.set(i, copy[i]);
                    }
                    table.moments(0, x, m);
                    final double[] expected = moments(copy, mean, covariance);
                    final String where = "seed " + seed + ", d " + d + ", trial " + trial;
                    assertEquals(expected[0], m[0], 1e-12 * (1 + Math.abs(expected[0])), where);
                    assertEquals(expected[1], m[1], 1e-12 * (1 + Math.abs(expected[1])), where);
                }
            }
        }
    }

    /** {@code x . mean} and {@code x' covariance x} written out, every entry of the matrix (row-major, d x d). */
    private static double[] moments(double[] x, double[] mean, double[] covariance) {
        final int d = x.length;
        double xm = 0;
        double q = 0;
        for (int i = 0; i < d; i++) {
            xm += x[i] * mean[i];
            for (int j = 0; j < d; j++) {
                q += x[i] * covariance[i * d + j] * x[j];
            }
        }
        return new double[] {xm, q};
    }

    @Test
    void thePosteriorIsTheRidgeSolutionWithAndWithoutRefactoring() {
        for (final int refactorEvery : new int[] {7, 1_000_000}) {
            final int d = 6;
            try (LinearModelTable table = LinearModelTable.allocateDirect(d, 3, 1 << 16, LAMBDA, 0.25,
                refactorEvery)) {
                final Direct direct = new Direct(d, LAMBDA);
                final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(9);
                final FeatureVector x = new FeatureVector(d, 3);
                final double[] copy = new double[d];
                for (int n = 0; n < 2000; n++) {
                    randomFeatures(rng, x, d, copy);
                    final double y = 0.3 * copy[0] - 0.7 * copy[2] + 0.1 * rng.nextDouble();
                    assertTrue(table.offerObservation(1, x, y));
                    direct.add(copy, y);
                    if (n % 100 == 99) {
                        table.applyPendingObservations(1000);
                    }
                }
                final double[] mean = new double[d];
                final double[] covariance = new double[d * d];
                assertEquals(2000, table.copyPublished(1, mean, covariance));
                final double[] expectedMean = direct.mean();
                final double[][] expectedCovariance = direct.inverse();
                for (int i = 0; i < d; i++) {
                    assertEquals(expectedMean[i], mean[i], 1e-9, "mean " + i + ", refactorEvery " + refactorEvery);
                    for (int j = 0; j < d; j++) {
                        assertEquals(expectedCovariance[i][j], covariance[i * d + j], 1e-12);
                    }
                }
                final double[] m = new double[2];
                randomFeatures(rng, x, d, copy);
                table.moments(1, x, m);
                final double[] expected = moments(copy, mean, covariance);
                assertEquals(expected[0], m[0], 1e-12);
                assertEquals(expected[1], m[1], 1e-12);
                assertEquals(0, table.copyPublished(0, mean, covariance), "other variants untouched");
                assertEquals(1.0 / LAMBDA, covariance[0]);
                assertEquals(2000, table.applied());
            }
        }
    }

    @Test
    void aRetractionTakesBackTheObservationItNames() {
        final long seed = 31;
        final int d = 5;
        try (LinearModelTable table = LinearModelTable.allocateDirect(d, 2, 1 << 16, LAMBDA, 0.25, 1_000_000)) {
            final Direct kept = new Direct(d, LAMBDA);
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
            final FeatureVector x = new FeatureVector(d, 3);
            final double[] copy = new double[d];
            for (int n = 0; n < 300; n++) {
                randomFeatures(rng, x, d, copy);
                final double y = 0.5 * copy[1] + 0.1 * rng.nextDouble();
                assertTrue(table.offerObservation(0, x, y));
                if (n % 3 == 0) {
                    assertTrue(table.offerRetraction(0, x, y), "taken back at once, as a duplicate would be");
                } else {
                    kept.add(copy, y);
                }
            }
            table.applyPendingObservations(10_000);
            final double[] mean = new double[d];
            final double[] covariance = new double[d * d];
            assertEquals(200, table.copyPublished(0, mean, covariance), "seed " + seed);
            final double[] expectedMean = kept.mean();
            final double[][] expectedCovariance = kept.inverse();
            for (int i = 0; i < d; i++) {
                assertEquals(expectedMean[i], mean[i], 1e-9, "mean " + i + ", seed " + seed);
                for (int j = 0; j < d; j++) {
                    assertEquals(expectedCovariance[i][j], covariance[i * d + j], 1e-12, "seed " + seed);
                }
            }
        }
    }

    @Test
    void aRetractionOfTheOnlyObservationReturnsToThePrior() {
        try (LinearModelTable table = LinearModelTable.allocateDirect(2, 1, 1024, 1.0, 1.0, 100)) {
            final double[] x = {1.0, -2.0};
            table.apply(0, x, 3.0, 1);
            table.apply(0, x, 3.0, 2, -1);
            final double[] mean = new double[2];
            final double[] covariance = new double[4];
            assertEquals(0, table.copyPublished(0, mean, covariance));
            assertEquals(0.0, mean[0], 1e-12);
            assertEquals(0.0, mean[1], 1e-12);
            assertEquals(1.0, covariance[0], 1e-12);
            assertEquals(0.0, covariance[1], 1e-12);
            assertEquals(1.0, covariance[3], 1e-12);
        }
    }

    @Test
    void anObservationAlreadyAppliedIsNotAppliedAgain() {
        try (LinearModelTable table = LinearModelTable.allocateDirect(2, 1, 1024, 1.0, 1.0, 100)) {
            final double[] x = {1.0, 0.0};
            table.apply(0, x, 1.0, 10);
            table.apply(0, x, 1.0, 10); // the same ring position again, as after a crash before the head moved
            table.apply(0, x, 1.0, 5);
            table.apply(0, x, 1.0, 11);
            assertEquals(2, table.copyPublished(0, new double[2], new double[4]));
        }
    }

    @Test
    void aFullRingRefusesAndCounts() {
        try (LinearModelTable table = LinearModelTable.allocateDirect(8, 1, 1024, 1.0, 1.0, 100)) {
            final FeatureVector x = new FeatureVector(8, 1).clear(8).set(0, 1.0);
            int accepted = 0;
            while (table.offerObservation(0, x, 1.0)) {
                accepted++;
            }
            assertEquals(1024 / 88, accepted, "88-byte records (8 header + 16 + 64) in a 1 KB ring");
            assertEquals(1, table.rejected());
            assertEquals(accepted, table.applyPendingObservations(10_000));
            assertTrue(table.offerObservation(0, x, 1.0));
        }
    }

    @Test
    void aMappedModelKeepsItsPosteriorAndItsQueuedObservationsAcrossRestart(@TempDir Path dir) {
        final Path file = dir.resolve("linear.model");
        final int d = 4;
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(4);
        final FeatureVector x = new FeatureVector(d, 2);
        final double[] copy = new double[d];
        final Direct direct = new Direct(d, 1.0);
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 2, 1 << 14, 1.0, 0.5, 50)) {
            for (int n = 0; n < 100; n++) {
                randomFeatures(rng, x, d, copy);
                table.offerObservation(1, x, n % 3);
                direct.add(copy, n % 3);
            }
            assertEquals(60, table.applyPendingObservations(60));
            assertFalse(table.wasCleanlyClosed());
        }
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 9, 1 << 10, 3.0, 9.0, 50)) {
            assertTrue(table.wasCleanlyClosed());
            assertEquals(2, table.variantCapacity(), "an existing file keeps its sizes and prior");
            assertEquals(0.5, table.noiseVariance());
            final double[] mean = new double[d];
            final double[] covariance = new double[d * d];
            assertEquals(60, table.copyPublished(1, mean, covariance));
            assertEquals(40, table.applyPendingObservations(1000), "the queued observations survived");
            assertEquals(100, table.copyPublished(1, mean, covariance));
            final double[] expected = direct.mean();
            for (int i = 0; i < d; i++) {
                assertEquals(expected[i], mean[i], 1e-9);
            }
        }
        assertThrows(IllegalStateException.class, () -> LinearModelTable.mapFile(file, 5, 2, 1 << 14, 1, 1, 50));
    }

    /** The published mean and covariance of a variant, one array (mean first). */
    private static double[] published(LinearModelTable table, int ordinal) {
        final int d = table.dimension();
        final double[] mean = new double[d];
        final double[] covariance = new double[d * d];
        table.copyPublished(ordinal, mean, covariance);
        final double[] both = new double[d + d * d];
        System.arraycopy(mean, 0, both, 0, d);
        System.arraycopy(covariance, 0, both, d, d * d);
        return both;
    }

    @Test
    void aReplayedObservationCountsOnceHoweverOftenItIsOfferedAndItsSourcePositionIsKept() {
        final int d = 3;
        final long x1 = LinearModelTable.sourceKey("node-x");
        final long y1 = LinearModelTable.sourceKey("node-y");
        try (LinearModelTable replayed = LinearModelTable.allocateDirect(d, 2, 1 << 16, LAMBDA, 1, 7);
             LinearModelTable once = LinearModelTable.allocateDirect(d, 2, 1 << 16, LAMBDA, 1, 7)) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(18);
            final FeatureVector[] xs = new FeatureVector[60];
            final double[] copy = new double[d];
            for (int n = 0; n < xs.length; n++) {
                xs[n] = new FeatureVector(d, 3);
                randomFeatures(rng, xs[n], d, copy);
                assertTrue(once.offerObservation(n % 2, xs[n], n % 3));
            }
            for (int n = 0; n < 40; n++) {
                assertTrue(replayed.offerReplayed(n % 2, xs[n], n % 3, x1, n + 1));
            }
            replayed.applyPendingObservations(1000);
            assertEquals(40, replayed.replayedUpTo(x1));
            assertEquals(0, replayed.replayedUpTo(y1), "another source has nothing yet");
            for (int n = 0; n < xs.length; n++) { // offered again from the start, as a replay that starts early
                assertTrue(replayed.offerReplayed(n % 2, xs[n], n % 3, x1, n + 1));
            }
            replayed.applyPendingObservations(1000);
            once.applyPendingObservations(1000);
            assertEquals(60, replayed.replayedUpTo(x1));
            assertEquals(60, replayed.applied(), "numbers 1..40 offered twice, applied once");
            for (int ordinal = 0; ordinal < 2; ordinal++) {
                assertArrayEquals(published(once, ordinal), published(replayed, ordinal));
            }

            assertTrue(replayed.offerReplayedUpTo(y1, 500));
            assertTrue(replayed.offerReplayedUpTo(x1, 50)); // behind what it has: no move back
            assertEquals(0, replayed.replayedUpTo(y1), "moved by the applier, not the offer");
            replayed.applyPendingObservations(1000);
            assertEquals(500, replayed.replayedUpTo(y1));
            assertEquals(60, replayed.replayedUpTo(x1));
            assertTrue(replayed.offerReplayed(0, xs[0], 1, y1, 500));
            replayed.applyPendingObservations(1000);
            assertEquals(60, replayed.applied(), "a number the position passed is in the model already");
        }
    }

    @Test
    void aProcessKilledBetweenQueuingAndApplyingCountsEachReplayedObservationOnce(@TempDir Path dir) {
        final long seed = Long.getLong("linear.seed", System.nanoTime()); // a failure prints it: -Dlinear.seed=
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        final int d = 4;
        final int rows = 200;
        final int appliedBeforeKill = rng.nextInt(rows + 1);
        final String context = "-Dlinear.seed=" + seed + ", killed after " + appliedBeforeKill + " applied";
        final long source = LinearModelTable.sourceKey("node-x");
        final Path file = dir.resolve("killed.linear");
        final FeatureVector[] xs = new FeatureVector[rows];
        final double[] copy = new double[d];
        final LinearModelTable killed = LinearModelTable.mapFile(file, d, 3, 1 << 16, LAMBDA, 1, 50);
        try (LinearModelTable once = LinearModelTable.allocateDirect(d, 3, 1 << 16, LAMBDA, 1, 50)) {
            for (int n = 0; n < rows; n++) {
                xs[n] = new FeatureVector(d, 3);
                randomFeatures(rng, xs[n], d, copy);
                assertTrue(killed.offerReplayed(n % 3, xs[n], n % 5, source, n + 1), context);
                assertTrue(once.offerObservation(n % 3, xs[n], n % 5));
            }
            once.applyPendingObservations(rows);
            if (appliedBeforeKill > 0) {
                killed.applyPendingObservations(appliedBeforeKill);
            }
            killed.force(); // what a killed process leaves: the page cache, without a clean close

            try (LinearModelTable restarted = LinearModelTable.mapFile(file, d, 3, 1 << 16, LAMBDA, 1, 50)) {
                assertFalse(restarted.wasCleanlyClosed(), context);
                final long from = restarted.replayedUpTo(source);
                assertEquals(appliedBeforeKill, from, context);
                // The replay starts from the model's position, but the queued rows behind it are offered again too.
                for (int n = (int) from; n < rows; n++) {
                    assertTrue(restarted.offerReplayed(n % 3, xs[n], n % 5, source, n + 1), context);
                }
                restarted.applyPendingObservations(10 * rows);
                assertEquals(rows, restarted.replayedUpTo(source), context);
                for (int ordinal = 0; ordinal < 3; ordinal++) {
                    assertArrayEquals(published(once, ordinal), published(restarted, ordinal), 1e-12, context);
                }
                assertEquals(rows, restarted.applied(), context);
            }
        } finally {
            killed.close();
        }
    }

    @Test
    void aVersion1FileIsGrownAndGivenThePositionsKeptOutsideIt(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("old.linear");
        final int d = 2;
        final long source = LinearModelTable.sourceKey("node-x");
        final FeatureVector x = new FeatureVector(d, 2);
        x.clear(d);
        x.set(0, 1.0);
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 2, 1 << 10, 1.0, 1.0, 50)) {
            assertTrue(table.offerObservation(1, x, 1.0));
            table.applyPendingObservations(10);
        }
        // What a version 1 file is: no positions at the end, version 1 in the header.
        final long withoutPositions = LinearModelDescriptor.fileLengthWithoutPositions(d, 2, 1 << 10);
        try (java.io.RandomAccessFile old = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            old.setLength(withoutPositions);
            old.seek(LinearModelDescriptor.VERSION_OFFSET);
            old.writeInt(Integer.reverseBytes(LinearModelDescriptor.VERSION_WITHOUT_POSITIONS)); // little-endian
        }
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 2, 1 << 10, 1.0, 1.0, 50,
            java.util.Map.of(source, 7L))) {
            assertEquals(7, table.replayedUpTo(source));
            assertEquals(1, table.copyPublished(1, new double[d], new double[d * d]), "the model kept");
            assertTrue(table.offerReplayed(1, x, 1.0, source, 7)); // offered before the upgrade: in the model
            assertTrue(table.offerReplayed(1, x, 1.0, source, 8));
            table.applyPendingObservations(10);
            assertEquals(2, table.copyPublished(1, new double[d], new double[d * d]));
        }
        assertEquals(LinearModelDescriptor.fileLength(d, 2, 1 << 10), java.nio.file.Files.size(file));
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 2, 1 << 10, 1.0, 1.0, 50,
            java.util.Map.of(source, 1L))) {
            assertEquals(8, table.replayedUpTo(source), "upgraded once: version 2 keeps its own positions");
        }
    }

    /**
     * A model keeps the positions of {@value LinearModelDescriptor#SOURCE_SLOTS} sources: the next source's
     * observations are applied without a position (each offer counts, as docs/deploy.md says: each restart replays
     * them again), nothing is written past the slots, and the sources that have a slot keep skipping what they have.
     */
    @Test
    void theSourceAfterTheLastSlotIsAppliedWithoutAPositionAndTheOthersKeepTheirs(@TempDir Path dir) throws Exception {
        final int d = 2;
        final int sources = LinearModelDescriptor.SOURCE_SLOTS;
        final Path file = dir.resolve("full.linear");
        final FeatureVector x = new FeatureVector(d, 2);
        x.clear(d);
        x.set(0, 1.0);
        try (LinearModelTable table = LinearModelTable.mapFile(file, d, 2, 1 << 20, 1.0, 1.0, 50)) {
            for (int s = 0; s <= sources; s++) {
                assertTrue(table.offerReplayed(0, x, 1.0, LinearModelTable.sourceKey("node-" + s), 5));
            }
            table.applyPendingObservations(10_000);
            assertEquals(sources + 1, table.applied());
            assertEquals(5, table.replayedUpTo(LinearModelTable.sourceKey("node-0")));
            assertEquals(5, table.replayedUpTo(LinearModelTable.sourceKey("node-" + (sources - 1))));
            final long last = LinearModelTable.sourceKey("node-" + sources);
            assertEquals(0, table.replayedUpTo(last), "no slot left for it");
            assertTrue(table.offerReplayedUpTo(last, 9)); // no slot: not moved, nothing written past the slots
            assertTrue(table.offerReplayed(0, x, 1.0, last, 5)); // offered again (a restart): counted again
            assertTrue(table.offerReplayed(0, x, 1.0, LinearModelTable.sourceKey("node-7"), 5)); // has it: skipped
            table.applyPendingObservations(10_000);
            assertEquals(0, table.replayedUpTo(last));
            assertEquals(sources + 2, table.applied());
        }
        assertEquals(LinearModelDescriptor.fileLength(d, 2, 1 << 20), java.nio.file.Files.size(file));
        try (LinearModelTable reopened = LinearModelTable.mapFile(file, d, 2, 1 << 20, 1.0, 1.0, 50)) {
            assertEquals(5, reopened.replayedUpTo(LinearModelTable.sourceKey("node-" + (sources - 1))));
            assertEquals(0, reopened.replayedUpTo(LinearModelTable.sourceKey("node-" + sources)));
        }
    }
}
