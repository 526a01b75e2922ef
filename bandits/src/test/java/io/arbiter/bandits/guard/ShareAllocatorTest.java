package io.arbiter.bandits.guard;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.PropensityCache;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShareAllocatorTest {
    private static final int[] ALL3 = {0, 1, 2};

    /**
     * A clearly worst variant (2% against 5% and 6%) with {@code min: 0.1}, served by real Thompson sampling from a
     * {@code PosteriorTable} for 20,000 decisions, with the choice probabilities refreshed every 100 decisions (4,000
     * draws, as the server's background refresh would): its share of traffic is 10% within 1 point, for each of 5
     * seeds. (Sampling alone moves the share by about 0.2 points, one standard deviation; the rest of the allowance is
     * for the first refreshes, when the bandit has not yet learnt that the variant is worst.) Logged propensities
     * average to the observed shares: for each variant, the difference between its count and the sum of its
     * allocation probabilities is within 4 standard deviations of that sum's binomial spread.
     */
    @Test
    void floorGivesTheWorstVariantItsShareUnderThompsonSampling() {
        final ShareBounds bounds = ShareBounds.of(new double[] {0.1, 0.0, 0.0}, null);
        for (long seed = 11; seed <= 15; seed++) {
            final Run run = simulate(new double[] {0.02, 0.05, 0.06}, bounds, 20_000, seed);
            final double share = run.counts[0] / 20_000.0;
            System.out.printf("seed %d: worst variant (min 0.1) got %.4f of 20,000 decisions; counts %d %d %d,"
                    + " summed propensities %.1f %.1f %.1f%n", seed, share, run.counts[0], run.counts[1],
                run.counts[2], run.propensitySums[0], run.propensitySums[1], run.propensitySums[2]);
            assertEquals(0.10, share, 0.01, "seed " + seed);
            run.assertPropensitiesMatchShares("seed " + seed);
            assertTrue(run.minTarget[0] >= 0.1 - 1e-12, "seed " + seed + ": the floor was not kept");
        }
    }

    /** The best variant (8% against 2% and 5%) capped at {@code max: 0.5}: never above 0.5 at any decision. */
    @Test
    void capHoldsAtEveryDecision() {
        final ShareBounds bounds = ShareBounds.of(null, new double[] {1.0, 1.0, 0.5});
        final Run run = simulate(new double[] {0.02, 0.05, 0.08}, bounds, 20_000, 21);
        System.out.printf("capped best variant (max 0.5): share %.4f, largest allocation probability %.6f%n",
            run.counts[2] / 20_000.0, run.maxTarget[2]);
        assertTrue(run.maxTarget[2] <= 0.5 + 1e-12, "max target " + run.maxTarget[2]);
        assertTrue(run.counts[2] / 20_000.0 <= 0.5 + 4 * Math.sqrt(0.25 / 20_000));
        assertTrue(run.counts[2] / 20_000.0 > 0.45, "the bandit should push the capped variant to its cap");
        run.assertPropensitiesMatchShares("seed 21");
    }

    /**
     * The answer is distributed as the targets: with exactly known {@code q} (choices drawn from it), 400,000
     * decisions per case; every frequency within 5 standard deviations of its target (false-failure rate per
     * frequency below 6e-7).
     */
    @Test
    void answersAreDistributedAsTheTargets() {
        final ShareAllocator allocator = new ShareAllocator(8);
        final double[][] qs = {{0.7, 0.2, 0.05, 0.05}, {0.25, 0.25, 0.25, 0.25}, {0.0, 0.0, 1.0, 0.0},
            {0.97, 0.01, 0.01, 0.01}};
        final ShareBounds[] boundsSets = {ShareBounds.minShare(4, 0.1),
            ShareBounds.of(new double[] {0.3, 0.0, 0.0, 0.05}, new double[] {0.5, 1.0, 0.2, 1.0}),
            ShareBounds.of(new double[] {0.0, 0.25, 0.0, 0.0}, new double[] {0.4, 0.4, 0.4, 0.4})};
        final int[] eligible = {0, 1, 2, 3};
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(31);
        final double[] target = new double[4];
        for (final ShareBounds bounds : boundsSets) {
            for (final double[] q : qs) {
                allocator.targets(bounds, eligible, 4, q, target);
                final int[] counts = new int[4];
                final int n = 400_000;
                for (int i = 0; i < n; i++) {
                    final int answer = allocator.apply(bounds, eligible, 4, q, draw(q, rng.nextDouble()),
                        rng.nextDouble());
                    counts[answer]++;
                    assertEquals(target[answer], allocator.propensity(), 0.0);
                }
                for (int v = 0; v < 4; v++) {
                    final double sd = Math.sqrt(target[v] * (1 - target[v]) / n);
                    assertEquals(target[v], counts[v] / (double) n, 5 * sd + 1e-12,
                        "variant " + v + " q " + java.util.Arrays.toString(q));
                }
            }
        }
    }

    /**
     * Over 20,000 random feasible bound sets and probability vectors: the targets sum to 1, lie within the bounds,
     * equal {@code q} when {@code q} is already within them, and are the projection (every variant strictly between
     * its bounds moves by the same amount, those at a floor would have gone lower, those at a cap higher).
     */
    @Test
    void targetsAreTheProjectionOntoTheBounds() {
        checkProjection(false);
        checkProjection(true); // the exact walk over sorted kinks alone (otherwise the fallback)
    }

    private static void checkProjection(boolean sortedKinksOnly) {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(41);
        final ShareAllocator allocator = new ShareAllocator(12);
        allocator.sortedKinksOnly = sortedKinksOnly;
        final int[] eligible = new int[12];
        final double[] q = new double[12];
        final double[] p = new double[12];
        for (int trial = 0; trial < 20_000; trial++) {
            final int n = 1 + rng.nextInt(12);
            final double[] min = new double[n];
            final double[] max = new double[n];
            double minBudget = rng.nextDouble();
            for (int i = 0; i < n; i++) {
                min[i] = rng.nextDouble() < 0.5 ? 0.0 : minBudget * rng.nextDouble();
                minBudget -= min[i];
                max[i] = rng.nextDouble() < 0.5 ? 1.0 : min[i] + (1 - min[i]) * rng.nextDouble();
                eligible[i] = i;
                q[i] = rng.nextDouble() < 0.2 ? 0.0 : -Math.log(rng.nextDoubleOpen());
            }
            if (ShareBounds.problem(min, max) != null) {
                continue; // maxes summing below 1
            }
            final ShareBounds bounds = ShareBounds.of(min, max);
            assertEquals(ShareAllocator.EXACT, allocator.targets(bounds, eligible, n, q, p));
            double sum = 0;
            double qSum = 0;
            for (int i = 0; i < n; i++) {
                sum += p[i];
                qSum += q[i];
            }
            assertEquals(1.0, sum, 1e-9, "trial " + trial);
            double shift = Double.NaN;
            boolean within = true;
            for (int i = 0; i < n; i++) {
                final double qi = qSum > 0 ? q[i] / qSum : 1.0 / n;
                within &= qi >= min[i] && qi <= max[i];
                assertTrue(p[i] >= min[i] - 1e-12 && p[i] <= max[i] + 1e-12, "trial " + trial + " variant " + i);
                if (p[i] > min[i] + 1e-9 && p[i] < max[i] - 1e-9) {
                    if (Double.isNaN(shift)) {
                        shift = p[i] - qi;
                    }
                    assertEquals(shift, p[i] - qi, 1e-9, "trial " + trial + ": free variants moved unequally");
                }
            }
            for (int i = 0; i < n && !Double.isNaN(shift); i++) {
                final double qi = qSum > 0 ? q[i] / qSum : 1.0 / n;
                if (p[i] <= min[i] + 1e-12) {
                    assertTrue(qi + shift <= min[i] + 1e-9, "trial " + trial + ": floor " + i + " should be free");
                }
                if (p[i] >= max[i] - 1e-12) {
                    assertTrue(qi + shift >= max[i] - 1e-9, "trial " + trial + ": cap " + i + " should be free");
                }
            }
            if (within) {
                for (int i = 0; i < n; i++) {
                    final double qi = qSum > 0 ? q[i] / qSum : 1.0 / n;
                    assertEquals(qi, p[i], 1e-12, "trial " + trial + ": q within bounds was changed");
                }
            }
        }
    }

    @Test
    void infeasibleBoundsAreReportedWithTheField() {
        assertNull(ShareBounds.problem(new double[] {0.5, 0.5}, null));
        assertNull(ShareBounds.problem(new double[] {0.1, 0.2, 0.7}, null)); // sums to 1 in decimal, not in binary
        final BoundsProblem sum = ShareBounds.problem(new double[] {0.5, 0.6}, null);
        assertNotNull(sum);
        assertEquals(-1, sum.variant());
        assertEquals("shares", sum.field());
        final BoundsProblem crossed = ShareBounds.problem(new double[] {0.0, 0.4}, new double[] {1.0, 0.3});
        assertEquals(1, crossed.variant());
        assertEquals("min", crossed.field());
        assertEquals("shares", ShareBounds.problem(null, new double[] {0.3, 0.3, 0.3}).field());
        assertEquals("max", ShareBounds.problem(null, new double[] {1.2, 0.3}).field());
        assertEquals("min", ShareBounds.problem(new double[] {-0.1, 0.3}, null).field());
        assertEquals("min", ShareBounds.problem(new double[] {Double.NaN, 0.3}, null).field());
        assertEquals("shares", ShareBounds.problem(new double[] {0.1}, new double[] {0.5, 0.5}).field());
        assertThrows(IllegalArgumentException.class, () -> ShareBounds.minShare(3, 0.4));
    }

    /**
     * Eligibility can leave maxes that cannot hold: with only two variants capped at 0.3 each, the caps are raised in
     * proportion (to 0.5 each) and the status says so; removing a floored variant simply drops its floor.
     */
    @Test
    void eligibilityFallbacks() {
        final ShareBounds bounds = ShareBounds.of(new double[] {0.2, 0.0, 0.0}, new double[] {1.0, 0.3, 0.3});
        final ShareAllocator allocator = new ShareAllocator(3);
        final double[] p = new double[3];
        assertEquals(ShareAllocator.MAXES_RAISED, allocator.targets(bounds, new int[] {1, 2}, 2,
            new double[] {0.9, 0.1}, p));
        assertEquals(0.5, p[0], 1e-12);
        assertEquals(0.5, p[1], 1e-12);
        assertEquals(ShareAllocator.EXACT, allocator.targets(bounds, new int[] {0, 2}, 2,
            new double[] {0.1, 0.9}, p));
        assertArrayEquals(new double[] {0.7, 0.3}, new double[] {p[0], p[1]}, 1e-12);
        assertEquals(ShareAllocator.EXACT, allocator.targets(bounds, new int[] {1}, 1, new double[] {1.0}, p)
            & ShareAllocator.MINS_LOWERED);
        assertEquals(1.0, p[0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> allocator.apply(bounds, ALL3, 3, p, 3, 0.5));
    }

    /** The answer for a bandit choice: an index into q drawn by inversion. */
    private static int draw(double[] q, double u) {
        double cumulative = 0;
        for (int i = 0; i < q.length; i++) {
            cumulative += q[i];
            if (u < cumulative) {
                return i;
            }
        }
        return q.length - 1;
    }

    private static Run simulate(double[] rates, ShareBounds bounds, int decisions, long seed) {
        final BetaBernoulliThompson policy = new BetaBernoulliThompson();
        final int n = rates.length;
        final Run run = new Run(n, decisions);
        try (PosteriorTable table = PosteriorTable.allocateDirect(n, 0L)) {
            final int[] arms = new int[n];
            for (int i = 0; i < n; i++) {
                arms[i] = table.allocateArm();
            }
            final PropensityCache cache = new PropensityCache(policy, arms);
            final Workspace decide = new Workspace(seed, n);
            final Workspace refresh = new Workspace(seed + 1_000, n);
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed + 2_000);
            final ShareAllocator allocator = new ShareAllocator(n);
            final double[] q = new double[n];
            final double[] target = new double[n];
            for (int t = 0; t < decisions; t++) {
                if (t % 100 == 0) {
                    cache.refresh(table, refresh, t);
                }
                for (int i = 0; i < n; i++) {
                    q[i] = cache.propensity(i);
                }
                final int chosen = policy.choose(table, arms, decide, t);
                final int answer = allocator.apply(bounds, arms, n, q, chosen, rng.nextDouble());
                allocator.targets(bounds, arms, n, q, target);
                run.record(answer, target);
                assertEquals(target[answer], allocator.propensity(), 0.0);
                table.recordDecision(arms[answer]);
                policy.update(table, arms[answer], rng.nextDouble() < rates[answer] ? 1.0 : 0.0, t);
            }
        }
        return run;
    }

    /** Counts of answers and sums of allocation probabilities per variant. */
    private static final class Run {
        final int[] counts;
        final double[] propensitySums;
        final double[] varianceSums;
        final double[] minTarget;
        final double[] maxTarget;

        Run(int n, int decisions) {
            counts = new int[n];
            propensitySums = new double[n];
            varianceSums = new double[n];
            minTarget = new double[n];
            maxTarget = new double[n];
            java.util.Arrays.fill(minTarget, 1.0);
        }

        void record(int answer, double[] target) {
            counts[answer]++;
            for (int i = 0; i < counts.length; i++) {
                propensitySums[i] += target[i];
                varianceSums[i] += target[i] * (1 - target[i]);
                minTarget[i] = Math.min(minTarget[i], target[i]);
                maxTarget[i] = Math.max(maxTarget[i], target[i]);
            }
        }

        void assertPropensitiesMatchShares(String what) {
            for (int i = 0; i < counts.length; i++) {
                final double sd = Math.sqrt(varianceSums[i]);
                assertTrue(Math.abs(counts[i] - propensitySums[i]) <= 4 * sd + 1e-9, what + ": variant " + i
                    + " answered " + counts[i] + " times, propensities sum to " + propensitySums[i]);
            }
        }
    }
}
