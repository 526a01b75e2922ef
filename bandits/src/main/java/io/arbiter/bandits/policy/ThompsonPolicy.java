package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * Thompson sampling: draw one sample from each arm's posterior and pick the largest. A slate ranks the arms by their
 * samples, so it is a set of distinct arms in sampled order.
 *
 * <p><b>Propensities.</b> The probability that Thompson sampling picks arm {@code i} is
 * {@code P(theta_i = max_j theta_j)} under the posteriors, which has no closed form for more than two arms; it is
 * estimated by Monte Carlo with {@link #propensityDraws()} joint draws. Each estimate is a binomial proportion, so its
 * standard error is {@code sqrt(p (1 - p) / draws)}, at most {@code 0.5 / sqrt(draws)} (0.0079 for 4,000 draws).
 * Callers cache the estimate and refresh it periodically (see {@link PropensityCache}); between refreshes the
 * posterior moves, which adds a staleness error that shrinks as the posteriors concentrate.
 */
public abstract class ThompsonPolicy implements Policy {
    /** Default joint draws per propensity estimate. */
    public static final int DEFAULT_PROPENSITY_DRAWS = 4_000;

    private final long halfLifeMillis;
    private final int propensityDraws;

    /**
     * @param halfLifeMillis  0 for no discounting, or the half-life of an observation's weight in milliseconds, 1,000
     *                        or more
     * @param propensityDraws joint draws per propensity estimate, 1 or more (standard error at most
     *                        {@code 0.5 / sqrt(draws)})
     */
    protected ThompsonPolicy(long halfLifeMillis, int propensityDraws) {
        if (halfLifeMillis != 0 && halfLifeMillis < 1_000) {
            throw new IllegalArgumentException("halfLife must be 0 (no discounting) or at least 1000 ms, was "
                + halfLifeMillis);
        }
        if (propensityDraws < 1) {
            throw new IllegalArgumentException("propensityDraws must be positive, was " + propensityDraws);
        }
        this.halfLifeMillis = halfLifeMillis;
        this.propensityDraws = propensityDraws;
    }

    /** Half-life of the discounting in milliseconds; 0 means no discounting. */
    public long halfLifeMillis() {
        return halfLifeMillis;
    }

    /** Joint draws per propensity estimate, 1 or more. */
    public int propensityDraws() {
        return propensityDraws;
    }

    /** One draw from the posterior of the arm at table index {@code arm}. */
    protected abstract double sample(PosteriorTable table, int arm, Workspace workspace, long nowMillis);

    /**
     * One draw from the posterior of the arm's mean reward, for credible intervals and reports.
     *
     * @param table     the table holding the arm
     * @param arm       the arm's table index, 0 to {@code table.capacity() - 1}
     * @param workspace the calling thread's workspace (its generator draws)
     * @param nowMillis the time in epoch milliseconds (discounted policies), not before the arm's newest reward
     */
    public final double samplePosterior(PosteriorTable table, int arm, Workspace workspace, long nowMillis) {
        return sample(table, arm, workspace, nowMillis);
    }

    /**
     * The posterior mean of the arm at table index {@code arm}.
     *
     * @param table     the table holding the arm
     * @param arm       the arm's table index, 0 to {@code table.capacity() - 1}
     * @param workspace the calling thread's workspace (scratch space only)
     * @param nowMillis the time in epoch milliseconds (discounted policies), not before the arm's newest reward
     */
    public abstract double posteriorMean(PosteriorTable table, int arm, Workspace workspace, long nowMillis);

    @Override
    public int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis) {
        final double[] scores = workspace.scores;
        final int n = arms.length;
        for (int i = 0; i < n; i++) {
            scores[i] = sample(table, arms[i], workspace, nowMillis);
        }
        return Ranking.argMax(scores, n, workspace.rng());
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, int k, Workspace workspace, long nowMillis) {
        final double[] scores = workspace.scores;
        final int n = arms.length;
        for (int i = 0; i < n; i++) {
            scores[i] = sample(table, arms[i], workspace, nowMillis);
        }
        return Ranking.topK(scores, n, k, workspace.ranking);
    }

    @Override
    public void update(PosteriorTable table, int arm, double reward, long nowMillis) {
        table.recordReward(arm, reward, nowMillis, halfLifeMillis);
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                                    double[] probabilities) {
        final int n = arms.length;
        java.util.Arrays.fill(probabilities, 0, n, 0.0);
        for (int draw = 0; draw < propensityDraws; draw++) {
            probabilities[choose(table, arms, workspace, nowMillis)] += 1.0;
        }
        for (int i = 0; i < n; i++) {
            probabilities[i] /= propensityDraws;
        }
    }
}
