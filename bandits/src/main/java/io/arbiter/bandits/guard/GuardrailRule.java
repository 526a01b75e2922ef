package io.arbiter.bandits.guard;

import java.util.Objects;

/**
 * The do-no-harm rule for one guardrail metric: a variant is <em>harmful</em> when its event rate is worse than the
 * control group's (the holdout's, or without a holdout the default variant's) by more than {@code maxRelativeHarm},
 * and the rule says so only with evidence that stays valid however often it is checked.
 *
 * <p><b>The rule.</b> Each group gets a time-uniform {@link RateConfidenceSequence} at level {@code alpha / 2}, where
 * {@code alpha = 1 - confidence}. With {@code r = 1 + maxRelativeHarm} for {@code lower} (harm is a higher rate):
 * harmful when {@code variantLower > r * controlUpper}. For {@code higher} (harm is a lower rate), with
 * {@code r = 1 - maxRelativeHarm}: harmful when {@code variantUpper < r * controlLower}.
 *
 * <p><b>Why it is valid under continuous checking.</b> Suppose the variant is not harmful ({@code p_v <= r p_c} for
 * {@code lower}). If the variant's sequence never rises above {@code p_v} and the control's never falls below
 * {@code p_c}, then at every check {@code variantLower <= p_v <= r p_c <= r controlUpper} and nothing is flagged.
 * Each of those two events fails with probability at most {@code alpha / 2} over the whole, unbounded run (the
 * sequences are time-uniform), so a harmless variant is ever flagged with probability at most {@code alpha} (a union
 * bound), whether the rule is checked once or after every reward. A rate exactly at the threshold is harmless by this
 * definition and is flagged with probability at most {@code alpha}; the sequences are conservative, so in practice
 * far less (see {@code GuardrailRuleTest}). The guarantee is per variant and metric; several variants checked against
 * one control each have their own {@code alpha}.
 *
 * <p><b>Cost.</b> O(1), no allocation, immutable and thread-safe. A check whose observed rates do not even point to
 * harm beyond the threshold (the usual case for a harmless variant) answers from the counts alone: both sequences
 * contain the observed rates, so no bound could show harm. Otherwise it costs two log-gamma evaluations and a few
 * Newton steps per bound (docs/BENCHMARKS.md).
 *
 * <p><b>Inputs.</b> Per group, the decisions served and the guardrail events observed for them (a decision counts at
 * most one event per metric). An event that has not arrived yet counts as "no event" until it does, which makes
 * recent decisions look harmless: for metrics whose events come long after the decision, count only decisions old
 * enough for their events to have arrived. The sequences bound each group's average rate over its decisions, so a
 * rate that drifts over time is compared fairly as long as both groups are served over the same period.
 */
public final class GuardrailRule {
    private final GuardrailDirection direction;
    private final double maxRelativeHarm;
    private final double confidence;
    private final double ratio;
    private final RateConfidenceSequence sequence;

    /**
     * @param direction       which way the metric is good
     * @param maxRelativeHarm harm tolerated before the rule flags, relative to the control's rate: finite and
     *                        &ge; 0, and &lt; 1 for {@link GuardrailDirection#HIGHER} (a lower rate cannot fall by
     *                        100% or more)
     * @param confidence      1 minus the probability of ever flagging a harmless variant, in (0, 1); 0.95 is usual
     */
    public GuardrailRule(GuardrailDirection direction, double maxRelativeHarm, double confidence) {
        this(direction, maxRelativeHarm, confidence, RateConfidenceSequence.DEFAULT_RHO);
    }

    /**
     * @param rho mixture prior strength of the confidence sequences (see {@link RateConfidenceSequence}), &gt; 0
     */
    public GuardrailRule(GuardrailDirection direction, double maxRelativeHarm, double confidence, double rho) {
        this(direction, maxRelativeHarm, confidence, perGroupSequence(confidence, rho));
    }

    /**
     * A rule on a shared per-group sequence (rules with the same confidence can share one, and its 256 KiB table).
     *
     * @param perGroup the sequence each group's bounds come from; its {@code alpha} is half the rule's
     *                 {@code 1 - confidence} (see {@link #perGroupSequence})
     */
    public GuardrailRule(GuardrailDirection direction, double maxRelativeHarm, RateConfidenceSequence perGroup) {
        this(direction, maxRelativeHarm, 1.0 - 2.0 * Objects.requireNonNull(perGroup, "perGroup").alpha(), perGroup);
    }

    private GuardrailRule(GuardrailDirection direction, double maxRelativeHarm, double confidence,
                          RateConfidenceSequence perGroup) {
        if (direction == null) {
            throw new IllegalArgumentException("direction must be given");
        }
        final double maxHarm = direction == GuardrailDirection.LOWER ? Double.MAX_VALUE : 1.0;
        if (!(maxRelativeHarm >= 0.0 && maxRelativeHarm < maxHarm)) {
            throw new IllegalArgumentException("maxRelativeHarm must be in [0, " + (maxHarm == 1.0 ? "1)" : "inf)")
                + " for direction " + direction.wireName() + ", was " + maxRelativeHarm);
        }
        this.direction = direction;
        this.maxRelativeHarm = maxRelativeHarm;
        this.confidence = confidence;
        this.ratio = direction == GuardrailDirection.LOWER ? 1.0 + maxRelativeHarm : 1.0 - maxRelativeHarm;
        this.sequence = Objects.requireNonNull(perGroup, "perGroup");
    }

    /**
     * The per-group sequence for a rule of this {@code confidence}: level {@code (1 - confidence) / 2}, so that the two
     * groups' sequences together fail with probability at most {@code 1 - confidence}.
     *
     * @param confidence in (0, 1)
     * @param rho        mixture prior strength, &gt; 0
     */
    public static RateConfidenceSequence perGroupSequence(double confidence, double rho) {
        if (!(confidence > 0.0 && confidence < 1.0)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), was " + confidence);
        }
        return new RateConfidenceSequence((1.0 - confidence) / 2.0, rho);
    }

    public GuardrailDirection direction() {
        return direction;
    }

    public double maxRelativeHarm() {
        return maxRelativeHarm;
    }

    public double confidence() {
        return confidence;
    }

    /** The per-group confidence sequence (at {@code alpha / 2}), for showing each group's interval in the stats. */
    public RateConfidenceSequence sequence() {
        return sequence;
    }

    /**
     * Whether the variant is harmful on the evidence so far. O(1), allocation-free; call it as often as wanted.
     *
     * @param variantDecisions decisions answered with the variant, &ge; 0
     * @param variantEvents    guardrail events observed for them, &ge; 0
     * @param controlDecisions decisions of the control group, &ge; 0
     * @param controlEvents    guardrail events observed for them, &ge; 0
     */
    public boolean isHarmful(long variantDecisions, long variantEvents, long controlDecisions, long controlEvents) {
        if (!observedHarm(variantDecisions, variantEvents, controlDecisions, controlEvents)) {
            return false;
        }
        if (direction == GuardrailDirection.LOWER) {
            return sequence.lower(variantDecisions, variantEvents)
                > ratio * sequence.upper(controlDecisions, controlEvents);
        }
        return sequence.upper(variantDecisions, variantEvents)
            < ratio * sequence.lower(controlDecisions, controlEvents);
    }

    /**
     * {@link #isHarmful} with the evidence written into {@code into} (all four bounds are computed, so this costs
     * about twice the full path of {@code isHarmful}): for the log line and the stats when a variant is suspended.
     *
     * @return whether the variant is harmful (also in {@link GuardrailEvidence#harmful()})
     */
    public boolean evaluate(long variantDecisions, long variantEvents, long controlDecisions, long controlEvents,
                            GuardrailEvidence into) {
        into.variantDecisions = variantDecisions;
        into.variantEvents = variantEvents;
        into.controlDecisions = controlDecisions;
        into.controlEvents = controlEvents;
        into.variantLower = sequence.lower(variantDecisions, variantEvents);
        into.variantUpper = sequence.upper(variantDecisions, variantEvents);
        into.controlLower = sequence.lower(controlDecisions, controlEvents);
        into.controlUpper = sequence.upper(controlDecisions, controlEvents);
        into.direction = direction;
        into.maxRelativeHarm = maxRelativeHarm;
        into.confidence = confidence;
        if (direction == GuardrailDirection.LOWER) {
            into.harmLowerBound = into.variantLower / into.controlUpper - 1.0;
            into.harmful = into.variantLower > ratio * into.controlUpper;
        } else {
            into.harmLowerBound = 1.0 - into.variantUpper / into.controlLower;
            into.harmful = into.variantUpper < ratio * into.controlLower;
        }
        return into.harmful;
    }

    /**
     * Whether the observed rates alone point to harm beyond the threshold; if not, neither can the bounds (each
     * sequence contains its observed rate), so {@link #isHarmful} stops here.
     */
    private boolean observedHarm(long variantDecisions, long variantEvents, long controlDecisions,
                                 long controlEvents) {
        if (variantDecisions < 0 || variantEvents < 0 || controlDecisions < 0 || controlEvents < 0) {
            throw new IllegalArgumentException("counts must not be negative");
        }
        if (variantDecisions == 0 || controlDecisions == 0) {
            return false;
        }
        final double variantRate = (double) Math.min(variantEvents, variantDecisions) / variantDecisions;
        final double controlRate = (double) Math.min(controlEvents, controlDecisions) / controlDecisions;
        return direction == GuardrailDirection.LOWER
            ? variantRate > ratio * controlRate
            : variantRate < ratio * controlRate;
    }
}
