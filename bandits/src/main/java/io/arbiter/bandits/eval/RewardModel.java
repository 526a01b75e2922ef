package io.arbiter.bandits.eval;

/**
 * The reward model of the doubly robust estimator, fitted on the log as it streams: for every row the evaluation
 * first asks for predictions ({@link #predict}), then shows it the row ({@link #learn}). A row's prediction therefore
 * never depends on its own reward: this is cross-fitting in its streaming form (every row is out-of-sample for the
 * model that scores it, as in progressive validation), so an over-fitted model cannot bias DR, only fail to reduce
 * its variance. <b>Single writer</b>; neither method may allocate.
 */
public interface RewardModel {

    /**
     * Writes the predicted reward of every action in the row's context into {@code into[0 .. actions-1]}, from the
     * rows learned so far.
     *
     * @param row     the row (its action and reward must not be used)
     * @param keySlot the dense slot of the row's context key, {@code 0 .. keySlots-1} (the last slot is shared by
     *                every key beyond the evaluation's cap)
     * @param into    array of length at least {@code actions}
     */
    void predict(LoggedDecision row, int keySlot, double[] into);

    /** Learns the row's reward for its logged action. */
    void learn(LoggedDecision row, int keySlot);

    /** A short name for reports ("context-means", "ridge"). */
    String name();

    /** Creates a fresh model for one evaluation. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param actions  number of actions, at least 1
         * @param keySlots number of context-key slots (the evaluation's cap plus one overflow slot)
         */
        RewardModel create(int actions, int keySlots);
    }

    /**
     * Per-context-key means with shrinkage: the mean reward of action {@code a} in context {@code x}, pulled towards
     * the action's mean over all contexts (itself pulled towards the overall mean) by {@code shrinkage}
     * pseudo-rows. The model DR uses unless told otherwise; memory {@code 16 keySlots actions} bytes.
     *
     * @param shrinkage pseudo-rows of the prior, at least 0
     */
    static Factory contextMeans(double shrinkage) {
        if (!(shrinkage >= 0) || Double.isInfinite(shrinkage)) {
            throw new IllegalArgumentException("shrinkage must be finite and at least 0, was " + shrinkage);
        }
        return (actions, keySlots) -> new ContextMeanModel(actions, keySlots, shrinkage);
    }

    /**
     * Ridge regression of the reward on the row's features (and an intercept), one model per action, refitted on a
     * geometric schedule; memory about {@code 16 (dims + 1)^2 actions} bytes.
     *
     * @param dims   feature dimensions read from {@link LoggedDecision#features()}, 1 to 512
     * @param lambda ridge penalty on the feature coefficients, positive
     */
    static Factory ridge(int dims, double lambda) {
        if (dims < 1 || dims > 512) {
            throw new IllegalArgumentException("dims must be in 1..512, was " + dims);
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be positive and finite, was " + lambda);
        }
        return (actions, keySlots) -> new RidgeModel(actions, dims, lambda);
    }
}
