package io.arbiter.bandits.eval;

import java.util.EnumSet;
import java.util.Set;

/**
 * The settings of one evaluation: fluent setters, validated once by {@link #conclude()}. An evaluation concludes and
 * copies the settings it is given, so changing this object afterwards does not affect it. Every setting has a
 * default; only the number of actions is required.
 */
public final class EvaluationConfig {
    /** Default floor under logged propensities: below it a Monte-Carlo propensity is mostly noise. */
    public static final double DEFAULT_PROPENSITY_FLOOR = 1e-3;
    /** Default bootstrap replicates (see docs/evaluation.md for the cost and the coverage it gives). */
    public static final int DEFAULT_BOOTSTRAP_REPLICATES = 200;
    /** Default effective sample size below which an estimate is flagged. */
    public static final double DEFAULT_MIN_EFFECTIVE_SAMPLE_SIZE = 100;
    /** Default cap on distinct context keys with their own model and support cells. */
    public static final int DEFAULT_MAX_CONTEXT_KEYS = 10_000;
    /** Default pseudo-rows of shrinkage of the per-context mean model. */
    public static final double DEFAULT_SHRINKAGE = 2.0;

    private final int actions;
    private double propensityFloor = DEFAULT_PROPENSITY_FLOOR;
    private double weightClip = Double.POSITIVE_INFINITY;
    private int bootstrapReplicates = DEFAULT_BOOTSTRAP_REPLICATES;
    private long seed = 1;
    private double minEffectiveSampleSize = DEFAULT_MIN_EFFECTIVE_SAMPLE_SIZE;
    private double replayScale = Double.NaN;
    private int maxContextKeys = DEFAULT_MAX_CONTEXT_KEYS;
    private RewardModel.Factory rewardModel = RewardModel.contextMeans(DEFAULT_SHRINKAGE);
    private Set<Estimator> estimators = EnumSet.allOf(Estimator.class);

    /** @param actions number of actions (variants), 1 to 4,096 */
    public EvaluationConfig(int actions) {
        this.actions = actions;
    }

    /**
     * Logged propensities below the floor are raised to it (and counted), which caps weights at {@code 1 / floor}.
     *
     * @param floor in (0, 1]; default {@value #DEFAULT_PROPENSITY_FLOOR}
     */
    public EvaluationConfig propensityFloor(double floor) {
        this.propensityFloor = floor;
        return this;
    }

    /**
     * Weight clipping: importance weights above {@code clip} are cut to it (counted; the estimate is then biased
     * towards smaller values for non-negative rewards, in exchange for variance).
     *
     * @param clip at least 1, or {@code +Infinity} for no clipping (the default)
     */
    public EvaluationConfig weightClip(double clip) {
        this.weightClip = clip;
        return this;
    }

    /** @param replicates 0 (no intervals) or 20 to 10,000; default {@value #DEFAULT_BOOTSTRAP_REPLICATES} */
    public EvaluationConfig bootstrapReplicates(int replicates) {
        this.bootstrapReplicates = replicates;
        return this;
    }

    /** @param seed seed of the bootstrap multiplicities, the one-sample draws and the replay's acceptances */
    public EvaluationConfig seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** @param ess effective sample size below which a warning is raised, at least 0 */
    public EvaluationConfig minEffectiveSampleSize(double ess) {
        this.minEffectiveSampleSize = ess;
        return this;
    }

    /**
     * The replay accepts a row with probability {@code scale x pi(a | x) / propensity}; for the accepted rows to be
     * an unbiased on-policy stream, {@code scale} must not exceed the smallest logged propensity (then the ratio is
     * at most 1). Set it to the logging policy's minimum share per variant (or {@code 1 / actions} for a uniform
     * log, which is Li et al.'s replay exactly). Rows where it is exceeded are accepted with probability 1 and
     * counted.
     *
     * @param scale in (0, 1]; default {@code 1 / actions}
     */
    public EvaluationConfig replayScale(double scale) {
        this.replayScale = scale;
        return this;
    }

    /**
     * @param keys distinct context keys with their own reward-model and support cells, 1 to 2^24; default
     *             {@value #DEFAULT_MAX_CONTEXT_KEYS}. Later keys share one pooled cell (counted and warned about).
     */
    public EvaluationConfig maxContextKeys(int keys) {
        this.maxContextKeys = keys;
        return this;
    }

    /** @param factory DR's reward model; default {@code RewardModel.contextMeans(2)} */
    public EvaluationConfig rewardModel(RewardModel.Factory factory) {
        this.rewardModel = factory;
        return this;
    }

    /** @param set the estimators to compute, not empty; DR's model is skipped when DR is not asked for */
    public EvaluationConfig estimators(Set<Estimator> set) {
        this.estimators = set.isEmpty() ? EnumSet.noneOf(Estimator.class) : EnumSet.copyOf(set);
        return this;
    }

    /**
     * Validates every setting and fills the defaults that depend on others.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public EvaluationConfig conclude() {
        check(actions >= 1 && actions <= 4_096, "actions must be in 1..4096, was " + actions);
        check(propensityFloor > 0 && propensityFloor <= 1, "propensityFloor must be in (0, 1], was "
            + propensityFloor);
        check(weightClip >= 1, "weightClip must be at least 1, was " + weightClip);
        check(bootstrapReplicates == 0 || bootstrapReplicates >= 20 && bootstrapReplicates <= 10_000,
            "bootstrapReplicates must be 0 or in 20..10000, was " + bootstrapReplicates);
        check(minEffectiveSampleSize >= 0, "minEffectiveSampleSize must be at least 0, was "
            + minEffectiveSampleSize);
        if (Double.isNaN(replayScale)) {
            replayScale = 1.0 / actions;
        }
        check(replayScale > 0 && replayScale <= 1, "replayScale must be in (0, 1], was " + replayScale);
        check(maxContextKeys >= 1 && maxContextKeys <= 1 << 24, "maxContextKeys must be in 1..2^24, was "
            + maxContextKeys);
        check(rewardModel != null, "rewardModel must not be null");
        check(!estimators.isEmpty(), "estimators must not be empty");
        return this;
    }

    /** A concluded copy, so that changing this object later cannot change a running evaluation. */
    EvaluationConfig frozenCopy() {
        conclude();
        final EvaluationConfig c = new EvaluationConfig(actions);
        c.propensityFloor = propensityFloor;
        c.weightClip = weightClip;
        c.bootstrapReplicates = bootstrapReplicates;
        c.seed = seed;
        c.minEffectiveSampleSize = minEffectiveSampleSize;
        c.replayScale = replayScale;
        c.maxContextKeys = maxContextKeys;
        c.rewardModel = rewardModel;
        c.estimators = EnumSet.copyOf(estimators);
        return c;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public int actions() {
        return actions;
    }

    public double propensityFloor() {
        return propensityFloor;
    }

    public double weightClip() {
        return weightClip;
    }

    public int bootstrapReplicates() {
        return bootstrapReplicates;
    }

    public long seed() {
        return seed;
    }

    public double minEffectiveSampleSize() {
        return minEffectiveSampleSize;
    }

    public double replayScale() {
        return replayScale;
    }

    public int maxContextKeys() {
        return maxContextKeys;
    }

    public RewardModel.Factory rewardModel() {
        return rewardModel;
    }

    public Set<Estimator> estimators() {
        return EnumSet.copyOf(estimators);
    }
}
