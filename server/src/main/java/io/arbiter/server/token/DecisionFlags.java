package io.arbiter.server.token;

/**
 * The flag bits a decision carries in its id ({@code d2}), its decision row ({@code decisions.flags}) and its reward
 * row ({@code rewards.flags}). Use the names, never the bit numbers.
 *
 * <pre>
 *  bit  0      HOLDOUT         the unit is in the experiment's holdout (control) group
 *  bit  1      STICKY          a repeat of the unit's sticky assignment (propensity 1)
 *  bit  2      DEFAULT         the default variant of a paused experiment (propensity 1)
 *  bit  3      BURN_IN         chosen during burn-in (not by the bandit)
 *  bit  4      CHALLENGER_AGREED the experiment's challenger (shadow mode) chose the same variant
 *  bits 5-7    reserved, 0
 *  bits 8-15   policy version  which policy chose (0: the experiment's own; shadow or challenger versions 1-255)
 * </pre>
 */
public final class DecisionFlags {
    /** No flag set: the experiment's own policy chose, freely. */
    public static final int NONE = 0;
    /** The unit is in the holdout group: it got the holdout variant and never teaches the bandit. */
    public static final int HOLDOUT = 1;
    /** A repeat of a sticky assignment: the logged propensity is 1. */
    public static final int STICKY = 1 << 1;
    /** The default variant of a paused experiment (or the first eligible one): the logged propensity is 1. */
    public static final int DEFAULT = 1 << 2;
    /** Chosen during burn-in. */
    public static final int BURN_IN = 1 << 3;
    /**
     * The experiment's shadow challenger sampled the same variant as the answer: the decision's reward is one the
     * challenger would have seen, so it learns from it and counts it in its matched estimate.
     */
    public static final int CHALLENGER_AGREED = 1 << 4;

    /** Lowest bit of the policy version. */
    public static final int POLICY_VERSION_SHIFT = 8;
    /** The policy version's bits, in place. */
    public static final int POLICY_VERSION_MASK = 0xFF << POLICY_VERSION_SHIFT;
    /** Largest policy version. */
    public static final int MAX_POLICY_VERSION = 0xFF;
    /** Every bit a flags word may have set; anything else in a decision id is refused. */
    public static final int ALL = HOLDOUT | STICKY | DEFAULT | BURN_IN | CHALLENGER_AGREED
        | POLICY_VERSION_MASK;

    private DecisionFlags() {
    }

    /** True when every bit of {@code flag} is set in {@code flags}. */
    public static boolean has(int flags, int flag) {
        return (flags & flag) == flag;
    }

    /** The policy version (0..255) in {@code flags}. */
    public static int policyVersion(int flags) {
        return (flags & POLICY_VERSION_MASK) >>> POLICY_VERSION_SHIFT;
    }

    /** {@code flags} with its policy version replaced by {@code version} (0..255). */
    public static int withPolicyVersion(int flags, int version) {
        if (version < 0 || version > MAX_POLICY_VERSION) {
            throw new IllegalArgumentException("policy version must be 0..255: " + version);
        }
        return (flags & ~POLICY_VERSION_MASK) | (version << POLICY_VERSION_SHIFT);
    }
}
