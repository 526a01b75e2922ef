package io.arbiter.bandits.random;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.RealDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Distribution tests of the samplers: sample mean and variance against the exact moments, and a one-sample
 * Kolmogorov-Smirnov test against commons-math3's exact CDF, over a grid that includes shapes below 1 and around 10^6.
 *
 * <p><b>Error rates.</b> Each case draws {@value #N} values. Per case: the KS test fails when its p-value is below
 * {@value #KS_ALPHA}; the mean and variance checks fail beyond {@value #Z} standard errors (two-sided normal tail
 * 5.7e-7 each; the variance's standard error uses the exact excess kurtosis). So a correct sampler fails a case with
 * probability at most about 1e-4 + 2 x 5.7e-7, and the whole grid of 30 cases with probability at most about
 * 0.3% for a fresh seed (union bound). Below shape 0.02 (gamma) or 0.2 (beta) double precision itself
 * makes the KS test inapplicable; see {@link #tinyShapes}. The seeds are fixed, so the suite is deterministic: it
 * either always passes or always fails for a given sampler. {@link #ksTestDetectsAWrongSampler} shows the test has
 * power: a 1% error in a shape parameter fails it.
 */
class SamplersTest {
    static final int N = 20_000;
    static final double KS_ALPHA = 1e-4;
    static final double Z = 5.0;

    @ParameterizedTest(name = "gamma shape={0}")
    @CsvSource({"0.02", "0.05", "0.3", "0.5", "0.999", "1", "1.5", "2.5", "7", "30", "1000", "1e5", "1e6", "3.7e6"})
    void gamma(double shape) {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seedFor(shape, 0));
        final double kurtosis = 6.0 / shape;
        check("gamma(" + shape + ")", () -> Samplers.gamma(rng, shape), new GammaDistribution(shape, 1.0),
            kurtosis);
    }

    @ParameterizedTest(name = "beta a={0} b={1}")
    @CsvSource({"0.2, 0.2", "0.3, 0.5", "0.5, 7", "1, 1", "2, 5", "0.7, 3000", "61, 3940", "500, 2",
        "1e6, 1e6", "1e6, 3e6", "2.5e5, 0.4", "1, 1e6"})
    void beta(double a, double b) {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seedFor(a, b));
        final double s = a + b;
        final double kurtosis = 6.0 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
        check("beta(" + a + ", " + b + ")", () -> Samplers.beta(rng, a, b), new BetaDistribution(null, a, b, 1e-12),
            kurtosis);
    }

    /**
     * Shapes so small that a visible share of the draws rounds to exactly 0 (gamma) or 1 (beta) in double precision:
     * Gamma(0.005) is below {@code Double.MIN_VALUE} with probability 2.4%, Beta(0.05, 0.05) is within one ulp of 1
     * with probability 8%. A KS test against the continuous CDF would reject the rounding, not the sampler
     * (commons-math's own sampler fails it too), so these cases check the moments and the probability of a small
     * interval instead, which exercises the log-space path that keeps such draws from all underflowing.
     */
    @ParameterizedTest(name = "tiny shapes a={0} b={1}")
    @CsvSource({"0.005, 0.005", "0.05, 0.05", "0.01, 2"})
    void tinyShapes(double a, double b) {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seedFor(a, b));
        final int n = 200_000;
        final double threshold = 1e-30;
        final BetaDistribution exactBeta = new BetaDistribution(null, a, b, 1e-15);
        final GammaDistribution exactGamma = new GammaDistribution(null, a, 1.0, 1e-15);
        int betaBelow = 0;
        int gammaBelow = 0;
        double betaSum = 0;
        for (int i = 0; i < n; i++) {
            final double x = Samplers.beta(rng, a, b);
            final double g = Samplers.gamma(rng, a);
            assertTrue(x >= 0.0 && x <= 1.0 && g >= 0.0 && Double.isFinite(g), "out of range: " + x + ", " + g);
            betaBelow += x < threshold ? 1 : 0;
            gammaBelow += g < threshold ? 1 : 0;
            betaSum += x;
        }
        final double betaMean = betaSum / n;
        final double betaMeanSe = Math.sqrt(exactBeta.getNumericalVariance() / n);
        assertTrue(Math.abs(betaMean - exactBeta.getNumericalMean()) < Z * betaMeanSe,
            "beta mean " + betaMean + ", expected " + exactBeta.getNumericalMean());
        assertProportion("P(beta < 1e-30)", betaBelow, n, exactBeta.cumulativeProbability(threshold));
        assertProportion("P(gamma < 1e-30)", gammaBelow, n, exactGamma.cumulativeProbability(threshold));
    }

    private static void assertProportion(String what, int count, int n, double p) {
        final double se = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(count - n * p) < Z * se + 1, what + ": " + count + " of " + n + ", expected " + n * p);
    }

    /** The log-free shortcut in Marsaglia-Tsang must never exceed the exact acceptance threshold. */
    @Test
    void acceptanceShortcutIsALowerBound() {
        for (final double shape : new double[] {1.0, 1.2, 2.0, 5.0, 30.0, 1e3, 1e6}) {
            final double d = shape - 1.0 / 3.0;
            final double c = 1.0 / Math.sqrt(9.0 * d);
            for (double x = -8.0; x <= 8.0; x += 0.001) {
                final double y = c * x;
                if (1.0 + y <= 0.0) {
                    continue;
                }
                final double v = (1.0 + y) * (1.0 + y) * (1.0 + y);
                final double exact = 0.5 * x * x + d * (1.0 - v + Math.log(v));
                final double bound = Samplers.acceptanceLowerBound(d, y, x * x);
                assertTrue(bound <= exact + 1e-12 * (1 + x * x), "shape " + shape + ", x " + x + ": bound " + bound
                    + " > exact " + exact);
                if (shape >= 30 && Math.abs(x) < 4) {
                    assertTrue(exact - bound < 0.01 * (1 + x * x), "the bound should be tight for large shapes");
                }
            }
        }
    }

    @Test
    void standardNormal() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(11);
        check("normal(0, 1)", () -> Samplers.normal(rng), new NormalDistribution(null, 0, 1), 0.0);
    }

    @Test
    void normalWithMeanAndSd() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(12);
        check("normal(3, 0.25)", () -> Samplers.normal(rng, 3.0, 0.25), new NormalDistribution(null, 3, 0.25), 0.0);
    }

    /** The normal's tails (beyond the ziggurat's base layer at 3.44) must have the right mass: 5.76e-4 each side. */
    @Test
    void normalTailMass() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(13);
        final int n = 2_000_000;
        int upper = 0;
        int lower = 0;
        for (int i = 0; i < n; i++) {
            final double x = Samplers.normal(rng);
            upper += x > 3.442619855899 ? 1 : 0;
            lower += x < -3.442619855899 ? 1 : 0;
        }
        final double p = 1.0 - new NormalDistribution(null, 0, 1).cumulativeProbability(3.442619855899);
        final double se = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(upper - n * p) < Z * se, "upper tail count " + upper + ", expected " + n * p);
        assertTrue(Math.abs(lower - n * p) < Z * se, "lower tail count " + lower + ", expected " + n * p);
    }

    @Test
    void ksTestDetectsAWrongSampler() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(99);
        final double[] sample = draw(() -> Samplers.gamma(rng, 50 * 1.01), N * 5);
        final double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new GammaDistribution(50, 1), sample);
        assertTrue(p < KS_ALPHA, "a 1% shape error should be detected, p = " + p);
    }

    @Test
    void betaOfTinyShapesNeverUnderflowsToNaN() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(5);
        for (int i = 0; i < 100_000; i++) {
            final double x = Samplers.beta(rng, 1e-3, 1e-3);
            assertTrue(x >= 0.0 && x <= 1.0, "beta(1e-3, 1e-3) gave " + x);
        }
    }

    private static void check(String what, DoubleSupplier sampler, RealDistribution exact, double excessKurtosis) {
        final double[] sample = draw(sampler, N);
        double sum = 0;
        for (final double x : sample) {
            if (!Double.isFinite(x)) {
                fail(what + " produced " + x);
            }
            sum += x;
        }
        final double mean = sum / N;
        double squares = 0;
        for (final double x : sample) {
            squares += (x - mean) * (x - mean);
        }
        final double variance = squares / (N - 1);
        final double trueMean = exact.getNumericalMean();
        final double trueVariance = exact.getNumericalVariance();
        final double meanSe = Math.sqrt(trueVariance / N);
        final double varianceSe = trueVariance * Math.sqrt(2.0 / (N - 1) + excessKurtosis / N);
        assertTrue(Math.abs(mean - trueMean) < Z * meanSe,
            what + ": mean " + mean + ", expected " + trueMean + " (se " + meanSe + ")");
        assertTrue(Math.abs(variance - trueVariance) < Z * varianceSe,
            what + ": variance " + variance + ", expected " + trueVariance + " (se " + varianceSe + ")");
        final double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(exact, sample);
        assertTrue(p >= KS_ALPHA, what + ": Kolmogorov-Smirnov p-value " + p + " < " + KS_ALPHA);
    }

    private static double[] draw(DoubleSupplier sampler, int n) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.getAsDouble();
        }
        return out;
    }

    private static long seedFor(double a, double b) {
        return SplitMix64.mix(Double.doubleToLongBits(a) * 31 + Double.doubleToLongBits(b));
    }
}
