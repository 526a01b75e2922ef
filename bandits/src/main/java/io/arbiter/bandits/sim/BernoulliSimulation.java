package io.arbiter.bandits.sim;

import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * One run of a Bernoulli bandit against a policy, through exactly the code the server uses: a
 * {@link PosteriorTable} in direct memory, {@link Policy#choose}, {@link PosteriorTable#recordDecision} and
 * {@link Policy#update}.
 *
 * <p>The clock is synthetic: step {@code t} (1-based) happens at {@code nowMillis = t}, so a half-life of
 * {@code h} milliseconds is a half-life of {@code h} steps. The success probabilities switch from {@code before} to
 * {@code after} at step {@code changeAt} (use {@code changeAt > horizon} for a stationary bandit).
 *
 * <p>Regret is the expected (pseudo-)regret {@code sum_t (p*_t - p_{chosen,t})}, which has much less variance than
 * the realised regret and is what Chapelle and Li (2011) plot.
 */
final class BernoulliSimulation {
    private BernoulliSimulation() {
    }

    /**
     * @param checkpoints strictly increasing steps in {@code 1..horizon} at which to record cumulative regret
     * @param runSeed     the run's seed: the environment and the policy's workspace get streams derived from it, so
     *                    different policies in the same run face the same reward draws per (step, arm) stream start
     * @return the cumulative expected regret at each checkpoint
     */
    static double[] run(Policy policy, double[] before, double[] after, long changeAt, long horizon,
                        long[] checkpoints, long runSeed) {
        final int k = before.length;
        final double[] regretAt = new double[checkpoints.length];
        try (PosteriorTable table = PosteriorTable.allocateDirect(k, 0L)) {
            final int[] arms = new int[k];
            for (int i = 0; i < k; i++) {
                arms[i] = table.allocateArm();
            }
            final Workspace workspace = new Workspace(SplitMix64.derive(runSeed, 1), k);
            final Xoroshiro128PlusPlus environment = new Xoroshiro128PlusPlus(SplitMix64.derive(runSeed, 2));
            double[] rates = before;
            double best = max(before);
            double regret = 0.0;
            int next = 0;
            for (long t = 1; t <= horizon; t++) {
                if (t == changeAt) {
                    rates = after;
                    best = max(after);
                }
                final int position = policy.choose(table, arms, workspace, t);
                final int arm = arms[position];
                table.recordDecision(arm);
                final double reward = environment.nextDouble() < rates[position] ? 1.0 : 0.0;
                policy.update(table, arm, reward, t);
                regret += best - rates[position];
                if (t == checkpoints[next]) {
                    regretAt[next] = regret;
                    if (++next == checkpoints.length) {
                        break;
                    }
                }
            }
        }
        return regretAt;
    }

    static double max(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (final double v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** Bernoulli Kullback-Leibler divergence KL(p || q) in nats. */
    static double bernoulliKl(double p, double q) {
        return xLogXOverY(p, q) + xLogXOverY(1.0 - p, 1.0 - q);
    }

    private static double xLogXOverY(double x, double y) {
        return x == 0.0 ? 0.0 : x * Math.log(x / y);
    }

    /**
     * The Lai and Robbins (1985) asymptotic lower bound on the regret of any consistent policy:
     * {@code ln t * sum over suboptimal arms of (p* - p_i) / KL(p_i || p*)}.
     */
    static double laiRobbinsLowerBound(double[] rates, long t) {
        final double best = max(rates);
        double constant = 0.0;
        for (final double p : rates) {
            if (p < best) {
                constant += (best - p) / bernoulliKl(p, best);
            }
        }
        return constant * Math.log(t);
    }

    /** About {@code perDecade} log-spaced distinct steps in {@code 1..horizon}, always including {@code horizon}. */
    static long[] logCheckpoints(long horizon, int perDecade) {
        final long[] buffer = new long[(int) Math.ceil(Math.log10(horizon) * perDecade) + 2];
        int count = 0;
        for (int i = 0; ; i++) {
            final long t = Math.round(Math.pow(10.0, i / (double) perDecade));
            if (t >= horizon) {
                break;
            }
            if (count == 0 || t > buffer[count - 1]) {
                buffer[count++] = t;
            }
        }
        buffer[count++] = horizon;
        return java.util.Arrays.copyOf(buffer, count);
    }

    /** {@code points} evenly spaced steps ending at {@code horizon}. */
    static long[] linearCheckpoints(long horizon, int points) {
        final int n = (int) Math.min(points, horizon);
        final long[] steps = new long[n];
        for (int i = 0; i < n; i++) {
            steps[i] = Math.max(1, Math.round(horizon * (i + 1) / (double) n));
        }
        return steps;
    }
}
