package io.arbiter.bandits.guard;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frequentist coverage of the lift's 95% credible intervals on seeded simulations with known true means: 100 runs per
 * case, 9,000 treatment and 1,000 holdout decisions per run (a 10% holdout). A correct 95% interval covers about 95
 * times; the test asks for at least 88 (binomial(100, 0.95) falls to 87 or below with probability about 0.1%). The
 * same intervals narrowed by 40% (about 77% intervals) must cover fewer than 88 times: the test can fail.
 */
class LiftEstimatorTest {
    private static final int RUNS = 100;
    private static final int TREATMENT = 9_000;
    private static final int HOLDOUT = 1_000;

    @Test
    void bernoulliIntervalsCoverTheTrueLift() {
        final double holdoutRate = 0.10;
        final double treatmentRate = 0.12;
        final LiftEstimator estimator = new LiftEstimator();
        final Coverage coverage = new Coverage(treatmentRate - holdoutRate, treatmentRate / holdoutRate - 1.0);
        for (int run = 0; run < RUNS; run++) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(7_000 + run);
            final long ts = successes(rng, TREATMENT, treatmentRate);
            final long hs = successes(rng, HOLDOUT, holdoutRate);
            coverage.add(estimator.bernoulli(TREATMENT, ts, HOLDOUT, hs));
        }
        coverage.check("Bernoulli 0.12 vs 0.10, seeds 7000..7099");
    }

    @Test
    void gaussianIntervalsCoverTheTrueLift() {
        final LiftEstimator estimator = new LiftEstimator();
        final Coverage coverage = new Coverage(0.1, 0.1);
        for (int run = 0; run < RUNS; run++) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(8_000 + run);
            final double[] t = normalSums(rng, TREATMENT, 1.1, 2.0);
            final double[] h = normalSums(rng, HOLDOUT, 1.0, 2.0);
            coverage.add(estimator.gaussian(TREATMENT, t[0], t[1], HOLDOUT, h[0], h[1]));
        }
        coverage.check("Gaussian N(1.1, 2^2) vs N(1.0, 2^2), seeds 8000..8099");
    }

    /**
     * Revenue-like rewards: 90% of decisions earn nothing, the rest an exponential amount (mean 22 against 20), so the
     * means are 2.2 and 2.0. The holdout has about 100 paying decisions per run.
     */
    @Test
    void gaussianIntervalsCoverTheTrueLiftOfZeroInflatedRevenue() {
        final LiftEstimator estimator = new LiftEstimator();
        final Coverage coverage = new Coverage(0.2, 0.1);
        for (int run = 0; run < RUNS; run++) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(9_000 + run);
            final double[] t = revenueSums(rng, TREATMENT, 0.1, 22.0);
            final double[] h = revenueSums(rng, HOLDOUT, 0.1, 20.0);
            coverage.add(estimator.gaussian(TREATMENT, t[0], t[1], HOLDOUT, h[0], h[1]));
        }
        coverage.check("zero-inflated revenue, means 2.2 vs 2.0, seeds 9000..9099");
    }

    @Test
    void sameCountsGiveTheSameAnswerAndProbabilityFollowsTheEvidence() {
        final LiftEstimator estimator = new LiftEstimator();
        assertEquals(estimator.bernoulli(5_000, 600, 1_000, 100), estimator.bernoulli(5_000, 600, 1_000, 100));
        final Lift none = estimator.bernoulli(10_000, 1_000, 10_000, 1_000);
        assertEquals(0.5, none.probabilityPositive(), 0.025); // 5 Monte-Carlo standard errors
        assertEquals(0.0, none.absolute());
        assertTrue(none.absoluteLower() < 0 && none.absoluteUpper() > 0);
        final Lift clear = estimator.bernoulli(10_000, 1_500, 10_000, 1_000);
        assertTrue(clear.probabilityPositive() > 0.999);
        assertEquals(0.5, clear.relative(), 1e-12);
        assertTrue(clear.relativeLower() > 0.3 && clear.relativeUpper() < 0.75, clear.toString());
        final Lift worse = estimator.gaussian(1_000, 900.0, 2_000.0, 1_000, 1_000.0, 2_100.0);
        assertTrue(worse.probabilityPositive() < 0.5 && worse.absolute() < 0);
    }

    @Test
    void undefinedWithoutEnoughData() {
        final LiftEstimator estimator = new LiftEstimator(1_000, 1);
        final Lift noHoldout = estimator.bernoulli(100, 10, 0, 0);
        assertFalse(noHoldout.defined());
        assertEquals(0.1, noHoldout.treatmentMean());
        assertTrue(Double.isNaN(noHoldout.probabilityPositive()));
        assertFalse(estimator.gaussian(1, 5.0, 25.0, 100, 50.0, 60.0).defined());
        // A holdout mean that may well be 0 or negative has no relative lift; the absolute lift is still there.
        final Lift nearZero = estimator.gaussian(1_000, 100.0, 5_000.0, 1_000, 1.0, 5_000.0);
        assertTrue(nearZero.defined());
        assertTrue(Double.isNaN(nearZero.relative()) && Double.isNaN(nearZero.relativeLower()));
        assertThrows(IllegalArgumentException.class, () -> estimator.bernoulli(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> estimator.gaussian(10, Double.NaN, 1.0, 10, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new LiftEstimator(10, 1));
    }

    private static long successes(Xoroshiro128PlusPlus rng, int n, double rate) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += rng.nextDouble() < rate ? 1 : 0;
        }
        return s;
    }

    private static double[] normalSums(Xoroshiro128PlusPlus rng, int n, double mean, double sd) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            final double x = Samplers.normal(rng, mean, sd);
            sum += x;
            squares += x * x;
        }
        return new double[] {sum, squares};
    }

    private static double[] revenueSums(Xoroshiro128PlusPlus rng, int n, double payingShare, double meanAmount) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            if (rng.nextDouble() < payingShare) {
                final double x = -meanAmount * Math.log(rng.nextDoubleOpen());
                sum += x;
                squares += x * x;
            }
        }
        return new double[] {sum, squares};
    }

    /** Counts how often the intervals (and the same intervals narrowed by 40% around their centre) cover the truth. */
    private static final class Coverage {
        private final double absolute;
        private final double relative;
        private int absoluteCovered;
        private int relativeCovered;
        private int absoluteNarrowCovered;
        private int relativeNarrowCovered;

        Coverage(double absolute, double relative) {
            this.absolute = absolute;
            this.relative = relative;
        }

        void add(Lift lift) {
            absoluteCovered += lift.absoluteCovers(absolute) ? 1 : 0;
            relativeCovered += lift.relativeCovers(relative) ? 1 : 0;
            absoluteNarrowCovered += narrowCovers(lift.absoluteLower(), lift.absoluteUpper(), absolute) ? 1 : 0;
            relativeNarrowCovered += narrowCovers(lift.relativeLower(), lift.relativeUpper(), relative) ? 1 : 0;
        }

        private static boolean narrowCovers(double lower, double upper, double truth) {
            final double centre = 0.5 * (lower + upper);
            final double half = 0.3 * (upper - lower);
            return centre - half <= truth && truth <= centre + half;
        }

        void check(String what) {
            System.out.println(what + ": 95% intervals covered the true absolute lift " + absoluteCovered + " and the"
                + " relative lift " + relativeCovered + " times of " + RUNS + " (40% narrower: " + absoluteNarrowCovered
                + ", " + relativeNarrowCovered + ")");
            assertTrue(absoluteCovered >= 88, what + ": absolute covered " + absoluteCovered);
            assertTrue(relativeCovered >= 88, what + ": relative covered " + relativeCovered);
            assertTrue(absoluteNarrowCovered < 88 && relativeNarrowCovered < 88, what + ": narrowed intervals should"
                + " fail the test");
        }
    }
}
