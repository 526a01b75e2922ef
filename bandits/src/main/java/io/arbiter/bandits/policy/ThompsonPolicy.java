package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.DecayedSums;
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
    public int choose(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace, long nowMillis) {
        eligible.requireUsableFor(arms.length);
        final double[] scores = workspace.scores;
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            scores[e] = sample(table, arms[eligible.position(e)], workspace, nowMillis);
        }
        return eligible.position(Ranking.argMax(scores, m, workspace.rng()));
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, EligibleSet eligible, int k, Workspace workspace,
                    long nowMillis) {
        eligible.requireUsableFor(arms.length);
        final double[] scores = workspace.scores;
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            scores[e] = sample(table, arms[eligible.position(e)], workspace, nowMillis);
        }
        final int count = Ranking.topK(scores, m, k, workspace.ranking);
        Ranking.toPositions(workspace.ranking, count, eligible);
        return count;
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

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace,
                                    long nowMillis, double[] probabilities) {
        final int n = arms.length;
        java.util.Arrays.fill(probabilities, 0, n, 0.0);
        for (int draw = 0; draw < propensityDraws; draw++) {
            probabilities[choose(table, arms, eligible, workspace, nowMillis)] += 1.0;
        }
        for (int i = 0; i < n; i++) {
            probabilities[i] /= propensityDraws;
        }
    }

    /**
     * Reads an arm's sufficient statistics as this policy's model uses them into {@code into[at..at+3)}: the weight
     * (number of rewards, or their decayed weight with a half-life), the reward sum (for Beta–Bernoulli without a
     * half-life: the number of rewards equal to 1) and the sum of squared rewards. Contextual models combine these
     * across segments (back-off) and draw with {@link #sampleStatistics}.
     *
     * @param into at least {@code at + 3} long
     */
    public final void readStatistics(PosteriorTable table, int arm, long nowMillis, Workspace workspace,
                                     double[] into, int at) {
        if (halfLifeMillis == 0) {
            if (countsSuccesses()) {
                final long successes = table.successes(arm); // before trials: trials are incremented first
                into[at] = table.trials(arm);
                into[at + 1] = successes;
                into[at + 2] = successes;
            } else {
                into[at] = table.trials(arm);
                into[at + 1] = table.rewardSum(arm);
                into[at + 2] = table.rewardSquareSum(arm);
            }
            return;
        }
        final DecayedSums d = workspace.decayed;
        table.readDecayed(arm, nowMillis, halfLifeMillis, d);
        into[at] = d.weight();
        into[at + 1] = d.rewardSum();
        into[at + 2] = d.rewardSquareSum();
    }

    /**
     * Whether the reward sum of {@link #readStatistics} counts successes, so that it must stay within
     * {@code [0, weight]} when statistics are combined (Beta–Bernoulli); reward sums of other models may be any real.
     */
    public abstract boolean countsSuccesses();

    /**
     * One draw from this policy's posterior given (possibly fractional) sufficient statistics on top of its prior.
     *
     * @param weight    observations, at least 0
     * @param rewardSum sum of rewards (successes for Beta–Bernoulli, within {@code [0, weight]})
     * @param squareSum sum of squared rewards, at least 0
     * @param memoSlot  any int: the slot of the workspace's constants memo to use (draws are exact whatever it is;
     *                  a slot that stays with one posterior from call to call saves work)
     */
    public abstract double sampleStatistics(double weight, double rewardSum, double squareSum, Workspace workspace,
                                            int memoSlot);

    /** The posterior mean of the mean reward given sufficient statistics (arguments as {@link #sampleStatistics}). */
    public abstract double meanOfStatistics(double weight, double rewardSum, double squareSum);
}
