package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The win-rate curves' isotonic fit (pool-adjacent-violators) against the textbook min-max formula of weighted
 * isotonic regression, {@code fit_i = max_{j <= i} min_{k >= i} mean(j..k)} (weighted means over the points of
 * positive weight), on seeded random inputs with ties, zero weights and long decreasing runs.
 */
class IsotonicFitTest {
    private static double[] minMax(double[] value, double[] weight) {
        final int n = value.length;
        final double[] fit = new double[n];
        double carried = 0;
        boolean seen = false;
        for (int i = 0; i < n; i++) {
            if (weight[i] <= 0) {
                fit[i] = seen ? carried : 0.0;
                continue;
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                double lowest = Double.POSITIVE_INFINITY;
                for (int k = i; k < n; k++) {
                    double sum = 0;
                    double mass = 0;
                    for (int t = j; t <= k; t++) {
                        sum += value[t] * weight[t];
                        mass += weight[t];
                    }
                    if (mass > 0 && weight[j] > 0 && weight[k] > 0) {
                        lowest = Math.min(lowest, sum / mass);
                    }
                }
                if (weight[j] > 0) {
                    best = Math.max(best, lowest);
                }
            }
            fit[i] = best;
            carried = best;
            seen = true;
        }
        return fit;
    }

    @Test
    void aKnownCase() {
        final double[] fit = WinRateCurve.isotonic(new double[] {0.1, 0.5, 0.3, 0.9, 0.0, 0.8},
            new double[] {1, 1, 1, 0, 2, 2});
        assertArrayEquals(new double[] {0.1, 0.2, 0.2, 0.2, 0.2, 0.8}, fit, 1e-12);
    }

    @Test
    void matchesTheMinMaxFormulaOnRandomInputs() {
        final long seed = 20261123L;
        final SplittableRandom rng = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            final int n = 1 + rng.nextInt(24);
            final double[] value = new double[n];
            final double[] weight = new double[n];
            for (int i = 0; i < n; i++) {
                value[i] = rng.nextInt(4) == 0 ? 0.5 : rng.nextDouble(); // ties too
                weight[i] = rng.nextInt(5) == 0 ? 0 : 1 + rng.nextInt(50);
            }
            final double[] expected = minMax(value, weight);
            final double[] fit = WinRateCurve.isotonic(value, weight);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], fit[i], 1e-9, "seed " + seed + ", round " + round + ", index " + i);
                if (i > 0) {
                    assertTrue(fit[i] >= fit[i - 1], "non-decreasing, seed " + seed + ", round " + round);
                }
            }
        }
    }
}
