package io.arbiter.bandits.eval;

/**
 * One estimator's answer for one candidate: the value (expected reward per decision), its 95% interval (bootstrap
 * percentile; NaN without bootstrap replicates or with fewer than two usable ones), the bootstrap standard error, and
 * the range by which missing decision rows may shift the value ({@code [0, 0]} when none are missing).
 *
 * @param value                  the estimate; NaN when the estimator has nothing to go on (no rows, no weight)
 * @param lower                  lower end of the 95% interval
 * @param upper                  upper end of the 95% interval
 * @param standardError          standard deviation of the bootstrap replicates
 * @param missingDecisionShiftLow  most negative shift from missing decision rows (see docs/evaluation.md)
 * @param missingDecisionShiftHigh most positive shift from missing decision rows
 */
public record Estimate(double value, double lower, double upper, double standardError,
                       double missingDecisionShiftLow, double missingDecisionShiftHigh) {

    /** Whether the 95% interval contains {@code v}. */
    public boolean covers(double v) {
        return lower <= v && v <= upper;
    }
}
