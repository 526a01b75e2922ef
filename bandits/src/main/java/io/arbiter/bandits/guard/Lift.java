package io.arbiter.bandits.guard;

/**
 * The lift of the bandit-served (treatment) group over the holdout group: the issue's {@code lift} answer without the
 * counts the server already has. Absolute lift is {@code treatmentMean - holdoutMean}; relative lift is
 * {@code treatmentMean / holdoutMean - 1}. Estimates are the observed means' difference and ratio; the intervals are
 * central 95% posterior (credible) intervals; {@code probabilityPositive} is the posterior probability that the
 * treatment's mean exceeds the holdout's. A value that cannot be computed (no data, or a relative lift whose holdout
 * mean may be zero or negative) is {@code NaN}.
 *
 * @param treatmentMean       observed mean reward of the treatment group (successes / decisions, or sum / n)
 * @param holdoutMean         observed mean reward of the holdout group
 * @param absolute            {@code treatmentMean - holdoutMean}
 * @param absoluteLower       lower end of the 95% credible interval of the absolute lift
 * @param absoluteUpper       upper end of it
 * @param relative            {@code treatmentMean / holdoutMean - 1}
 * @param relativeLower       lower end of the 95% credible interval of the relative lift
 * @param relativeUpper       upper end of it
 * @param probabilityPositive posterior probability that the absolute lift is above 0
 */
public record Lift(double treatmentMean, double holdoutMean, double absolute, double absoluteLower,
                   double absoluteUpper, double relative, double relativeLower, double relativeUpper,
                   double probabilityPositive) {

    /** Whether there was enough data for intervals (both groups have decisions; two or more for Gaussian rewards). */
    public boolean defined() {
        return !Double.isNaN(absoluteLower);
    }

    /** Whether the 95% interval of the absolute lift contains {@code lift}. */
    public boolean absoluteCovers(double lift) {
        return absoluteLower <= lift && lift <= absoluteUpper;
    }

    /** Whether the 95% interval of the relative lift contains {@code lift}. */
    public boolean relativeCovers(double lift) {
        return relativeLower <= lift && lift <= relativeUpper;
    }
}
