package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the Thompson policies on bandits with known arms. Fixed seeds: each test is deterministic. */
class ThompsonBehaviourTest {

    static PosteriorTable table(int arms) {
        final PosteriorTable table = PosteriorTable.allocateDirect(arms, 0L);
        for (int i = 0; i < arms; i++) {
            table.allocateArm();
        }
        return table;
    }

    static int[] identity(int n) {
        final int[] arms = new int[n];
        for (int i = 0; i < n; i++) {
            arms[i] = i;
        }
        return arms;
    }

    /**
     * Rates 0.05..0.10 (best arm 3, 0.10 vs the runner-up 0.08): after 20,000 steps Thompson sampling should play the
     * best arm in at least 85% of the last 5,000 steps. (With these gaps the expected share is about 95%; a policy
     * that did not learn would be at 20%.)
     */
    @Test
    void betaBernoulliConcentratesOnTheBestArm() {
        final double[] rates = {0.05, 0.06, 0.07, 0.10, 0.08};
        final BetaBernoulliThompson policy = new BetaBernoulliThompson();
        try (PosteriorTable table = table(rates.length)) {
            final int[] arms = identity(rates.length);
            final Workspace workspace = new Workspace(17, rates.length);
            final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(18);
            int best = 0;
            final int steps = 20_000;
            for (int t = 1; t <= steps; t++) {
                final int chosen = policy.choose(table, arms, workspace, t);
                policy.update(table, arms[chosen], env.nextDouble() < rates[chosen] ? 1.0 : 0.0, t);
                if (t > steps - 5_000 && chosen == 3) {
                    best++;
                }
            }
            assertTrue(best >= 0.85 * 5_000, "best arm chosen " + best + " of the last 5000 steps");
            assertEquals(0.10, policy.posteriorMean(table, 3, workspace, steps), 0.01);
        }
    }

    /** Rewards N(mean_i, 1) with means 1.0, 1.5, 1.2, 0.5: Gaussian TS (unknown variance) must settle on arm 1. */
    @Test
    void gaussianPicksTheHighestMeanArm() {
        final double[] means = {1.0, 1.5, 1.2, 0.5};
        final double[] sds = {1.0, 2.0, 0.5, 1.0};
        final GaussianThompson policy = new GaussianThompson();
        try (PosteriorTable table = table(means.length)) {
            final int[] arms = identity(means.length);
            final Workspace workspace = new Workspace(3, means.length);
            final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(4);
            int best = 0;
            for (int t = 1; t <= 10_000; t++) {
                final int chosen = policy.choose(table, arms, workspace, t);
                policy.update(table, arms[chosen], Samplers.normal(env, means[chosen], sds[chosen]), t);
                if (t > 8_000 && chosen == 1) {
                    best++;
                }
            }
            assertTrue(best >= 0.85 * 2_000, "highest-mean arm chosen " + best + " of the last 2000 steps");
            assertEquals(1.5, policy.posteriorMean(table, 1, workspace, 10_000), 0.15);
        }
    }

    /** Gaussian TS with a half-life follows a change of means; its posterior mean tracks the recent rewards. */
    @Test
    void discountedGaussianPosteriorFollowsRecentRewards() {
        final GaussianThompson policy = new GaussianThompson(0, 0.01, 1, 1, 10_000, 1_000);
        try (PosteriorTable table = table(1)) {
            for (int t = 0; t < 100_000; t++) {
                policy.update(table, 0, t < 50_000 ? 5.0 : -5.0, t);
            }
            final Workspace workspace = new Workspace(1, 1);
            double weight = 0.01; // kappa0
            double sum = 0;
            for (int t = 0; t < 100_000; t++) {
                final double w = Math.pow(2, -(100_000 - t) / 10_000.0);
                weight += w;
                sum += w * (t < 50_000 ? 5.0 : -5.0);
            }
            assertEquals(sum / weight, policy.posteriorMean(table, 0, workspace, 100_000), 1e-6);
            assertTrue(sum / weight < -4.6, "recent rewards dominate");
            assertEquals(0.0, new GaussianThompson().posteriorMean(table, 0, workspace, 100_000), 0.01);
        }
    }

    @Test
    void topKIsASlateOfDistinctArmsWhoseFirstIsTheChoice() {
        final Policy[] policies = {new BetaBernoulliThompson(), new GaussianThompson(), new Ucb1(),
            new EpsilonGreedy(0.2), new UniformRandom()};
        try (PosteriorTable table = table(10)) {
            final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(9);
            for (int i = 0; i < 300; i++) {
                table.recordReward(i % 10, env.nextDouble() < 0.1 * (i % 10) ? 1.0 : 0.0, i, 0);
            }
            final int[] arms = identity(10);
            for (final Policy policy : policies) {
                for (int trial = 0; trial < 200; trial++) {
                    final int k = 1 + trial % 10;
                    final Workspace a = new Workspace(trial, 10);
                    final Workspace b = new Workspace(trial, 10);
                    final int count = policy.rank(table, arms, k, a, 1_000);
                    assertEquals(k, count);
                    final boolean[] seen = new boolean[10];
                    for (int r = 0; r < count; r++) {
                        assertTrue(!seen[a.ranked(r)], policy.name() + ": arm repeated in slate");
                        seen[a.ranked(r)] = true;
                    }
                    assertEquals(policy.choose(table, arms, b, 1_000), a.ranked(0),
                        policy.name() + ": the slate's first arm must be what choose picks with the same draws");
                }
            }
            final Workspace w = new Workspace(1, 10);
            assertEquals(3, new BetaBernoulliThompson().rank(table, new int[] {0, 1, 2}, 5, w, 0));
        }
    }

    /** A slate from Thompson sampling is in sampled order: with well separated arms, in order of the true means. */
    @Test
    void thompsonSlateIsInSampledOrder() {
        try (PosteriorTable table = table(4)) {
            final double[] rates = {0.2, 0.8, 0.5, 0.05};
            for (int arm = 0; arm < 4; arm++) {
                table.restoreExclusive(arm, 0, 10_000, (long) (rates[arm] * 10_000), rates[arm] * 10_000,
                    rates[arm] * 10_000, 0);
            }
            final Workspace w = new Workspace(5, 4);
            assertEquals(4, new BetaBernoulliThompson().rank(table, identity(4), 4, w, 0));
            assertEquals(1, w.ranked(0));
            assertEquals(2, w.ranked(1));
            assertEquals(0, w.ranked(2));
            assertEquals(3, w.ranked(3));
        }
    }

    @Test
    void invalidConfigurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BetaBernoulliThompson(0, 1, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> new BetaBernoulliThompson(1, 1, 500, 100));
        assertThrows(IllegalArgumentException.class, () -> new BetaBernoulliThompson(1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new GaussianThompson(0, -1, 1, 1, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new EpsilonGreedy(1.5));
        assertThrows(IllegalArgumentException.class, () -> new Workspace(1, 0));
        assertNotEquals(new BetaBernoulliThompson().name(),
            new BetaBernoulliThompson(1, 1, 1_000, 10).name());
    }
}
