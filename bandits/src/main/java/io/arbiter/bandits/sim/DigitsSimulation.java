package io.arbiter.bandits.sim;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * One run of a policy on {@link Digits} as a bandit (Riquelme et al. 2018; Bietti, Agarwal and Langford 2021): each
 * round draws a row uniformly (with replacement), the policy picks a class, the reward is 1 when it is the row's
 * class. The oracle earns 1 every round, so the regret is the number of wrong picks.
 *
 * <p>Policies: {@code thompson} (non-contextual Beta(1, 1) Thompson sampling over the 10 classes) and {@code linear}
 * ({@link LinearThompson} on the 64 features, through a direct {@link LinearModelTable}: every reward is offered to
 * the ring and applied before the next round, as a keeping-up applier would).
 */
final class DigitsSimulation {
    static final String[] POLICIES = {"thompson", "linear"};

    private DigitsSimulation() {
    }

    /** @return cumulative regret (wrong picks) at each checkpoint */
    static double[] run(Digits digits, String policy, double lambda, double noiseVariance, long rounds,
                        long[] checkpoints, long runSeed) {
        final int k = Digits.CLASSES;
        final double[] out = new double[checkpoints.length];
        final Workspace workspace = new Workspace(SplitMix64.derive(runSeed, 1), k);
        final Xoroshiro128PlusPlus environment = new Xoroshiro128PlusPlus(SplitMix64.derive(runSeed, 2));
        final EligibleSet all = workspace.eligible().all(k);
        final int[] arms = new int[k];
        for (int i = 0; i < k; i++) {
            arms[i] = i;
        }
        try (PosteriorTable table = PosteriorTable.allocateDirect(k, 0L);
             LinearModelTable model = LinearModelTable.allocateDirect(Digits.FEATURES, k, 1 << 16, lambda,
                 noiseVariance, LinearModelTable.DEFAULT_REFACTOR_EVERY)) {
            for (int i = 0; i < k; i++) {
                table.allocateArm();
            }
            final BetaBernoulliThompson thompson = new BetaBernoulliThompson();
            final LinearThompson linear = new LinearThompson(model, arms);
            final FeatureVector x = new FeatureVector(Digits.FEATURES, k);
            final boolean contextual = "linear".equals(policy);
            if (!contextual && !"thompson".equals(policy)) {
                throw new IllegalArgumentException("unknown policy " + policy);
            }
            double regret = 0;
            int next = 0;
            for (long t = 1; t <= rounds; t++) {
                final int row = environment.nextInt(digits.rows());
                final int chosen;
                final double reward;
                if (contextual) {
                    x.clear(Digits.FEATURES);
                    for (int i = 0; i < Digits.FEATURES; i++) {
                        x.set(i, digits.x[row][i]);
                    }
                    chosen = linear.choose(x, all, workspace);
                    reward = chosen == digits.label[row] ? 1.0 : 0.0;
                    linear.update(chosen, x, reward);
                    model.applyPendingObservations(16);
                } else {
                    chosen = thompson.choose(table, arms, workspace, t);
                    reward = chosen == digits.label[row] ? 1.0 : 0.0;
                    thompson.update(table, arms[chosen], reward, t);
                }
                regret += 1.0 - reward;
                if (t == checkpoints[next]) {
                    out[next] = regret;
                    if (++next == checkpoints.length) {
                        break;
                    }
                }
            }
        }
        return out;
    }
}
