package io.arbiter.bandits.guard;

import java.util.Arrays;

/**
 * An experiment's allocation bounds: for each variant (in definition order) the least and the most probability with
 * which a decision may answer it ({@code "minShare"} for all, or per variant {@code "shares": {"A": {"min": 0.2}}}).
 * Immutable and shared; validated once, at definition time ({@link #problem}).
 *
 * <p>A set of bounds is <em>feasible</em> when every bound is in [0, 1], each variant's min is at most its max, the
 * mins sum to at most 1 and the maxes to at least 1. Removing variants (per-request eligibility, suspension,
 * retirement) keeps the mins feasible but may leave maxes that cannot hold (a single eligible variant with max 0.5):
 * {@link ShareAllocator} then raises the eligible maxes in proportion until they sum to 1 and reports it.
 */
public final class ShareBounds {
    /** Tolerance for sums of shares written as decimals (0.1 + 0.2 + 0.7 is not exactly 1 in binary). */
    static final double SUM_TOLERANCE = 1e-9;

    private final double[] min;
    private final double[] max;
    private final boolean unbounded;

    private ShareBounds(double[] min, double[] max) {
        this.min = min;
        this.max = max;
        boolean none = true;
        for (int i = 0; i < min.length; i++) {
            none &= min[i] == 0.0 && max[i] == 1.0;
        }
        this.unbounded = none;
    }

    /**
     * The first reason these bounds cannot be met, or {@code null} if they can.
     *
     * @param min per-variant minimum shares (definition order); {@code null} means all 0
     * @param max per-variant maximum shares; {@code null} means all 1; same length as {@code min} when both given
     */
    public static BoundsProblem problem(double[] min, double[] max) {
        final int n = min != null ? min.length : max != null ? max.length : 0;
        if (n == 0 || (min != null && max != null && min.length != max.length)) {
            return new BoundsProblem(-1, "shares", "bounds need one min and one max per variant");
        }
        double minSum = 0.0;
        double maxSum = 0.0;
        for (int i = 0; i < n; i++) {
            final double lo = min == null ? 0.0 : min[i];
            final double hi = max == null ? 1.0 : max[i];
            if (!(lo >= 0.0 && lo <= 1.0)) {
                return new BoundsProblem(i, "min", "min must be between 0 and 1, was " + lo);
            }
            if (!(hi >= 0.0 && hi <= 1.0)) {
                return new BoundsProblem(i, "max", "max must be between 0 and 1, was " + hi);
            }
            if (lo > hi) {
                return new BoundsProblem(i, "min", "min " + lo + " is above max " + hi);
            }
            minSum += lo;
            maxSum += hi;
        }
        if (minSum > 1.0 + SUM_TOLERANCE) {
            return new BoundsProblem(-1, "shares", "the minimum shares sum to " + minSum + ", above 1");
        }
        if (maxSum < 1.0 - SUM_TOLERANCE) {
            return new BoundsProblem(-1, "shares", "the maximum shares sum to " + maxSum + ", below 1");
        }
        return null;
    }

    /**
     * Per-variant bounds.
     *
     * @throws IllegalArgumentException with the {@link #problem} message if they are infeasible
     */
    public static ShareBounds of(double[] min, double[] max) {
        final BoundsProblem problem = problem(min, max);
        if (problem != null) {
            throw new IllegalArgumentException(problem.field()
                + (problem.variant() >= 0 ? " of variant " + problem.variant() : "") + ": " + problem.message());
        }
        final int n = min != null ? min.length : max.length;
        final double[] lo = min == null ? new double[n] : min.clone();
        final double[] hi = max == null ? filled(n, 1.0) : max.clone();
        return new ShareBounds(lo, hi);
    }

    /**
     * The same minimum share for every variant (the definition's {@code "minShare"}).
     *
     * @param variants number of variants, &ge; 1
     * @param minShare in [0, 1 / variants]
     */
    public static ShareBounds minShare(int variants, double minShare) {
        if (variants < 1) {
            throw new IllegalArgumentException("variants must be at least 1, was " + variants);
        }
        return of(filled(variants, minShare), null);
    }

    /** No bounds: every share in [0, 1]. */
    public static ShareBounds unbounded(int variants) {
        return minShare(variants, 0.0);
    }

    private static double[] filled(int n, double value) {
        final double[] values = new double[n];
        Arrays.fill(values, value);
        return values;
    }

    public int variants() {
        return min.length;
    }

    /** The minimum share of the variant at definition position {@code variant}. */
    public double min(int variant) {
        return min[variant];
    }

    /** The maximum share of the variant at definition position {@code variant}. */
    public double max(int variant) {
        return max[variant];
    }

    /** Whether no variant has a bound (every min 0 and every max 1): the allocation is the bandit's own. */
    public boolean isUnbounded() {
        return unbounded;
    }
}
