package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * The cached choice probabilities of one arm set under one policy, for logging the propensity of each decision.
 *
 * <p>{@link #refresh} recomputes the probabilities (a Monte-Carlo estimate for Thompson sampling, which costs
 * {@code draws x arms} posterior samples, so it belongs on a background thread, not on the request path) and publishes
 * them with a single volatile write of a fresh array; {@link #propensity} is a plain read of the published array and
 * allocates nothing. Until the first refresh every arm has probability {@code 1 / arms}.
 *
 * <p>Accuracy: the Monte-Carlo standard error of each probability is at most {@code 0.5 / sqrt(draws)}; on top of it
 * comes the drift of the posteriors since the last refresh.
 */
public final class PropensityCache {
    private final Policy policy;
    private final int[] arms;
    private volatile double[] probabilities;
    private volatile long refreshedAtMillis;

    /**
     * @param policy the policy whose choice probabilities are cached
     * @param arms   table indices of the arm set, 1 or more (copied)
     */
    public PropensityCache(Policy policy, int[] arms) {
        this.policy = policy;
        this.arms = arms.clone();
        final double[] uniform = new double[arms.length];
        java.util.Arrays.fill(uniform, 1.0 / arms.length);
        this.probabilities = uniform;
    }

    /**
     * Recomputes and publishes the probabilities. Call from one thread at a time (a background refresher).
     *
     * @param table     the table holding the arms
     * @param workspace the refresher's own workspace, sized for at least as many arms as the set has
     * @param nowMillis the time in epoch milliseconds (discounted policies), recorded as the refresh time
     */
    public void refresh(PosteriorTable table, Workspace workspace, long nowMillis) {
        final double[] fresh = new double[arms.length];
        policy.choiceProbabilities(table, arms, workspace, nowMillis, fresh);
        probabilities = fresh; // volatile write publishes the fully written array
        refreshedAtMillis = nowMillis;
    }

    /**
     * The cached probability that the policy picks the arm at {@code position}.
     *
     * @param position a position in the arm set, 0 to its length - 1
     */
    public double propensity(int position) {
        return probabilities[position];
    }

    /** A copy of all cached probabilities, in arm order. */
    public double[] snapshot() {
        return probabilities.clone();
    }

    /** Time of the last refresh in epoch milliseconds; 0 before the first. */
    public long refreshedAtMillis() {
        return refreshedAtMillis;
    }
}
