package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.util.Arrays;

/**
 * The online Poisson bootstrap (Oza and Russell 2001; Chamandy et al. 2012): instead of resampling the log, every row
 * enters each of {@code B} replicates with an independent Poisson(1) multiplicity, so the replicates are built in
 * the same single pass as the estimate, in {@code O(B)} memory whatever the log's length. As the log grows this is
 * equivalent to the multinomial bootstrap.
 *
 * <p>Drawing the multiplicities is most of the bootstrap's cost per row, so they come from 8 random bits each, eight
 * per 64-bit draw, through a 256-entry table: Poisson(1) rounded to multiples of 1/256 so that the mean and the
 * variance stay exactly 1 (what the bootstrap's variance rests on; the ratio estimators cancel the scale anyway),
 * with third central moment 0.98 (Poisson: 1) and no multiplicity above 5 (Poisson: probability 6e-4). A 16-bit
 * table of bytes, four multiplicities per draw, took about twice as long.
 */
final class PoissonBootstrap {
    /** Table entries for multiplicities 0..5, of 256 (Poisson(1) x 256: 94.2, 94.2, 47.1, 15.7, 3.9, 0.9). */
    private static final int[] COUNTS = {94, 95, 46, 16, 4, 1};
    private static final double[] TABLE = table();

    private PoissonBootstrap() {
    }

    private static double[] table() {
        final double[] t = new double[256];
        int i = 0;
        for (int k = 0; k < COUNTS.length; k++) {
            for (int c = 0; c < COUNTS[k]; c++) {
                t[i++] = k;
            }
        }
        return t;
    }

    /** Writes {@code n} independent multiplicities (mean 1, variance 1) into {@code into}; {@code into.length >= n}. */
    static void draw(Xoroshiro128PlusPlus rng, double[] into, int n) {
        final double[] t = TABLE;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            final long bits = rng.nextLong();
            into[i] = t[(int) bits & 0xFF];
            into[i + 1] = t[(int) (bits >>> 8) & 0xFF];
            into[i + 2] = t[(int) (bits >>> 16) & 0xFF];
            into[i + 3] = t[(int) (bits >>> 24) & 0xFF];
            into[i + 4] = t[(int) (bits >>> 32) & 0xFF];
            into[i + 5] = t[(int) (bits >>> 40) & 0xFF];
            into[i + 6] = t[(int) (bits >>> 48) & 0xFF];
            into[i + 7] = t[(int) (bits >>> 56) & 0xFF];
        }
        if (i < n) {
            long bits = rng.nextLong();
            for (; i < n; i++) {
                into[i] = t[(int) bits & 0xFF];
                bits >>>= 8;
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
