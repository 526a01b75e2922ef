package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.util.Arrays;

/**
 * The online Poisson bootstrap (Oza and Russell 2001; Chamandy et al. 2012): instead of resampling the log, every row
 * enters each of {@code B} replicates with an independent Poisson(1) multiplicity, so the replicates are built in
 * the same single pass as the estimate, in {@code O(B)} memory whatever the log's length. As the log grows this is
 * equivalent to the multinomial bootstrap.
 *
 * <p>Multiplicities come from a 2^16-entry inverse-CDF table, four per 64-bit draw: each probability is rounded to
 * a multiple of 2^-16 (the mean multiplicity is 1 within 2^-16, the tail beyond 7, probability 1e-5, is cut),
 * far below the resolution of a bootstrap with hundreds of replicates.
 */
final class PoissonBootstrap {
    private static final byte[] TABLE = table();

    private PoissonBootstrap() {
    }

    private static byte[] table() {
        final byte[] t = new byte[1 << 16];
        double p = Math.exp(-1.0);
        double cdf = p;
        int k = 0;
        for (int i = 0; i < t.length; i++) {
            final double u = (i + 0.5) / t.length;
            while (u > cdf && k < 127) {
                k++;
                p /= k;
                cdf += p;
            }
            t[i] = (byte) k;
        }
        return t;
    }

    /** Writes {@code n} independent Poisson(1) multiplicities into {@code into}; {@code into.length >= n}. */
    static void draw(Xoroshiro128PlusPlus rng, double[] into, int n) {
        int i = 0;
        while (i < n) {
            long bits = rng.nextLong();
            for (int j = 0; j < 4 && i < n; j++, i++) {
                into[i] = TABLE[(int) bits & 0xFFFF];
                bits >>>= 16;
            }
        }
    }

    /**
     * Percentile interval of the replicate estimates {@code numerator[b] / denominator[b]} over the replicates with a
     * positive denominator, written as {@code {lower, upper, standard deviation}} into {@code out}; NaNs when fewer
     * than two replicates count.
     *
     * @param level two-sided coverage, in (0, 1)
     */
    static void interval(double[] numerator, double[] denominator, int replicates, double level, double[] out) {
        final double[] estimates = new double[replicates];
        int m = 0;
        for (int b = 0; b < replicates; b++) {
            if (denominator[b] > 0) {
                estimates[m++] = numerator[b] / denominator[b];
            }
        }
        if (m < 2) {
            out[0] = Double.NaN;
            out[1] = Double.NaN;
            out[2] = Double.NaN;
            return;
        }
        Arrays.sort(estimates, 0, m);
        out[0] = quantile(estimates, m, (1 - level) / 2);
        out[1] = quantile(estimates, m, 1 - (1 - level) / 2);
        double mean = 0;
        for (int b = 0; b < m; b++) {
            mean += estimates[b];
        }
        mean /= m;
        double ss = 0;
        for (int b = 0; b < m; b++) {
            ss += (estimates[b] - mean) * (estimates[b] - mean);
        }
        out[2] = Math.sqrt(ss / (m - 1));
    }

    /** Hyndman and Fan's type 7 (linear interpolation between order statistics) on the sorted {@code x[0..m)}. */
    static double quantile(double[] x, int m, double q) {
        final double h = (m - 1) * q;
        final int lo = (int) Math.floor(h);
        final int hi = Math.min(lo + 1, m - 1);
        return x[lo] + (h - lo) * (x[hi] - x[lo]);
    }
}
