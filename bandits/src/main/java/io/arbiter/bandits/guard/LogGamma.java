package io.arbiter.bandits.guard;

/**
 * The logarithm of the Gamma function for positive arguments, allocation-free: Stirling's series to the x<sup>-9</sup>
 * term for x &ge; 10 (truncation error below 2&middot;10<sup>-14</sup> there, shrinking as x<sup>-11</sup>), and the
 * recurrence {@code lnGamma(x) = lnGamma(x + m) - ln(x (x + 1) ... (x + m - 1))} below it. Accurate to about
 * 10<sup>-12</sup> absolute over (0, 10<sup>15</sup>] ({@code LogGammaTest} compares it with commons-math3), which is
 * far below what the confidence sequences built on it can notice (their thresholds are of order 1).
 */
public final class LogGamma {
    private static final double HALF_LN_TWO_PI = 0.5 * Math.log(2.0 * Math.PI);
    private static final double STIRLING_FROM = 10.0;

    private LogGamma() {
    }

    /**
     * @param x the argument, finite and &gt; 0
     * @return {@code ln Gamma(x)}
     */
    public static double lnGamma(double x) {
        if (!(x > 0.0) || x == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("lnGamma needs a finite positive argument, was " + x);
        }
        if (x >= STIRLING_FROM) {
            return stirling(x);
        }
        double shifted = x;
        double product = 1.0;
        while (shifted < STIRLING_FROM) {
            product *= shifted;
            shifted += 1.0;
        }
        return stirling(shifted) - Math.log(product);
    }

    /**
     * {@code lnGamma(x) - ((x - 0.5) ln x - x + 0.5 ln(2 pi))}: what Stirling's formula leaves out, about
     * {@code 1 / (12 x)}. Computed from the series itself for large {@code x}, so expressions such as
     * {@code x ln x - x - lnGamma(x)} can be evaluated without cancelling two numbers of size {@code x ln x}.
     *
     * @param x the argument, finite and &gt; 0
     */
    public static double stirlingRemainder(double x) {
        if (x >= STIRLING_FROM) {
            return series(x);
        }
        return lnGamma(x) - ((x - 0.5) * Math.log(x) - x + HALF_LN_TWO_PI);
    }

    private static double stirling(double x) {
        return (x - 0.5) * Math.log(x) - x + HALF_LN_TWO_PI + series(x);
    }

    private static double series(double x) {
        final double inverse = 1.0 / x;
        final double inverse2 = inverse * inverse;
        return inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260
            - inverse2 * (1.0 / 1680 - inverse2 * (1.0 / 1188)))));
    }
}
