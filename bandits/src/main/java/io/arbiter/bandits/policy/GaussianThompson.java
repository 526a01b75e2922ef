package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.table.DecayedSums;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * Thompson sampling for real-valued rewards (revenue) with unknown mean and variance: a Normal-Gamma prior
 * NG(mu0, kappa0, a0, b0) on (mean, precision), updated from the count n, sum and sum of squares. A draw samples the
 * precision {@code tau ~ Gamma(a_n, rate b_n)} then the mean {@code mu ~ N(mu_n, 1 / (kappa_n tau))}, where
 * <pre>
 *   kappa_n = kappa0 + n,  mu_n = (kappa0 mu0 + n xbar) / kappa_n,  a_n = a0 + n / 2,
 *   b_n = b0 + (S2 - n xbar^2) / 2 + kappa0 n (xbar - mu0)^2 / (2 kappa_n)
 * </pre>
 * With a half-life, n, the sum and the sum of squares are the decayed ones.
 */
public final class GaussianThompson extends ThompsonPolicy {
    private final double mu0;
    private final double kappa0;
    private final double a0;
    private final double b0;

    /**
     * @param mu0             prior mean of the reward, finite
     * @param kappa0          pseudo-observations behind {@code mu0}, finite and above 0
     * @param a0              shape of the prior on the precision, finite and above 0
     * @param b0              rate of the prior on the precision, finite and above 0
     * @param halfLifeMillis  0 for no discounting, or the half-life in milliseconds, 1,000 or more
     * @param propensityDraws joint draws per propensity estimate, 1 or more
     */
    public GaussianThompson(double mu0, double kappa0, double a0, double b0, long halfLifeMillis,
                            int propensityDraws) {
        super(halfLifeMillis, propensityDraws);
        if (!Double.isFinite(mu0) || !(kappa0 > 0) || !(a0 > 0) || !(b0 > 0)
            || !Double.isFinite(kappa0) || !Double.isFinite(a0) || !Double.isFinite(b0)) {
            throw new IllegalArgumentException(
                    "Normal-Gamma prior needs finite mu0 and positive finite kappa0, a0, b0");
        }
        this.mu0 = mu0;
        this.kappa0 = kappa0;
        this.a0 = a0;
        this.b0 = b0;
    }

    /** A weak prior centred on 0: NG(0, 0.01, 1, 1). */
    public GaussianThompson() {
        this(0.0, 0.01, 1.0, 1.0, 0, DEFAULT_PROPENSITY_DRAWS);
    }

    @Override
    protected double sample(PosteriorTable table, int arm, Workspace workspace, long nowMillis) {
        final double n;
        final double sum;
        final double squares;
        if (halfLifeMillis() == 0) {
            n = table.trials(arm);
            sum = table.rewardSum(arm);
            squares = table.rewardSquareSum(arm);
        } else {
            final DecayedSums d = workspace.decayed;
            table.readDecayed(arm, nowMillis, halfLifeMillis(), d);
            n = d.weight();
            sum = d.rewardSum();
            squares = d.rewardSquareSum();
        }
        return sampleStatistics(n, sum, squares, workspace, arm);
    }

    @Override
    public boolean countsSuccesses() {
        return false;
    }

    @Override
    public double sampleStatistics(double weight, double rewardSum, double squareSum, Workspace workspace,
                                   int memoSlot) {
        final double n = weight;
        final double kappaN = kappa0 + n;
        final double mean = n > 0 ? rewardSum / n : 0.0;
        final double muN = (kappa0 * mu0 + rewardSum) / kappaN;
        final double aN = a0 + 0.5 * n;
        final double centred = Math.max(0.0, squareSum - n * mean * mean);
        final double bN = b0 + 0.5 * centred + kappa0 * n * (mean - mu0) * (mean - mu0) / (2.0 * kappaN);
        final double precision = Samplers.gamma(workspace.rng(), aN) / bN;
        return muN + Samplers.normal(workspace.rng()) / Math.sqrt(kappaN * precision);
    }

    @Override
    public double meanOfStatistics(double weight, double rewardSum, double squareSum) {
        return (kappa0 * mu0 + rewardSum) / (kappa0 + weight);
    }

    @Override
    public double posteriorMean(PosteriorTable table, int arm, Workspace workspace, long nowMillis) {
        final double n;
        final double sum;
        if (halfLifeMillis() == 0) {
            n = table.trials(arm);
            sum = table.rewardSum(arm);
        } else {
            final DecayedSums d = workspace.decayed;
            table.readDecayed(arm, nowMillis, halfLifeMillis(), d);
            n = d.weight();
            sum = d.rewardSum();
        }
        return (kappa0 * mu0 + sum) / (kappa0 + n);
    }

    @Override
    public String name() {
        return halfLifeMillis() == 0 ? "gaussian-thompson" : "gaussian-thompson-discounted";
    }
}
