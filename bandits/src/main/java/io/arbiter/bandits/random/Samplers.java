package io.arbiter.bandits.random;

/**
 * Allocation-free samplers for the distributions the policies need.
 *
 * <ul>
 *   <li>{@link #normal}: the ziggurat method (Marsaglia and Tsang, 2000), 128 layers, with the layer index and the
 *       value taken from separate bits of one 64-bit draw (the original shared them, a known flaw).</li>
 *   <li>{@link #gamma}: Marsaglia and Tsang (2000), "A simple method for generating gamma variables"; for shape
 *       &lt; 1 the boost {@code Gamma(a) = Gamma(a + 1) * U^(1/a)}, done in log space so tiny shapes do not
 *       underflow to zero before the ratio in {@link #beta} is taken.</li>
 *   <li>{@link #beta}: {@code X / (X + Y)} with {@code X ~ Gamma(a)}, {@code Y ~ Gamma(b)}.</li>
 * </ul>
 */
public final class Samplers {
    private static final int LAYERS = 128;
    private static final double R = 3.442619855899;
    private static final double M1 = 2147483648.0;
    private static final long[] KN = new long[LAYERS];
    private static final double[] WN = new double[LAYERS];
    private static final double[] FN = new double[LAYERS];

    static {
        double dn = R;
        double tn = dn;
        final double vn = 9.91256303526217e-3;
        final double q = vn / Math.exp(-0.5 * dn * dn);
        KN[0] = (long) ((dn / q) * M1);
        KN[1] = 0;
        WN[0] = q / M1;
        WN[LAYERS - 1] = dn / M1;
        FN[0] = 1.0;
        FN[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
        for (int i = LAYERS - 2; i >= 1; i--) {
            dn = Math.sqrt(-2.0 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
            KN[i + 1] = (long) ((dn / tn) * M1);
            tn = dn;
            FN[i] = Math.exp(-0.5 * dn * dn);
            WN[i] = dn / M1;
        }
    }

    private Samplers() {
    }

    /**
     * Standard normal N(0, 1) (ziggurat).
     *
     * @param rng the calling thread's generator
     */
    public static double normal(Xoroshiro128PlusPlus rng) {
        while (true) {
            final long bits = rng.nextLong();
            final int hz = (int) (bits >> 32);
            final int iz = (int) (bits & (LAYERS - 1));
            if (Math.abs((long) hz) < KN[iz]) {
                return hz * WN[iz];
            }
            if (iz == 0) {
                return normalTail(rng, hz > 0);
            }
            final double x = hz * WN[iz];
            if (FN[iz] + rng.nextDouble() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) {
                return x;
            }
        }
    }

    private static double normalTail(Xoroshiro128PlusPlus rng, boolean positive) {
        double x;
        double y;
        do {
            x = -Math.log(rng.nextDoubleOpen()) / R;
            y = -Math.log(rng.nextDoubleOpen());
        } while (y + y < x * x);
        return positive ? R + x : -R - x;
    }

    /**
     * Normal with the given mean and standard deviation.
     *
     * @param rng  the calling thread's generator
     * @param mean finite
     * @param sd   finite, 0 or more
     */
    public static double normal(Xoroshiro128PlusPlus rng, double mean, double sd) {
        return mean + sd * normal(rng);
    }

    /**
     * Gamma(shape, scale 1).
     *
     * @param rng   the calling thread's generator
     * @param shape finite and above 0
     */
    public static double gamma(Xoroshiro128PlusPlus rng, double shape) {
        if (shape >= 1.0) {
            return marsagliaTsang(rng, shape);
        }
        return Math.exp(logGammaBelowOne(rng, shape));
    }

    /** The natural log of a Gamma(shape) draw for shape &lt; 1: {@code log Gamma(a + 1) + log(U) / a}. */
    private static double logGammaBelowOne(Xoroshiro128PlusPlus rng, double shape) {
        return Math.log(marsagliaTsang(rng, shape + 1.0)) + Math.log(rng.nextDoubleOpen()) / shape;
    }

    /**
     * Marsaglia and Tsang's method for shape &gt;= 1. The hot path draws one 64-bit word for the normal (ziggurat
     * fast path: bits 32-63 value, bits 0-6 layer) and takes the high 25 bits of the squeeze test's uniform from the
     * same word's unused bits 7-31; the remaining 28 bits of the uniform are drawn only when those 25 bits cannot
     * decide the test (probability about 2<sup>-25</sup> per draw, plus the ~2% of draws that reach the log test). The
     * uniform is therefore exactly uniform on the same 2<sup>-53</sup> grid as {@link Xoroshiro128PlusPlus#nextDouble},
     * and the method stays exact, while saving one generator call per Gamma draw.
     */
    private static double marsagliaTsang(Xoroshiro128PlusPlus rng, double shape) {
        final double d = shape - 1.0 / 3.0;
        return marsagliaTsang(rng, d, 1.0 / Math.sqrt(9.0 * d));
    }

    /** The method's loop for {@code d = shape - 1/3} and {@code c = 1 / sqrt(9 d)}, precomputed by the caller. */
    private static double marsagliaTsang(Xoroshiro128PlusPlus rng, double d, double c) {
        while (true) {
            final long bits = rng.nextLong();
            final int hz = (int) (bits >> 32);
            final int iz = (int) (bits & (LAYERS - 1));
            final double x;
            final long spare;
            if (Math.abs((long) hz) < KN[iz]) {
                x = hz * WN[iz];
                spare = (bits >>> LAYER_BITS) & SPARE_MASK; // bits 7..31, independent of x
            } else {
                x = normalSlow(rng, hz, iz);
                spare = rng.nextLong() >>> (64 - SPARE_BITS);
            }
            double v = 1.0 + c * x;
            if (v <= 0.0) {
                continue;
            }
            v = v * v * v;
            final double x2 = x * x;
            final double squeeze = 1.0 - 0.0331 * x2 * x2;
            final double bound = acceptanceLowerBound(d, c * x, x2);
            final double uHigh = spare * SPARE_ULP;
            final double uCeiling = uHigh + SPARE_ULP;
            // Both tests at once, one branch: every completion of u is below the squeeze or passes the log-free bound.
            // For the large shapes of busy arms the bound accepts ~99% of draws, where the squeeze alone takes ~90%.
            if ((uCeiling <= squeeze) | (uCeiling - 1.0 < bound)) {
                return d * v;
            }
            final double u = uHigh + ((rng.nextLong() >>> (64 - LOW_BITS)) + 0.5) * 0x1.0p-53;
            if (u < squeeze || u - 1.0 < bound || Math.log(u) < 0.5 * x2 + d * (1.0 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /**
     * A log-free lower bound on the acceptance threshold {@code x^2/2 + d (1 - v + ln v)}, {@code v = (1 + y)^3},
     * {@code y = c x}: with {@code ln(1 + y) >= y - y^2/2 + y^3/3 - y^4/4} for {@code y >= 0} and that plus
     * {@code 2 y^5 / 5} for {@code -1/2 <= y < 0} (both follow from the derivative of the difference, {@code
     * y^4/(1+y)}), the threshold is at least {@code x^2/2 - d (4.5 y^2 + y^4 (0.75 - 1.2 y [y < 0]))}. Since {@code ln
     * u <= u - 1}, {@code u - 1 < bound} implies acceptance, so the test stays exact while sparing the two logarithms
     * for almost all draws that fail the squeeze (about 10% of all draws; the bound is tight for large shapes, where
     * the squeeze is loose). Returns -infinity (no shortcut) for {@code y < -1/2}.
     */
    static double acceptanceLowerBound(double d, double y, double x2) {
        final double y2 = y * y;
        final double bound = 0.5 * x2 - d * (4.5 * y2 + y2 * y2 * (0.75 - 1.2 * Math.min(y, 0.0)));
        return y < -0.5 ? Double.NEGATIVE_INFINITY : bound; // computed first: a select, not a branch, when hot
    }

    private static final int LAYER_BITS = 7;
    private static final int SPARE_BITS = 25;
    private static final int LOW_BITS = 53 - SPARE_BITS;
    private static final long SPARE_MASK = (1L << SPARE_BITS) - 1;
    private static final double SPARE_ULP = 0x1.0p-25;

    /** The ziggurat's slow path for a first draw {@code (hz, iz)} that missed the fast path. */
    private static double normalSlow(Xoroshiro128PlusPlus rng, int hz, int iz) {
        if (iz == 0) {
            return normalTail(rng, hz > 0);
        }
        final double x = hz * WN[iz];
        if (FN[iz] + rng.nextDouble() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) {
            return x;
        }
        return normal(rng);
    }

    /**
     * Beta(a, b).
     *
     * @param rng the calling thread's generator
     * @param a   finite and above 0
     * @param b   finite and above 0
     */
    public static double beta(Xoroshiro128PlusPlus rng, double a, double b) {
        if (a >= 1.0 && b >= 1.0) {
            // Both gammas need c = 1 / sqrt(9 d); one shared reciprocal saves a division (the divider is the
            // bottleneck of a Thompson choice): 1 / sqrt(9 da) = sqrt(db * r) with r = 1 / (9 da db).
            final double da = a - 1.0 / 3.0;
            final double db = b - 1.0 / 3.0;
            final double r = 1.0 / (9.0 * da * db);
            final double x = marsagliaTsang(rng, da, Math.sqrt(db * r));
            final double y = marsagliaTsang(rng, db, Math.sqrt(da * r));
            return x / (x + y);
        }
        // At least one small shape: compare in log space, where neither draw can underflow.
        final double logX = a >= 1.0 ? Math.log(marsagliaTsang(rng, a)) : logGammaBelowOne(rng, a);
        final double logY = b >= 1.0 ? Math.log(marsagliaTsang(rng, b)) : logGammaBelowOne(rng, b);
        return 1.0 / (1.0 + Math.exp(logY - logX));
    }

    /**
     * Beta(a, b) for a, b &gt;= 1 with the Gamma constants precomputed by {@link #gammaConstant}: {@code ca =
     * gammaConstant(a, b, true)}, {@code cb = gammaConstant(a, b, false)}. The same arithmetic and generator calls as
     * {@link #beta}, so the same draw for the same generator state.
     *
     * @param rng the calling thread's generator
     * @param a   finite, 1 or more
     * @param b   finite, 1 or more
     * @param ca  {@code gammaConstant(a, b, true)}
     * @param cb  {@code gammaConstant(a, b, false)}
     */
    public static double beta(Xoroshiro128PlusPlus rng, double a, double b, double ca, double cb) {
        final double x = marsagliaTsang(rng, a - 1.0 / 3.0, ca);
        final double y = marsagliaTsang(rng, b - 1.0 / 3.0, cb);
        return x / (x + y);
    }

    /**
     * The Marsaglia–Tsang constant {@code c = 1 / sqrt(9 (s - 1/3))} of the first ({@code first = true}, s = a) or the
     * second (s = b) Gamma of a Beta(a, b) draw, computed exactly as {@link #beta} computes it (one shared
     * reciprocal), so precomputed constants give bit-identical draws.
     *
     * @param a     finite, 1 or more
     * @param b     finite, 1 or more
     * @param first true for a's constant, false for b's
     */
    public static double gammaConstant(double a, double b, boolean first) {
        final double da = a - 1.0 / 3.0;
        final double db = b - 1.0 / 3.0;
        final double r = 1.0 / (9.0 * da * db);
        return Math.sqrt((first ? db : da) * r);
    }
}
