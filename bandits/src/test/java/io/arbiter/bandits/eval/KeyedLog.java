package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A simulated decision log shaped like the server's: the context is a key (a segment) drawn from fixed weights,
 * the logging policy's probabilities depend on the key only, rewards are Bernoulli with a rate per (key, action).
 * Since rewards depend on the key alone, per-key means are the true reward model. Every policy's value is exact.
 */
final class KeyedLog {
    final double[] contextWeights;
    final double[][] rates;
    final double[][] logging;
    private final Xoroshiro128PlusPlus rng;
    private long time;

    KeyedLog(double[] contextWeights, double[][] rates, double[][] logging, long seed) {
        this.contextWeights = contextWeights;
        this.rates = rates;
        this.logging = logging;
        this.rng = new Xoroshiro128PlusPlus(seed);
    }

    /**
     * A random instance: rates in [0.02, 0.32], logging probabilities a softmax of random scores mixed with a share
     * {@code explore} of uniform (so every propensity is at least {@code explore / actions}).
     */
    static KeyedLog random(int contexts, int actions, double explore, long instanceSeed, long logSeed) {
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(instanceSeed);
        final double[] weights = new double[contexts];
        final double[][] rates = new double[contexts][actions];
        final double[][] logging = new double[contexts][actions];
        double total = 0;
        for (int c = 0; c < contexts; c++) {
            weights[c] = 0.5 + g.nextDouble();
            total += weights[c];
            double z = 0;
            for (int a = 0; a < actions; a++) {
                rates[c][a] = 0.02 + 0.3 * g.nextDouble();
                logging[c][a] = Math.exp(2.5 * g.nextDouble());
                z += logging[c][a];
            }
            for (int a = 0; a < actions; a++) {
                logging[c][a] = (1 - explore) * logging[c][a] / z + explore / actions;
            }
        }
        for (int c = 0; c < contexts; c++) {
            weights[c] /= total;
        }
        return new KeyedLog(weights, rates, logging, logSeed);
    }

    int contexts() {
        return rates.length;
    }

    int actions() {
        return rates[0].length;
    }

    /** Fills {@code row} with the next decision (propensity exact, sample weight 1, REWARD_OBSERVED on a reward). */
    void next(LoggedDecision row) {
        final int c = draw(contextWeights);
        final int a = draw(logging[c]);
        final double r = rng.nextDouble() < rates[c][a] ? 1.0 : 0.0;
        row.set(time++, c, a, logging[c][a], r, 1.0, r > 0 ? LoggedDecision.REWARD_OBSERVED : 0);
    }

    /** Draws a reward for (context, action) from this log's generator (used to simulate on-policy runs). */
    double reward(int c, int a) {
        return rng.nextDouble() < rates[c][a] ? 1.0 : 0.0;
    }

    int draw(double[] p) {
        final double u = rng.nextDouble();
        double cdf = 0;
        for (int i = 0; i < p.length - 1; i++) {
            cdf += p[i];
            if (u < cdf) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** The exact value of the policy {@code pi[context][action]}. */
    double value(double[][] pi) {
        double v = 0;
        for (int c = 0; c < contexts(); c++) {
            for (int a = 0; a < actions(); a++) {
                v += contextWeights[c] * pi[c][a] * rates[c][a];
            }
        }
        return v;
    }

    /** The logging policy's exact value. */
    double loggingValue() {
        return value(logging);
    }

    /** A candidate answering {@code pi[contextKey]}. */
    static CandidatePolicy table(double[][] pi) {
        return new CandidatePolicy() {
            @Override
            public boolean probabilities(LoggedDecision row, double[] into) {
                System.arraycopy(pi[(int) row.contextKey()], 0, into, 0, pi[0].length);
                return true;
            }

            @Override
            public int sample(LoggedDecision row, io.arbiter.bandits.random.Xoroshiro128PlusPlus r) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** The same policy answering with one sample per row (the path Thompson candidates take). */
    static CandidatePolicy sampled(double[][] pi) {
        return new CandidatePolicy() {
            @Override
            public boolean probabilities(LoggedDecision row, double[] into) {
                return false;
            }

            @Override
            public int sample(LoggedDecision row, io.arbiter.bandits.random.Xoroshiro128PlusPlus r) {
                final double[] p = pi[(int) row.contextKey()];
                final double u = r.nextDouble();
                double cdf = 0;
                for (int i = 0; i < p.length - 1; i++) {
                    cdf += p[i];
                    if (u < cdf) {
                        return i;
                    }
                }
                return p.length - 1;
            }
        };
    }

    /** {@code pi} that always plays {@code action}. */
    static double[][] fixed(int contexts, int actions, int action) {
        final double[][] pi = new double[contexts][actions];
        for (final double[] row : pi) {
            row[action] = 1.0;
        }
        return pi;
    }

    /** {@code pi} that plays every action with probability 1/actions. */
    static double[][] uniform(int contexts, int actions) {
        final double[][] pi = new double[contexts][actions];
        for (final double[] row : pi) {
            java.util.Arrays.fill(row, 1.0 / actions);
        }
        return pi;
    }

    /** Each context's best action with probability {@code share + (1 - share) / actions}, the others uniformly. */
    double[][] greedy(double share) {
        final double[][] pi = new double[contexts()][actions()];
        for (int c = 0; c < contexts(); c++) {
            int best = 0;
            for (int a = 1; a < actions(); a++) {
                if (rates[c][a] > rates[c][best]) {
                    best = a;
                }
            }
            for (int a = 0; a < actions(); a++) {
                pi[c][a] = (1 - share) / actions() + (a == best ? share : 0);
            }
        }
        return pi;
    }
}
