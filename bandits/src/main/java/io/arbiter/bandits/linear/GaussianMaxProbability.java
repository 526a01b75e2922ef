package io.arbiter.bandits.linear;

import io.arbiter.bandits.policy.EligibleSet;

/**
 * The probability that one of several independent Gaussian scores is the largest: the propensity of linear Thompson
 * sampling, whose scores {@code s_j ~ N(m_j, sd_j^2)} are independent given the features.
 *
 * <p>{@code P(k is max) = E[G(Z)]}, {@code G(z) = prod_{j != k} Phi((m_k + sd_k z - m_j) / sd_j)}, {@code Z ~ N(0, 1)}:
 * with {@code z = Phi^-1(v)}, {@code integral_0^1 g(v) dv} with {@code g} non-decreasing from 0 to 1. The integral is
 * taken on dyadic cells of {@code v} (from {@value #START_CELLS}, bisected where needed, down to 1/{@value #CELLS}
 * inside and {@code 2^-50} at the ends), each cell with a rigorous bracket from two properties of the integrand:
 * <ul>
 *   <li><b>monotone</b>: on a cell of probability {@code w} whose ends evaluate to {@code g_l <= g_r}, the integral
 *       lies in {@code [w g_l, w g_r]} (a first-order bracket, whatever the means and spreads);</li>
 *   <li><b>log-concave in z</b> ({@code Phi} is, and so is a product of them): {@code log G} lies above its chord on
 *       the cell, and by Jensen the exponential of the chord averages to at least its value at the cell's
 *       conditional mean {@code (phi(z_l) - phi(z_r)) / w}; and {@code log G} lies below a neighbouring cell's chord
 *       extended over this one, whose (convex) exponential averages to at most its chord's value there. A
 *       second-order bracket where the integrand is smooth.</li>
 * </ul>
 * The estimate is the middle of the summed brackets and the bound their half-width, widened by {@link #phi}'s relative
 * error; cells whose bracket is at least the mean are bisected until the bound is at most {@link #ERROR_BOUND} =
 * {@code 1/256} = 0.0039 (always reached: on the finest grid the monotone bracket alone is at most 1/2048) and, while
 * a cell can be bisected and within {@value #RELATIVE_BUDGET} evaluations, at most a tenth of the probability (or
 * {@value #FLOOR}), so small probabilities are resolved relatively too. Every probability is thus within 0.0039 of the
 * exact one (plus 2·10<sup>-9</sup> per score for the table), and each call's own bound is in
 * {@link Scratch#bound()}. Scores that are all alike (an untrained model) give exactly {@code 1/m} with no
 * quadrature. {@link #phi} is one cubic per step of 1/32 on [-8.5, 8.5] (Hermite from a table of {@code Phi} and
 * {@code phi}; absolute error below 2·10<sup>-9</sup>, relative below {@value #PHI_RELATIVE_ERROR}; within
 * 10<sup>-17</sup> of 0 or 1 beyond).
 *
 * <p>Cost: one product over the competitors per evaluation, one logarithm per evaluation and up to three exponentials
 * per changed cell: about 20 evaluations for the chosen variant among 10 close scores (against 128 nodes of the
 * midpoint rule for the same bound), at most {@value #CELLS} + 80 (docs/BENCHMARKS.md, series AG). A competitor so
 * far behind that its factor is exactly 1 at every node (its score at least 9.5 of its spreads below the answer's at
 * the lowest node, {@code z = -7.9}) is left out of the products, with the same result bit for bit. Results below
 * {@value #FLOOR} are reported as {@value #FLOOR}: never 0 for a variant that can be chosen.
 */
public final class GaussianMaxProbability {
    /** Cells of the finest grid. */
    public static final int CELLS = 1024;
    /** Cells of the first pass. */
    public static final int START_CELLS = 8;
    /** Smallest probability reported. */
    public static final double FLOOR = 1e-9;
    /** The stated bound on the quadrature error of one probability: every call's computed bound is at most this. */
    public static final double ERROR_BOUND = 1.0 / 256;
    /** Bisection goes on while the bound exceeds this share of the probability (and {@link #FLOOR}), if it can. */
    public static final double RELATIVE_ERROR = 0.1;

    /** Evaluations after which bisection stops once the bound is at most {@link #ERROR_BOUND}. */
    public static final int RELATIVE_BUDGET = 160;

    /** Relative error of {@link #phi} inside [-8.5, 8.5] (1.22·10<sup>-5</sup>: GaussianMaxProbabilityTest). */
    static final double PHI_RELATIVE_ERROR = 1.3e-5;
    /** Below this, {@code g} may be the table's clamped tail (10<sup>-17</sup> per factor): no logarithm taken. */
    private static final double TINY = 1e-12;
    /** A cell whose monotone bracket is this narrow keeps it: no logarithms or exponentials for it. */
    private static final double FLAT = 1e-10;
    /**
     * {@link #phi} is exactly 1 from about 8.3 on (and clamped from {@value #RANGE}): a factor whose argument is at
     * least this at the lowest node is 1 at every node, with a margin for the argument's rounding.
     */
    private static final double SATURATED = 9.5; // RANGE + 1
    /** A neighbour's chord is extended over a cell at most this many times its width (in z). */
    private static final double MAX_WIDTH_RATIO = 2.0;

    /** Cell positions are in units of 2^-52. */
    private static final long ONE = 1L << 52;
    private static final double UNIT = 0x1p-52;
    private static final int GRID_SHIFT = 52 - 10;
    private static final long GRID_STEP = 1L << GRID_SHIFT;
    /** End cells are bisected down to 2^-50. */
    private static final long FINEST_TAIL = 4;
    private static final int TAIL_DEPTH = 50;
    private static final int MAX_CELLS = CELLS + 2 * (TAIL_DEPTH - 10);
    /** {@code -Phi^-1(2^-j)} for j in 11..50, from the continued fraction of the normal tail (relative accuracy). */
    private static final double[] TAIL = new double[TAIL_DEPTH + 1];

    private static final double RANGE = 8.5;
    private static final int STEPS_PER_UNIT = 32;
    private static final double H = 1.0 / STEPS_PER_UNIT;
    private static final int INTERVALS = (int) (2 * RANGE * STEPS_PER_UNIT);
    /** The largest table coordinate used: just inside the last interval, so {@code i + 1} stays in the table. */
    private static final double LAST_CELL = INTERVALS - 1e-9;
    private static final double[] CDF = new double[INTERVALS + 1];
    private static final double[] PDF = new double[INTERVALS + 1];
    /** Per table step, the cubic's coefficients in {@code t} (Horner order), four to a step: one cache line per two. */
    private static final double[] CUBIC = new double[4 * INTERVALS];
    /** {@code Phi^-1(k / CELLS)} for k in 1..CELLS-1 (the ends, 0 and CELLS, are never evaluated). */
    private static final double[] GRID = new double[CELLS + 1];
    /** {@code phi} at the grid's and the tails' points. */
    private static final double[] GRID_DENSITY = new double[CELLS + 1];
    private static final double[] TAIL_DENSITY = new double[TAIL_DEPTH + 1];
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
        for (int i = 0; i < INTERVALS; i++) {
            // Cubic Hermite with the known derivative phi, as c0 + t (d0 + t (a + t b)).
            final double c0 = CDF[i];
            final double c1 = CDF[i + 1];
            final double d0 = H * PDF[i];
            final double d1 = H * PDF[i + 1];
            CUBIC[4 * i] = c0;
            CUBIC[4 * i + 1] = d0;
            CUBIC[4 * i + 2] = 3 * (c1 - c0) - 2 * d0 - d1;
            CUBIC[4 * i + 3] = 2 * (c0 - c1) + d0 + d1;
        }
        for (int k = 1; k < CELLS; k++) {
            GRID[k] = inverse((double) k / CELLS);
        }
        for (int k = 1; k < CELLS; k++) {
            GRID_DENSITY[k] = density(GRID[k]);
        }
        for (int j = 11; j <= TAIL_DEPTH; j++) {
            TAIL[j] = upperTailInverse(Math.scalb(1.0, -j));
            TAIL_DENSITY[j] = density(TAIL[j]);
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

    /** The x &gt; 3 with {@code 1 - Phi(x) = q}, by bisection on the tail's continued fraction. */
    private static double upperTailInverse(double q) {
        double lo = 3.0;
        double hi = 9.0;
        for (int i = 0; i < 80; i++) {
            final double mid = 0.5 * (lo + hi);
            if (upperTail(mid) > q) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** {@code 1 - Phi(x)} for x &gt;= 3: {@code phi(x) / (x + 1/(x + 2/(x + 3/(x + ...))))}, 300 terms. */
    static double upperTail(double x) {
        double t = x;
        for (int k = 300; k >= 1; k--) {
            t = x + k / t;
        }
        return density(x) / t;
    }

    /**
     * The standard normal CDF, absolute error below 2·10<sup>-9</sup>; allocation-free (arguments
     * beyond ±8.5 read the table's ends, within 10<sup>-17</sup> of 0 and 1).
     *
     * @param x finite
     */
    public static double phi(double x) {
        final double v = (x + RANGE) * STEPS_PER_UNIT; // never -0.0: x + 8.5 rounds to +0.0 at x = -8.5
        final double u = v > 0.0 ? (v < LAST_CELL ? v : LAST_CELL) : 0.0; // the clamp, shorter than min(max())
        final int i = (int) u;
        final double t = u - i;
        final int k = 4 * i;
        return CUBIC[k] + t * (CUBIC[k + 1] + t * (CUBIC[k + 2] + t * CUBIC[k + 3]));
    }

    /**
     * The probability that the score at {@code position} is the largest of the eligible scores
     * {@code N(means[j], spreads[j]^2)}, within {@link #ERROR_BOUND} (plus 2·10<sup>-9</sup> per eligible score).
     * Allocates its scratch: for tests and reports; the request path uses the overload with a scratch.
     *
     * @param means    per position, finite
     * @param spreads  per position, standard deviations at least 0 (0: a known score)
     * @param eligible the competing positions, containing {@code position}
     * @return a probability in [{@value #FLOOR}, 1]
     */
    public static double probabilityOfMax(double[] means, double[] spreads, EligibleSet eligible, int position) {
        return probabilityOfMax(means, spreads, eligible, position, new Scratch(means.length));
    }

    /**
     * As {@link #probabilityOfMax(double[], double[], EligibleSet, int)}, allocation-free; the computed bound of
     * this call is left in {@link Scratch#bound()}.
     *
     * @param scratch sized for at least {@code means.length} positions, overwritten
     */
    public static double probabilityOfMax(double[] means, double[] spreads, EligibleSet eligible, int position,
                                          Scratch scratch) {
        scratch.bound = 0.0;
        scratch.evaluations = 0;
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
        // Phi((mk + sk z - mj) / sj) = Phi(a + b z) for an uncertain competitor; a known one (sj = 0) is a step at
        // z = (mj - mk) / sk. Every eligible score distributed as this one: by symmetry exactly 1 / m.
        // A competitor whose factor is exactly 1 at every node the quadrature can evaluate (z >= -TAIL[50]) is left
        // out of the products: a score so far behind cannot matter, and the answer is bit for bit the same (the
        // table's error is still counted for it).
        final double[] slopes = scratch.slopes;
        final double[] offsets = scratch.offsets;
        final double lowest = -TAIL[TAIL_DEPTH];
        int factors = 0;
        int uncertain = 0;
        int known = 0;
        boolean symmetric = true;
        for (int e = 0; e < m; e++) {
            final int j = eligible.position(e);
            if (j == position) {
                continue;
            }
            final double sj = spreads[j];
            symmetric &= sj == sk && means[j] == mk;
            if (sj > 0.0) {
                final double inverse = 1.0 / sj;
                final double offset = (mk - means[j]) * inverse;
                final double slope = sk * inverse;
                factors++;
                if (offset + slope * lowest < SATURATED) {
                    offsets[uncertain] = offset;
                    slopes[uncertain++] = slope;
                }
            } else {
                final double step = (means[j] - mk) / sk;
                if (!(step < lowest)) {
                    scratch.steps[known++] = step;
                }
            }
        }
        if (symmetric) {
            return 1.0 / m;
        }
        scratch.factors = factors;
        scratch.uncertain = uncertain;
        scratch.known = known;
        return clamp(integrate(scratch));
    }

    /**
     * {@code integral_0^1 g(v) dv} for the competitors in {@code s}, on adaptively bisected dyadic cells, each
     * bracketed (see the class comment): the estimate is the middle of the brackets' sum and the bound its half-width,
     * widened by the table's relative error. Each pass bisects the cells whose bracket is at least the mean, until
     * the bound is at most {@link #ERROR_BOUND} and at most {@link #RELATIVE_ERROR} of the probability (or
     * {@link #FLOOR}, or after {@link #RELATIVE_BUDGET} evaluations), or no cell that {@code g} crosses can be bisected
     * further (the interior's finest cells are 1/{@value #CELLS}; the end cells go on to {@code 2^-50}). With the
     * monotone bracket alone the bound on the finest grid is at most {@code 1/2048}, so the first condition always
     * holds in the end.
     */
    private static double integrate(Scratch s) {
        Nodes nodes = s.nodesA;
        Nodes next = s.nodesB;
        int n = START_CELLS;
        final long step = ONE / START_CELLS;
        for (int c = 0; c <= n; c++) {
            nodes.set(c, c * step, s);
            nodes.dirty[c] = true;
        }
        // The table's relative error per factor, amplified at most 1 + 2 * MAX_WIDTH_RATIO times by an extended chord.
        final double relative = s.factors * PHI_RELATIVE_ERROR;
        while (true) {
            double lowerSum = 0.0;
            double upperSum = 0.0;
            for (int c = 0; c < n; c++) {
                if (nodes.dirty[c]) { // a cell's bracket depends on it and its neighbours only
                    bracket(nodes, c, n);
                }
                lowerSum += nodes.lower[c];
                upperSum += nodes.upper[c];
            }
            lowerSum *= 1.0 - relative;
            upperSum *= 1.0 + (1 + 2 * MAX_WIDTH_RATIO) * relative;
            final double bound = 0.5 * (upperSum - lowerSum);
            final double estimate = 0.5 * (upperSum + lowerSum);
            s.bound = bound;
            if (bound <= ERROR_BOUND && (bound <= RELATIVE_ERROR * (estimate - bound) || bound <= FLOOR
                || s.evaluations >= RELATIVE_BUDGET)) {
                return estimate;
            }
            final double threshold = (upperSum - lowerSum) / n;
            int cells = refine(s, nodes, n, next, threshold);
            if (cells == n) { // every cell above the mean is as fine as it goes: try all the others
                cells = refine(s, nodes, n, next, 0.0);
                if (cells == n) {
                    return estimate;
                }
            }
            n = cells;
            final Nodes swap = nodes;
            nodes = next;
            next = swap;
        }
    }

    /**
     * Cell {@code c}'s bracket into {@code nodes.lower[c]} and {@code nodes.upper[c]}: the monotone one
     * {@code [w g_l, w g_r]} for an end cell, a cell where {@code g} is below {@link #TINY} (the table's clamped tail
     * may be all it has) and a flat one; otherwise the second-order ends, which share the cell's conditional mean.
     * <ul>
     *   <li>Lower: {@code log G} lies above its chord (log-concavity), and by Jensen the chord's exponential averages
     *       to at least its value at the cell's conditional mean: {@code w g_l^(1-t) g_r^t}.</li>
     *   <li>Upper: {@code w g_r}, or less where a neighbouring cell's chord of {@code log G}, extended over this cell,
     *       lies below {@code log g_r} (the function lies below the extension of any chord). The extension's
     *       exponential is convex, so its average over the cell is at most its chord's value at the conditional
     *       mean. Only neighbours at least 1/{@value #MAX_WIDTH_RATIO} as wide (in z) are used, which bounds how much
     *       the table's relative error is amplified.</li>
     * </ul>
     */
    private static void bracket(Nodes nodes, int c, int n) {
        final double w = (nodes.at[c + 1] - nodes.at[c]) * UNIT;
        final double gl = nodes.g[c];
        final double gr = nodes.g[c + 1];
        if (c == 0 || c == n - 1 || gl < TINY || w * (gr - gl) <= FLAT) {
            nodes.lower[c] = w * gl;
            nodes.upper[c] = w * gr;
            return;
        }
        final double[] z = nodes.z;
        final double[] log = nodes.log;
        final double t = meanPosition(nodes, c, w);
        nodes.lower[c] = w * gl * Math.exp(t * (log[c + 1] - log[c]));
        double upper = w * gr;
        final double h = z[c + 1] - z[c];
        if (c + 2 < n) {
            final double right = z[c + 2] - z[c + 1];
            if (h <= MAX_WIDTH_RATIO * right) {
                final double atLeft = gr * Math.exp(-(log[c + 2] - log[c + 1]) / right * h);
                upper = Math.min(upper, w * ((1 - t) * atLeft + t * gr));
            }
        }
        if (c > 1 && nodes.g[c - 1] >= TINY) {
            final double left = z[c] - z[c - 1];
            if (h <= MAX_WIDTH_RATIO * left) {
                final double atRight = gl * Math.exp((log[c] - log[c - 1]) / left * h);
                upper = Math.min(upper, w * ((1 - t) * gl + t * atRight));
            }
        }
        nodes.upper[c] = upper;
    }

    /** Where in cell {@code c} (0 left, 1 right, in z) the conditional mean {@code (phi(z_l) - phi(z_r)) / w} lies. */
    private static double meanPosition(Nodes nodes, int c, double w) {
        final double zl = nodes.z[c];
        final double mean = (nodes.density[c] - nodes.density[c + 1]) / w;
        return Math.min(1.0, Math.max(0.0, (mean - zl) / (nodes.z[c + 1] - zl)));
    }

    /**
     * Copies the nodes into {@code next}, bisecting the cells whose bracket is at least {@code threshold}, that
     * {@code g} crosses and that can be bisected.
     *
     * @return the number of cells after
     */
    private static int refine(Scratch s, Nodes nodes, int n, Nodes next, double threshold) {
        final boolean[] split = nodes.split;
        for (int c = 0; c < n; c++) {
            final long left = nodes.at[c];
            final long w = nodes.at[c + 1] - left;
            split[c] = nodes.g[c + 1] > nodes.g[c] && nodes.upper[c] - nodes.lower[c] >= threshold
                && (w > GRID_STEP || (left == 0 || left + w == ONE) && w > FINEST_TAIL);
        }
        int cells = 0;
        for (int c = 0; c < n; c++) {
            final boolean dirty = split[c] || c > 0 && split[c - 1] || c + 1 < n && split[c + 1];
            next.copy(cells, nodes, c);
            next.dirty[cells++] = dirty;
            if (split[c]) {
                next.set(cells, nodes.at[c] + ((nodes.at[c + 1] - nodes.at[c]) >> 1), s);
                next.dirty[cells++] = true;
            }
        }
        next.copy(cells, nodes, n);
        return cells;
    }

    /** {@code Phi^-1(v)} at a dyadic position of the cells (in units of 2^-52): on the grid, or in an end cell. */
    private static double node(long v) {
        if ((v & (GRID_STEP - 1)) == 0) {
            return GRID[(int) (v >>> GRID_SHIFT)];
        }
        // An end cell's bisections are v = 2^-j or 1 - 2^-j.
        return v < ONE / 2 ? -TAIL[52 - Long.numberOfTrailingZeros(v)]
            : TAIL[52 - Long.numberOfTrailingZeros(ONE - v)];
    }

    /** {@code phi(Phi^-1(v))}, as {@link #node}. */
    private static double nodeDensity(long v) {
        if ((v & (GRID_STEP - 1)) == 0) {
            return GRID_DENSITY[(int) (v >>> GRID_SHIFT)];
        }
        return TAIL_DENSITY[52 - Long.numberOfTrailingZeros(v < ONE / 2 ? v : ONE - v)];
    }

    /** {@code g} at {@code z}: the product of the competitors' factors. */
    private static double evaluate(Scratch s, double z) {
        s.evaluations++;
        double product = 1.0;
        for (int c = 0; c < s.known; c++) {
            final double step = s.steps[c];
            product *= z > step ? 1.0 : z == step ? 0.5 : 0.0;
        }
        final double[] offsets = s.offsets;
        final double[] slopes = s.slopes;
        for (int c = 0; c < s.uncertain; c++) { // independent factors: no test of the running product between them
            product *= phi(offsets[c] + slopes[c] * z);
        }
        return product;
    }

    /** The evaluated points of one pass: position, {@code z}, {@code phi(z)}, {@code g}, {@code log g}. */
    static final class Nodes {
        final long[] at = new long[MAX_CELLS + 1];
        final double[] z = new double[MAX_CELLS + 1];
        final double[] density = new double[MAX_CELLS + 1];
        final double[] g = new double[MAX_CELLS + 1];
        final double[] log = new double[MAX_CELLS + 1];
        /** Per cell (from the node at its left): its bracket, whether to compute it again, whether to bisect it. */
        final double[] lower = new double[MAX_CELLS + 1];
        final double[] upper = new double[MAX_CELLS + 1];
        final boolean[] dirty = new boolean[MAX_CELLS + 1];
        final boolean[] split = new boolean[MAX_CELLS + 1];

        /** Node {@code i} at position {@code v}: the ends are g = 0 and 1 (limits), the others evaluated. */
        void set(int i, long v, Scratch s) {
            at[i] = v;
            if (v == 0 || v == ONE) {
                z[i] = v == 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                density[i] = 0.0;
                g[i] = v == 0 ? 0.0 : 1.0;
                log[i] = v == 0 ? Double.NEGATIVE_INFINITY : 0.0;
                return;
            }
            final double x = node(v);
            z[i] = x;
            density[i] = nodeDensity(v);
            final double value = evaluate(s, x);
            g[i] = value;
            log[i] = value >= TINY ? Math.log(value) : Double.NEGATIVE_INFINITY;
        }

        void copy(int i, Nodes from, int j) {
            at[i] = from.at[j];
            z[i] = from.z[j];
            density[i] = from.density[j];
            g[i] = from.g[j];
            log[i] = from.log[j];
            lower[i] = from.lower[j];
            upper[i] = from.upper[j];
        }
    }

    /**
     * Per-thread working memory of {@link #probabilityOfMax}: the competitors' coefficients and the cells of the
     * quadrature, and the bound computed by the last call. Single writer.
     */
    public static final class Scratch {
        final double[] offsets;
        final double[] slopes;
        final double[] steps;
        final Nodes nodesA = new Nodes();
        final Nodes nodesB = new Nodes();
        /** Uncertain competitors, including those left out of the products as exactly 1. */
        int factors;
        int uncertain;
        int known;
        double bound;
        int evaluations;

        /** @param positions the most positions of any call, at least 1 */
        public Scratch(int positions) {
            offsets = new double[positions];
            slopes = new double[positions];
            steps = new double[positions];
        }

        /**
         * The quadrature error bound of the last call, at most {@link #ERROR_BOUND} (0 when the answer was exact:
         * one eligible score, a known score, or all eligible scores alike); the table's 2·10<sup>-9</sup> per score
         * comes on top.
         */
        public double bound() {
            return bound;
        }

        /** Evaluations of the integrand in the last call (each a product over the competitors). */
        public int evaluations() {
            return evaluations;
        }
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
