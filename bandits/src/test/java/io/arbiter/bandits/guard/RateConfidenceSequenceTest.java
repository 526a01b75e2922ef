package io.arbiter.bandits.guard;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateConfidenceSequenceTest {
    private static final long[] DECISIONS = {1, 2, 10, 100, 1_000, 12_345, 100_000, 10_000_000, 1_000_000_000L};
    private static final double[] RATES = {0.0, 1e-4, 0.003, 0.01, 0.05, 0.2, 0.5, 0.9, 1.0};

    /**
     * The Newton ends are valid (never inside the exact interval, found by bisection on the martingale itself; the
     * 1e-15 allowed is below the bisection's own resolution) and
     * tight (within 1e-6 of the exact end relative to the interval's width, plus 1e-15 absolute; the worst case is
     * printed).
     */
    @Test
    void boundsAreConservativeAndTight() {
        double worst = 0.0;
        for (final double rho : new double[] {0.5, 10.0, 200.0}) {
            for (final double alpha : new double[] {0.001, 0.025, 0.3}) {
                final RateConfidenceSequence cs = new RateConfidenceSequence(alpha, rho);
                for (final long n : DECISIONS) {
                    for (final double rate : RATES) {
                        final long k = Math.round(rate * n);
                        final double lower = cs.lower(n, k);
                        final double upper = cs.upper(n, k);
                        final double exactLower = exactEnd(cs, n, k, false);
                        final double exactUpper = exactEnd(cs, n, k, true);
                        final double width = exactUpper - exactLower;
                        final double slack = 1e-6 * width + 1e-15;
                        worst = Math.max(worst, Math.max(exactLower - lower, upper - exactUpper) / width);
                        final String where = "rho " + rho + " alpha " + alpha + " n " + n + " k " + k;
                        assertTrue(lower <= exactLower + 1e-15, where + ": lower " + lower + " > " + exactLower);
                        assertTrue(lower >= exactLower - slack, where + ": lower " + lower + " << " + exactLower);
                        assertTrue(upper >= exactUpper - 1e-15, where + ": upper " + upper + " < " + exactUpper);
                        assertTrue(upper <= exactUpper + slack, where + ": upper " + upper + " >> " + exactUpper);
                        final double observed = (double) k / n;
                        assertTrue(lower <= observed && observed <= upper, where + ": misses the observed rate");
                    }
                }
            }
        }
        System.out.println("Newton ends: worst excess over the exact end " + worst + " of the interval's width");
    }

    /**
     * The exact end by bisection on ln M(p) = ln(1/alpha), without the rounding margin the class adds (ln M is convex
     * in p with its minimum at k / n).
     */
    private static double exactEnd(RateConfidenceSequence cs, long n, long k, boolean upper) {
        final double threshold = Math.log(1.0 / cs.alpha());
        final double observed = (double) k / n;
        double inside = observed;
        double outside = upper ? 1.0 : 0.0;
        if (cs.logMixture(n, k, outside) < threshold) {
            return outside; // the interval reaches the end of [0, 1]
        }
        for (int i = 0; i < 200; i++) {
            final double mid = 0.5 * (inside + outside);
            if (cs.logMixture(n, k, mid) < threshold) {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        return outside;
    }

    /** The martingale is at most 1 at the observed rate, so the interval always contains it (checked above too). */
    @Test
    void mixtureIsAtMostOneAtTheObservedRate() {
        final RateConfidenceSequence cs = new RateConfidenceSequence(0.05, 10.0);
        for (final long n : DECISIONS) {
            for (long k = 0; k <= Math.min(n, 5_000); k = k < 10 ? k + 1 : k * 3) {
                assertTrue(cs.logMixture(n, k, (double) k / n) <= 1e-12, "n " + n + " k " + k);
            }
        }
    }

    /**
     * Time-uniform coverage, checked after every decision: 400 seeded runs of 10,000 Bernoulli(0.01) decisions with
     * alpha = 0.05; a run fails if the interval misses 0.01 at any step. The guarantee is at most 5% of runs (20 of
     * 400); the count is binomial with mean at most 20, so more than 40 has probability below 1e-4 for a valid
     * sequence. A fixed-sample 95% Wald interval checked the same way is shown to fail far more often, so the check
     * has power.
     */
    @Test
    void coversTheRateAtEveryStepWithTheStatedProbability() {
        final RateConfidenceSequence cs = new RateConfidenceSequence(0.05, RateConfidenceSequence.DEFAULT_RHO);
        final double rate = 0.01;
        int csMisses = 0;
        int waldMisses = 0;
        for (int run = 0; run < 400; run++) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(9_000 + run);
            long k = 0;
            boolean csMissed = false;
            boolean waldMissed = false;
            for (long n = 1; n <= 10_000; n++) {
                if (rng.nextDouble() < rate) {
                    k++;
                }
                if (!csMissed && (cs.lower(n, k) > rate || cs.upper(n, k) < rate)) {
                    csMissed = true;
                }
                final double p = (double) k / n;
                final double half = 1.96 * Math.sqrt(p * (1 - p) / n);
                if (n >= 100 && (p - half > rate || p + half < rate)) {
                    waldMissed = true;
                }
            }
            csMisses += csMissed ? 1 : 0;
            waldMisses += waldMissed ? 1 : 0;
        }
        System.out.println("confidence sequence missed the rate in " + csMisses + " of 400 runs (at most 5% = 20"
            + " guaranteed); a 95% Wald interval checked after every decision from n = 100 missed in " + waldMisses);
        assertTrue(csMisses <= 40, "confidence sequence missed in " + csMisses + " of 400 runs (seeds 9000..9399)");
        assertTrue(waldMisses > 40, "the repeated Wald interval should fail this test; missed in " + waldMisses);
    }

    /** The tabulated bounds are exactly the ones solved on the spot. */
    @Test
    void tableMatchesDirectSolution() {
        final RateConfidenceSequence table = new RateConfidenceSequence(0.025, 10.0);
        final RateConfidenceSequence direct = new RateConfidenceSequence(0.025, 10.0, 0);
        for (long k = 0; k < RateConfidenceSequence.DEFAULT_TABULATED_EVENTS + 10; k += k < 100 ? 1 : 37) {
            for (final long n : new long[] {k, 2 * k + 1, 100 * k + 7, 1_000_000_000L}) {
                assertEquals(direct.lower(n, k), table.lower(n, k), 0.0, "n " + n + " k " + k);
                assertEquals(direct.upper(n, k), table.upper(n, k), 0.0, "n " + n + " k " + k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RateConfidenceSequence(0.05, 1.0, -1));
    }

    @Test
    void edgeCases() {
        final RateConfidenceSequence cs = new RateConfidenceSequence(0.05, 10.0);
        assertEquals(0.0, cs.lower(0, 0));
        assertEquals(1.0, cs.upper(0, 0));
        assertEquals(0.0, cs.lower(1_000, 0));
        assertTrue(cs.upper(1_000, 0) > 0.0 && cs.upper(1_000, 0) < 0.01);
        assertEquals(cs.upper(100, 100), cs.upper(100, 150)); // events beyond decisions read as decisions
        assertEquals(1.0, cs.upper(100, 100));
        assertThrows(IllegalArgumentException.class, () -> cs.lower(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> cs.upper(10, -1));
        assertThrows(IllegalArgumentException.class, () -> new RateConfidenceSequence(0.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new RateConfidenceSequence(1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new RateConfidenceSequence(0.05, 0.0));
    }
}
