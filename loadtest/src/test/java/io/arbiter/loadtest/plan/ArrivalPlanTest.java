package io.arbiter.loadtest.plan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrivalPlanTest {

    @Test
    void constantPlanIsEvenlySpacedFromItsPhaseWithoutDrift() {
        final ArrivalPlan plan = ArrivalPlan.create(ArrivalPlan.Kind.CONSTANT, 3000, 1000, 1);
        final long first = plan.nextOffsetNanos();
        assertEquals(1000, first);
        long last = first;
        for (int i = 1; i < 3_000_000; i++) {
            final long next = plan.nextOffsetNanos();
            final long gap = next - last;
            assertTrue(gap == 333_333 || gap == 333_334, "gap " + gap);
            last = next;
        }
        // 3,000,000 sends at 3000/s: the last is due at 999.999667 s, not off by rounding per step.
        assertEquals(1000 + 999_999_666_666L, last, 1);
    }

    @Test
    void poissonPlanHasTheAskedRateAndExponentialGaps() {
        // 200,000 gaps: the sample mean's relative standard error is 1/sqrt(n) = 0.22%, so a 1.5%
        // tolerance is about 7 standard errors (false failure rate far below 1e-9).
        final ArrivalPlan plan = ArrivalPlan.create(ArrivalPlan.Kind.POISSON, 10_000, 0, 42);
        final int n = 200_000;
        long previous = plan.nextOffsetNanos();
        long overMean = 0;
        final long start = previous;
        for (int i = 0; i < n; i++) {
            final long next = plan.nextOffsetNanos();
            assertTrue(next >= previous, "time goes forward");
            if (next - previous > 100_000) {
                overMean++;
            }
            previous = next;
        }
        final double meanGap = (previous - start) / (double) n;
        assertEquals(100_000, meanGap, 1_500, "mean gap at 10k/s");
        // For an exponential distribution P(gap > mean) = 1/e = 0.3679; sd of the fraction is 0.0011.
        assertEquals(Math.exp(-1), overMean / (double) n, 0.008);
    }

    @Test
    void poissonPlanRepeatsWithTheSameSeedAndDiffersWithAnother() {
        final ArrivalPlan a = ArrivalPlan.create(ArrivalPlan.Kind.POISSON, 1000, 0, 7);
        final ArrivalPlan b = ArrivalPlan.create(ArrivalPlan.Kind.POISSON, 1000, 0, 7);
        final ArrivalPlan c = ArrivalPlan.create(ArrivalPlan.Kind.POISSON, 1000, 0, 8);
        boolean differs = false;
        for (int i = 0; i < 100; i++) {
            final long x = a.nextOffsetNanos();
            assertEquals(x, b.nextOffsetNanos());
            differs |= x != c.nextOffsetNanos();
        }
        assertTrue(differs);
    }

    @Test
    void rejectsNonPositiveRates() {
        assertThrows(IllegalArgumentException.class, () -> new ConstantArrivalPlan(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PoissonArrivalPlan(-1, 0, 1));
    }
}
