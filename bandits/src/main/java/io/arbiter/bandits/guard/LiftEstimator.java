package io.arbiter.bandits.guard;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.util.Arrays;

/**
 * Computes a {@link Lift} from the treatment group's and the holdout group's counts by Monte Carlo from the two
 * posteriors: {@code draws} joint draws of the two group means, whose differences and ratios give the credible
 * intervals (their 2.5% and 97.5% quantiles) and the probability that the lift is positive.
 *
 * <ul>
 *   <li><b>Bernoulli</b> rewards (a decision converts or not): each group's rate has the posterior
 *       {@code Beta(1 + successes, 1 + decisions - successes)} (a uniform prior).</li>
 *   <li><b>Gaussian</b> rewards (revenue, time on page): each group's mean has the posterior of the normal model under
 *       the reference prior {@code p(mu, sigma^2) ~ 1 / sigma^2}: {@code mean + s / sqrt(n) * t(n - 1)}, a Student t
 *       with the sample standard deviation {@code s}. For means of many rewards this is accurate whatever the
 *       rewards' distribution (the central limit theorem; {@code LiftEstimatorTest} includes zero-inflated
 *       revenue). Decisions that were never rewarded count as rewards of 0: pass the number of decisions as
 *       {@code n} (they add nothing to the sums).</li>
 * </ul>
 *
 * <p><b>Accuracy.</b> The Monte-Carlo standard error of {@code probabilityPositive} is at most
 * {@code 0.5 / sqrt(draws)} (0.005 at the default 10,000 draws); that of an interval end (a 2.5% quantile of
 * {@code draws} draws) is about {@code 2.7 / sqrt(draws)} posterior standard deviations for a near-normal posterior,
 * 0.7% of the interval's width at 10,000 draws. <b>Seeded:</b> every call restarts
 * the generator from the estimator's seed, so the same counts always give the same answer (a dashboard that
 * refreshes does not flicker).
 *
 * <p><b>Cost and memory.</b> For the admin path, not the decision path: two arrays of {@code draws} doubles, made once
 * (160 KB at the default), and per call one generator object and the result; about 2 ms per call at 10,000 draws
 * (the draws and two sorts). <b>Single writer</b>: not thread-safe; one per thread, or one per request.
 */
public final class LiftEstimator {
    /** Default joint posterior draws per estimate. */
    public static final int DEFAULT_DRAWS = 10_000;
    private static final double LOWER_QUANTILE = 0.025;
    private static final double UPPER_QUANTILE = 0.975;

    private final long seed;
    private final double[] differences;
    private final double[] ratios;

    /**
     * @param draws joint posterior draws per estimate, at least 100 (the error falls as {@code 1 / sqrt(draws)})
     * @param seed  seed of the generator each call restarts from
     */
    public LiftEstimator(int draws, long seed) {
        if (draws < 100) {
            throw new IllegalArgumentException("draws must be at least 100, was " + draws);
        }
        this.seed = seed;
        this.differences = new double[draws];
        this.ratios = new double[draws];
    }

    /** {@value #DEFAULT_DRAWS} draws, a fixed seed. */
    public LiftEstimator() {
        this(DEFAULT_DRAWS, 0x5EED_11F7L);
    }

    /**
     * Lift of 0/1 rewards.
     *
     * @param treatmentDecisions decisions of the bandit-served group, &ge; 0
     * @param treatmentSuccesses rewards of 1 among them, &ge; 0 (more than the decisions is read as the decisions)
     * @param holdoutDecisions   decisions of the holdout group, &ge; 0
     * @param holdoutSuccesses   rewards of 1 among them, &ge; 0
     * @return the lift; all {@code NaN} but the means if a group has no decisions
     */
    public Lift bernoulli(long treatmentDecisions, long treatmentSuccesses, long holdoutDecisions,
                          long holdoutSuccesses) {
        checkCount(treatmentDecisions, "treatmentDecisions");
        checkCount(treatmentSuccesses, "treatmentSuccesses");
        checkCount(holdoutDecisions, "holdoutDecisions");
        checkCount(holdoutSuccesses, "holdoutSuccesses");
        final long ts = Math.min(treatmentSuccesses, treatmentDecisions);
        final long hs = Math.min(holdoutSuccesses, holdoutDecisions);
        final double treatmentMean = treatmentDecisions == 0 ? Double.NaN : (double) ts / treatmentDecisions;
        final double holdoutMean = holdoutDecisions == 0 ? Double.NaN : (double) hs / holdoutDecisions;
        if (treatmentDecisions == 0 || holdoutDecisions == 0) {
            return undefined(treatmentMean, holdoutMean);
        }
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        final double ta = 1.0 + ts;
        final double tb = 1.0 + (treatmentDecisions - ts);
        final double ha = 1.0 + hs;
        final double hb = 1.0 + (holdoutDecisions - hs);
        int positive = 0;
        for (int i = 0; i < differences.length; i++) {
            final double treatment = Samplers.beta(rng, ta, tb);
            final double holdout = Samplers.beta(rng, ha, hb);
            differences[i] = treatment - holdout;
            ratios[i] = treatment / holdout - 1.0;
            positive += treatment > holdout ? 1 : 0;
        }
        return summarise(treatmentMean, holdoutMean, positive, 0);
    }

    /**
     * Lift of real-valued rewards, from each group's count, sum and sum of squares.
     *
     * @param treatmentN          rewards (or decisions, unrewarded ones counting as 0) of the treatment group, &ge; 0
     * @param treatmentSum        their sum, finite
     * @param treatmentSquareSum  the sum of their squares, finite and &ge; 0
     * @param holdoutN            the same for the holdout group
     * @param holdoutSum          their sum
     * @param holdoutSquareSum    the sum of their squares
     * @return the lift; all {@code NaN} but the means if a group has fewer than 2 rewards; the relative lift
     *         {@code NaN} if more than 2.5% of the holdout mean's posterior lies at or below 0 (a ratio to a mean
     *         that may be 0 or negative has no useful interval)
     */
    public Lift gaussian(long treatmentN, double treatmentSum, double treatmentSquareSum, long holdoutN,
                         double holdoutSum, double holdoutSquareSum) {
        checkCount(treatmentN, "treatmentN");
        checkCount(holdoutN, "holdoutN");
        checkSums(treatmentSum, treatmentSquareSum, "treatment");
        checkSums(holdoutSum, holdoutSquareSum, "holdout");
        final double treatmentMean = treatmentN == 0 ? Double.NaN : treatmentSum / treatmentN;
        final double holdoutMean = holdoutN == 0 ? Double.NaN : holdoutSum / holdoutN;
        if (treatmentN < 2 || holdoutN < 2) {
            return undefined(treatmentMean, holdoutMean);
        }
        final double treatmentScale = standardError(treatmentN, treatmentMean, treatmentSquareSum);
        final double holdoutScale = standardError(holdoutN, holdoutMean, holdoutSquareSum);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        int positive = 0;
        int holdoutNotPositive = 0;
        for (int i = 0; i < differences.length; i++) {
            final double treatment = treatmentMean + treatmentScale * studentT(rng, treatmentN - 1);
            final double holdout = holdoutMean + holdoutScale * studentT(rng, holdoutN - 1);
            differences[i] = treatment - holdout;
            ratios[i] = treatment / holdout - 1.0;
            positive += treatment > holdout ? 1 : 0;
            holdoutNotPositive += holdout <= 0.0 ? 1 : 0;
        }
        return summarise(treatmentMean, holdoutMean, positive, holdoutNotPositive);
    }

    private Lift summarise(double treatmentMean, double holdoutMean, int positive, int holdoutNotPositive) {
        final int draws = differences.length;
        Arrays.sort(differences);
        final boolean ratioDefined = holdoutNotPositive <= LOWER_QUANTILE * draws && holdoutMean > 0.0;
        double relativeLower = Double.NaN;
        double relativeUpper = Double.NaN;
        if (ratioDefined) {
            Arrays.sort(ratios);
            relativeLower = quantile(ratios, LOWER_QUANTILE);
            relativeUpper = quantile(ratios, UPPER_QUANTILE);
        }
        return new Lift(treatmentMean, holdoutMean, treatmentMean - holdoutMean, quantile(differences, LOWER_QUANTILE),
            quantile(differences, UPPER_QUANTILE), ratioDefined ? treatmentMean / holdoutMean - 1.0 : Double.NaN,
            relativeLower, relativeUpper, (double) positive / draws);
    }

    private static Lift undefined(double treatmentMean, double holdoutMean) {
        return new Lift(treatmentMean, holdoutMean, treatmentMean - holdoutMean, Double.NaN, Double.NaN,
            holdoutMean > 0.0 ? treatmentMean / holdoutMean - 1.0 : Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /** The sample standard deviation over sqrt(n), from the sums; a negative variance from rounding reads as 0. */
    private static double standardError(long n, double mean, double squareSum) {
        final double variance = Math.max(0.0, (squareSum - n * mean * mean) / (n - 1));
        return Math.sqrt(variance / n);
    }

    /** A Student t draw with {@code dof} degrees of freedom: {@code Z / sqrt(V / dof)}, {@code V ~ chi^2(dof)}. */
    private static double studentT(Xoroshiro128PlusPlus rng, long dof) {
        final double chiSquare = 2.0 * Samplers.gamma(rng, 0.5 * dof);
        return Samplers.normal(rng) / Math.sqrt(chiSquare / dof);
    }

    /** The {@code q} quantile of sorted values, interpolating between order statistics. */
    static double quantile(double[] sorted, double q) {
        final double position = q * (sorted.length - 1);
        final int below = (int) position;
        final int above = Math.min(below + 1, sorted.length - 1);
        final double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    private static void checkCount(long count, String name) {
        if (count < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + count);
        }
    }

    private static void checkSums(double sum, double squareSum, String group) {
        if (!Double.isFinite(sum) || !Double.isFinite(squareSum) || squareSum < 0.0) {
            throw new IllegalArgumentException(group + " sums must be finite (and the square sum >= 0), were "
                + sum + ", " + squareSum);
        }
    }
}
