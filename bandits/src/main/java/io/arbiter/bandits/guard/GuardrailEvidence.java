package io.arbiter.bandits.guard;

/**
 * What a {@link GuardrailRule} saw at one check: the counts, the observed rates, both groups' confidence-sequence
 * bounds and the resulting bound on the relative harm. A reusable holder (<b>single writer</b>: one per thread or per
 * check site); {@link #toString()} allocates and is for the log line written when a variant is suspended.
 */
public final class GuardrailEvidence {
    long variantDecisions;
    long variantEvents;
    long controlDecisions;
    long controlEvents;
    double variantLower;
    double variantUpper;
    double controlLower;
    double controlUpper;
    double harmLowerBound;
    double maxRelativeHarm;
    double confidence;
    GuardrailDirection direction;
    boolean harmful;

    public long variantDecisions() {
        return variantDecisions;
    }

    public long variantEvents() {
        return variantEvents;
    }

    public long controlDecisions() {
        return controlDecisions;
    }

    public long controlEvents() {
        return controlEvents;
    }

    /** Observed event rate of the variant ({@code NaN} without decisions). */
    public double variantRate() {
        return variantDecisions == 0 ? Double.NaN : (double) variantEvents / variantDecisions;
    }

    /** Observed event rate of the control group ({@code NaN} without decisions). */
    public double controlRate() {
        return controlDecisions == 0 ? Double.NaN : (double) controlEvents / controlDecisions;
    }

    /** Lower end of the variant's confidence sequence (each group's is at {@code 1 - (1 - confidence) / 2}). */
    public double variantLower() {
        return variantLower;
    }

    public double variantUpper() {
        return variantUpper;
    }

    public double controlLower() {
        return controlLower;
    }

    public double controlUpper() {
        return controlUpper;
    }

    /**
     * The smallest relative harm consistent with both sequences: for {@code lower},
     * {@code variantLower / controlUpper - 1}; for {@code higher}, {@code 1 - variantUpper / controlLower}. The
     * variant is harmful when this exceeds {@link #maxRelativeHarm()}. May be negative (no evidence of harm), or
     * {@code -Infinity}/{@code NaN} when a bound is 0.
     */
    public double harmLowerBound() {
        return harmLowerBound;
    }

    public double maxRelativeHarm() {
        return maxRelativeHarm;
    }

    public double confidence() {
        return confidence;
    }

    public GuardrailDirection direction() {
        return direction;
    }

    public boolean harmful() {
        return harmful;
    }

    @Override
    public String toString() {
        return "harmful=" + harmful + " direction=" + direction.wireName() + " maxRelativeHarm=" + maxRelativeHarm
            + " confidence=" + confidence + " variant=" + variantEvents + "/" + variantDecisions
            + " [" + variantLower + ", " + variantUpper + "] control=" + controlEvents + "/" + controlDecisions
            + " [" + controlLower + ", " + controlUpper + "] harmLowerBound=" + harmLowerBound;
    }
}
