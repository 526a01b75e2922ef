package io.arbiter.bandits.linear;

import io.arbiter.bandits.policy.EligibleSet;

/**
 * The probability that one of several independent Gaussian scores is the largest: the propensity of linear Thompson
 * sampling, whose scores {@code s_j ~ N(m_j, sd_j^2)} are independent given the features.
 *
 * <p>{@code P(k is max) = E[prod_{j != k} Phi((m_k + sd_k Z - m_j) / sd_j)]}, {@code Z ~ N(0, 1)}. Substituting
 * {@code Z = Phi^-1(v)} makes it {@code integral_0^1 g(v) dv} with {@code g} increasing from 0 to at most 1; the
 * midpoint rule on {@value #NODES} equal-probability cells ({@code v_q = (q + 1/2) / Q}) then errs by at most
 * {@code 1 / (2Q)} = 0.0039 (Koksma–Hlawka: {@code g} has variation at most 1 and the midpoints have star
 * discrepancy {@code 1/(2Q)}), whatever the means and spreads; for smooth {@code g} the error is far smaller (second
 * order). {@link #phi} is a cubic Hermite interpolation of a table of {@code Phi} and {@code phi} at steps of 1/32
 * on [-8.5, 8.5] (error below 2·10<sup>-9</sup>, within 10<sup>-17</sup> of 0 or 1 beyond). Cost: at most
 * {@code Q (|E| - 1)} interpolations (nodes and competitors that cannot change the product are skipped), 5-10 µs
 * for 10 close eligible variants (docs/BENCHMARKS.md, series L). Results below {@value #FLOOR} are reported as
 * {@value #FLOOR}: never 0 for a variant that can be chosen.
 */
public final class GaussianMaxProbability {
    /** Quadrature nodes Q. */
    public static final int NODES = 128;
    /** Smallest probability reported. */
    public static final double FLOOR = 1e-9;
    /** The stated bound on the quadrature error of one probability, {@code 1 / (2Q)}. */
    public static final double ERROR_BOUND = 0.5 / NODES;

    private static final double RANGE = 8.5;
    private static final int STEPS_PER_UNIT = 32;
    private static final double H = 1.0 / STEPS_PER_UNIT;
    private static final int INTERVALS = (int) (2 * RANGE * STEPS_PER_UNIT);
    /** The largest table coordinate used: just inside the last interval, so {@code i + 1} stays in the table. */
    private static final double LAST_CELL = INTERVALS - 1e-9;
    private static final double[] CDF = new double[INTERVALS + 1];
    private static final double[] PDF = new double[INTERVALS + 1];
    private static final double[] Z = new double[NODES];
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);
    // 5-point Gauss-Legendre on [-1, 1]; declared before the static block that uses them.
    private static final double[] GL_NODES = {0.0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640,
        0.9061798459386640};
    private static final double[] GL_WEIGHTS = {0.5688888888888889, 0.4786286704993665, 0.4786286704993665,
        0.2369268850561891, 0.2369268850561891};

    static {
        for (int i = 0; i <= INTERVALS; i++) {
            PDF[i] = density(-RANGE + i * H);
        }
        // Phi at the nodes: the tail expansion at -8.5, then 5-point Gauss-Legendre over each step (exact to
        // rounding for this smooth integrand), mirrored for the upper half so both tails keep their accuracy.
        CDF[0] = lowerTail(-RANGE);
        final int middle = INTERVALS / 2;
        for (int i = 1; i <= middle; i++) {
            CDF[i] = CDF[i - 1] + integral(-RANGE + (i - 1) * H, H);
        }
        CDF[middle] = 0.5;
        for (int i = middle + 1; i <= INTERVALS; i++) {
            CDF[i] = 1.0 - CDF[INTERVALS - i];
        }
        for (int q = 0; q < NODES; q++) {
            Z[q] = inverse((q + 0.5) / NODES);
        }
    }

    private GaussianMaxProbability() {
    }

    private static double density(double x) {
        return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** Phi(x) for x far below 0: phi(x) / |x| (1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8). */
    private static double lowerTail(double x) {
        final double r = 1.0 / (x * x);
        return density(x) / -x * (1 - r + 3 * r * r - 15 * r * r * r + 105 * r * r * r * r);
    }

    private static double integral(double from, double width) {
        double sum = 0.0;
        for (int k = 0; k < GL_NODES.length; k++) {
            sum += GL_WEIGHTS[k] * density(from + 0.5 * width * (1 + GL_NODES[k]));
        }
        return 0.5 * width * sum;
    }

    private static double inverse(double p) {
        double lo = -RANGE;
        double hi = RANGE;
        for (int i = 0; i < 80; i++) {
            final double mid = 0.5 * (lo + hi);
            if (phi(mid) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /**
     * The standard normal CDF, absolute error below 2·10<sup>-9</sup>; allocation-free and branch-free (arguments
     * beyond ±8.5 read the table's ends, within 10<sup>-17</sup> of 0 and 1).
     *
     * @param x finite
     */
    public static double phi(double x) {
        final double u = Math.min(Math.max((x + RANGE) * STEPS_PER_UNIT, 0.0), LAST_CELL);
        final int i = (int) u;
        final double t = u - i;
        final double t2 = t * t;
        final double t3 = t2 * t;
        // Cubic Hermite with the known derivative phi: h00, h10, h01, h11 basis.
        return (2 * t3 - 3 * t2 + 1) * CDF[i] + (t3 - 2 * t2 + t) * H * PDF[i]
            + (-2 * t3 + 3 * t2) * CDF[i + 1] + (t3 - t2) * H * PDF[i + 1];
    }

    /**
     * The probability that the score at {@code position} is the largest of the eligible scores
     * {@code N(means[j], spreads[j]^2)}, within {@link #ERROR_BOUND} (plus 2·10<sup>-9</sup> per eligible score).
     * Allocates a scratch array: for tests and reports; the request path uses the overload with a scratch.
     *
     * @param means    per position, finite
     * @param spreads  per position, standard deviations at least 0 (0: a known score)
     * @param eligible the competing positions, containing {@code position}
     * @return a probability in [{@value #FLOOR}, 1]
     */
    public static double probabilityOfMax(double[] means, double[] spreads, EligibleSet eligible, int position) {
        return probabilityOfMax(means, spreads, eligible, position, new double[NODES]);
    }

    /**
     * As {@link #probabilityOfMax(double[], double[], EligibleSet, int)}, allocation-free: {@code scratch} holds the
     * running product at each node. One division per competing score; the inner loop over the nodes is a table
     * lookup and a multiplication.
     *
     * @param scratch at least {@value #NODES} long, overwritten
     */
    public static double probabilityOfMax(double[] means, double[] spreads, EligibleSet eligible, int position,
                                          double[] scratch) {
        final int m = eligible.count();
        if (m == 1) {
            return 1.0;
        }
        final double mk = means[position];
        final double sk = spreads[position];
        if (sk == 0.0) {
            double product = 1.0;
            for (int e = 0; e < m; e++) {
                final int j = eligible.position(e);
                if (j != position) {
                    product *= cdf(mk, means[j], spreads[j]);
                }
            }
            return clamp(product);
        }
        java.util.Arrays.fill(scratch, 0, NODES, 1.0);
        // Every factor is non-decreasing in z, so the product is too: nodes below `lo` stay 0 and are skipped, and a
        // competitor whose factor is already 1 at `lo` (8.5 standard deviations below) changes nothing.
        int lo = 0;
        for (int e = 0; e < m && lo < NODES; e++) {
            final int j = eligible.position(e);
            if (j == position) {
                continue;
            }
            final double sj = spreads[j];
            if (sj > 0.0) {
                // Phi((mk + sk z - mj) / sj) = Phi(a + b z)
                final double inverse = 1.0 / sj;
                final double a = (mk - means[j]) * inverse;
                final double b = sk * inverse;
                if (a + b * Z[lo] >= RANGE) {
                    continue;
                }
                for (int q = lo; q < NODES; q++) {
                    scratch[q] *= phi(a + b * Z[q]);
                }
            } else {
                final double threshold = (means[j] - mk) / sk; // a known score: 1 above it, 0 below
                for (int q = lo; q < NODES; q++) {
                    scratch[q] *= Z[q] > threshold ? 1.0 : Z[q] == threshold ? 0.5 : 0.0;
                }
            }
            while (lo < NODES && scratch[lo] == 0.0) {
                lo++;
            }
        }
        double sum = 0.0;
        for (int q = lo; q < NODES; q++) {
            sum += scratch[q];
        }
        return clamp(sum / NODES);
    }

    private static double clamp(double p) {
        return Math.min(1.0, Math.max(FLOOR, p));
    }

    private static double cdf(double t, double mean, double spread) {
        if (spread > 0.0) {
            return phi((t - mean) / spread);
        }
        return t > mean ? 1.0 : t == mean ? 0.5 : 0.0;
    }
}
