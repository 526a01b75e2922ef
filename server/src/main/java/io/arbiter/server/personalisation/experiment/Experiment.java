package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.SegmentPropensities;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.GaussianThompson;
import io.arbiter.bandits.policy.PropensityCache;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.server.personalisation.guard.ExperimentGuard;

import java.util.Map;

/**
 * A live experiment: its spec, the policy built from it, and where each variant's posterior lives in the table.
 * Immutable; an admin change builds a new one (keeping the arm of every variant that stays, so learning carries
 * over) and the registry swaps it in.
 *
 * @param arms           table indices of the active variants, in the spec's order
 * @param variants       ids of the active variants, parallel to {@code arms}
 * @param armByVariant   table index of every variant ever in this experiment, retired ones included, so late
 *                       rewards for a retired variant still find their arm
 * @param defaultPosition position of the default variant in {@code arms} (the first served variant if the default
 *                       is suspended)
 * @param propensities   the plain policy's choice probabilities with every variant eligible
 * @param segments       the experiment's segment model (its root is the experiment's own arms; without a segment
 *                       context, the root alone): chooses among any eligible set
 * @param segmentPropensities choice probabilities of {@code segments} per segment and eligible set
 * @param linear         the linear model of a linear context (null otherwise)
 * @param linearSpec     its features (null otherwise)
 * @param contextFingerprint {@link ContextDefinition#fingerprint()}, carried by decision ids
 * @param guard          the safeguards (holdout, bounds, burn-in, caps, guardrails) and their shared state; variants
 *                       suspended by a guardrail are left out of {@code arms} and {@code variants}
 * @param ordinals       each active variant's ordinal (its place in {@code armByVariant}), parallel to {@code arms}
 * @param challenger     the shadow challenger of the definition's {@code challenger} member; null without one
 */
public record Experiment(ExperimentSpec spec, ThompsonPolicy policy, int[] arms, String[] variants,
                         Map<String, Integer> armByVariant, int defaultPosition, PropensityCache propensities,
                         SegmentedThompson segments, SegmentPropensities segmentPropensities, LinearThompson linear,
                         LinearSpec linearSpec, int contextFingerprint, ExperimentGuard guard,
                         int[] ordinals, Challenger challenger) {

    /** The ordinal of a variant ever in this experiment (its place in {@code armByVariant}); -1 if unknown. */
    public int ordinalOf(String variant) {
        int ordinal = 0;
        for (final String known : armByVariant.keySet()) {
            if (known.equals(variant)) {
                return ordinal;
            }
            ordinal++;
        }
        return -1;
    }

    /** The position of {@code variant} among the active variants; -1 when it is not one. */
    public int position(String variant) {
        for (int i = 0; i < variants.length; i++) {
            if (variants[i].equals(variant)) {
                return i;
            }
        }
        return -1;
    }

    public String id() {
        return spec.id();
    }

    public boolean paused() {
        return spec.paused();
    }

    public RewardModel rewardModel() {
        return spec.rewardModel();
    }

    /** The serving policy a spec describes (also the evaluation's {@code thompson} candidates). */
    public static ThompsonPolicy policyFor(ExperimentSpec spec, int propensityDraws) {
        final double[] p = spec.prior();
        return spec.rewardModel() == RewardModel.BERNOULLI
            ? new BetaBernoulliThompson(p[0], p[1], spec.halfLifeMillis(), propensityDraws)
            : new GaussianThompson(p[0], p[1], p[2], p[3], spec.halfLifeMillis(), propensityDraws);
    }
}
