package io.arbiter.bandits.bench;

import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A seeded log of {@value #ROWS} decisions for the evaluation benchmarks, drawn once at set-up and replayed in a cycle
 * through one reused {@link LoggedDecision}, so that generating rows is not measured and replaying them allocates
 * nothing. Each row draws, in this order: its context key (uniform over {@code contexts}; none drawn when there is
 * one, key 0), its action (uniform when the logging policy is uniform, else by the policy's probabilities) with that
 * probability as its propensity, and a reward of 1 with the action's rate, else 0.
 */
final class SeededLog {
    static final int ROWS = 1 << 16;

    private final long[] keys = new long[ROWS];
    private final int[] actions = new int[ROWS];
    private final double[] propensities = new double[ROWS];
    private final double[] rewards = new double[ROWS];
    private final LoggedDecision row = new LoggedDecision(0);

    /**
     * @param seed     the generator's seed
     * @param contexts how many context keys ({@code 0 .. contexts - 1}); 1 for a log without context
     * @param logging  the logging policy's probability of each action, or null for uniform over {@code rates.length}
     * @param rates    each action's reward rate
     */
    SeededLog(long seed, int contexts, double[] logging, double[] rates) {
        final int actionCount = rates.length;
        if (logging != null && logging.length != actionCount) {
            throw new IllegalArgumentException("logging has " + logging.length + " actions, rates " + actionCount);
        }
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(seed);
        for (int i = 0; i < ROWS; i++) {
            keys[i] = contexts > 1 ? g.nextInt(contexts) : 0;
            final int a;
            if (logging == null) {
                a = g.nextInt(actionCount);
                propensities[i] = 1.0 / actionCount;
            } else {
                final double u = g.nextDouble();
                int drawn = 0;
                double cdf = logging[0];
                while (u >= cdf && drawn < actionCount - 1) {
                    cdf += logging[++drawn];
                }
                a = drawn;
                propensities[i] = logging[a];
            }
            actions[i] = a;
            rewards[i] = g.nextDouble() < rates[a] ? 1 : 0;
        }
    }

    /** Row {@code n mod ROWS}, logged at {@code timeMillis} (sample weight 1, no flags), in the reused holder. */
    LoggedDecision row(long n, long timeMillis) {
        final int i = (int) (n & (ROWS - 1));
        return row.set(timeMillis, keys[i], actions[i], propensities[i], rewards[i], 1.0, 0);
    }
}
