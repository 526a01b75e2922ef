package io.arbiter.bandits.eval;

/**
 * One row of the decision log, as an evaluation reads it: a reusable holder that the caller fills for every row
 * ({@link #set}) and hands to {@link OffPolicyEvaluation#add}, so reading a log allocates nothing per row.
 *
 * <p>What each field means and where the server takes it from:
 * <ul>
 *   <li>{@code timeMillis}: the decision's time. Rows must arrive in time order (learning candidates and the reward
 *       model learn as they go).</li>
 *   <li>{@code contextKey}: the context the decision was made in, as a number (for example a hash of the segment
 *       key); 0 when the experiment has no context. Reward-model means and the support check are per key.</li>
 *   <li>{@link #features()}: the context's feature vector, for a linear reward model or a contextual candidate;
 *       length fixed at construction (0 when unused).</li>
 *   <li>{@code action}: the variant served, as an index {@code 0 .. actions-1} into the experiment's variants.</li>
 *   <li>{@code propensity}: the logged probability of that action, in {@code [0, 1]} (0 is possible for a
 *       Monte-Carlo estimate; the evaluation raises it to its floor).</li>
 *   <li>{@code reward}: the reward joined to the decision, 0 when none was reported.</li>
 *   <li>{@code sampleWeight}: {@code 1 / decisionSampleRate} at the time of the decision (1 for a complete log),
 *       at least 1.</li>
 *   <li>{@code flags}: {@link #REWARD_OBSERVED}, {@link #HOLDOUT}.</li>
 * </ul>
 *
 * <p><b>Single writer</b>: one holder per reading thread.
 */
public final class LoggedDecision {
    /** A reward row was joined to this decision (used to estimate the fraction of decision rows missing). */
    public static final int REWARD_OBSERVED = 1;
    /** The unit was in the holdout group: its variant was not chosen by the policy, so the row is skipped. */
    public static final int HOLDOUT = 2;

    private final double[] features;
    long timeMillis;
    long contextKey;
    int action;
    double propensity;
    double reward;
    double sampleWeight = 1.0;
    int flags;

    /** @param featureDimensions length of {@link #features()}, 0 or more */
    public LoggedDecision(int featureDimensions) {
        if (featureDimensions < 0) {
            throw new IllegalArgumentException("featureDimensions must be 0 or more, was " + featureDimensions);
        }
        this.features = new double[featureDimensions];
    }

    /**
     * Fills the holder (the features are written into {@link #features()} separately).
     *
     * @param timeMillis   decision time, non-decreasing from row to row
     * @param contextKey   context key, any value (0 without context)
     * @param action       served variant, {@code 0 .. actions-1}
     * @param propensity   logged probability of {@code action}, in {@code [0, 1]}
     * @param reward       reward (0 when none was reported), finite
     * @param sampleWeight {@code 1 / decisionSampleRate}, at least 1
     * @param flags        bitwise or of {@link #REWARD_OBSERVED} and {@link #HOLDOUT}
     * @return this holder
     */
    public LoggedDecision set(long timeMillis, long contextKey, int action, double propensity, double reward,
                              double sampleWeight, int flags) {
        this.timeMillis = timeMillis;
        this.contextKey = contextKey;
        this.action = action;
        this.propensity = propensity;
        this.reward = reward;
        this.sampleWeight = sampleWeight;
        this.flags = flags;
        return this;
    }

    /** The feature vector, written in place by the caller. */
    public double[] features() {
        return features;
    }

    public long timeMillis() {
        return timeMillis;
    }

    public long contextKey() {
        return contextKey;
    }

    public int action() {
        return action;
    }

    public double propensity() {
        return propensity;
    }

    public double reward() {
        return reward;
    }

    public double sampleWeight() {
        return sampleWeight;
    }

    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
