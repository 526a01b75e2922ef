package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link BetaBernoulliThompson} reuses the Gamma constants of arms whose shapes did not change (a memo in the
 * {@link Workspace}). The memo must be invisible: every choice equals the arg-max of plain {@link Samplers#beta}
 * draws from a generator in the same state, while rewards keep changing some arms' shapes between choices, for
 * several priors (including shapes below 1, which bypass the memo), for two policies with different priors sharing
 * one workspace, and for more arms than the memo has entries (collisions).
 */
class MemoizedConstantsTest {

    @Test
    void choicesEqualPlainBetaDrawsWhileShapesChange() {
        final long master = 20261123L;
        final double[][] priors = {{1, 1}, {0.5, 0.5}, {2, 50}, {1, 1}};
        for (int scenario = 0; scenario < 24; scenario++) {
            final long seed = SplitMix64.derive(master, scenario);
            final double[] p1 = priors[scenario % priors.length];
            final double[] p2 = priors[(scenario + 1) % priors.length];
            check(new BetaBernoulliThompson(p1[0], p1[1], 0, 100), new BetaBernoulliThompson(p2[0], p2[1], 0, 100),
                seed, scenario % 3 == 0 ? Workspace.MEMO_SIZE + 37 : 2 + scenario);
        }
    }

    private static void check(BetaBernoulliThompson one, BetaBernoulliThompson two, long seed, int n) {
        final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(seed ^ 0x5DEECE66DL);
        try (PosteriorTable table = PosteriorTable.allocateDirect(n, 0L)) {
            final int[] arms = new int[n];
            for (int i = 0; i < n; i++) {
                arms[i] = table.allocateArm();
                final int trials = env.nextInt(3) == 0 ? 0 : env.nextInt(3_000);
                for (int t = 0; t < trials; t++) {
                    table.recordReward(arms[i], env.nextDouble() < 0.05 + 0.3 * i / n ? 1.0 : 0.0, t, 0);
                }
            }
            final Workspace memoized = new Workspace(seed, n);
            final Xoroshiro128PlusPlus plain = new Xoroshiro128PlusPlus(seed);
            final double[] draws = new double[n];
            for (int round = 0; round < 300; round++) {
                final BetaBernoulliThompson policy = round % 2 == 0 ? one : two;
                final int chosen = policy.choose(table, arms, memoized, round);
                for (int i = 0; i < n; i++) {
                    final long s = table.successes(arms[i]);
                    draws[i] = Samplers.beta(plain, policy.priorAlpha() + s,
                        policy.priorBeta() + (table.trials(arms[i]) - s));
                }
                final int expected = Ranking.argMax(draws, n, plain);
                final String label = "seed " + seed + ", " + n + " arms, round " + round;
                assertEquals(expected, chosen, label);
                assertEquals(plain.nextLong(), memoized.rng().nextLong(), label + ": generators diverged");
                // A reward for the chosen arm changes its shapes before the next choice, sometimes for a random one.
                policy.update(table, arms[chosen], env.nextDouble() < 0.2 ? 1.0 : 0.0, round);
                if (env.nextInt(4) == 0) {
                    table.recordReward(arms[env.nextInt(n)], 1.0, round, 0);
                }
            }
        }
    }
}
