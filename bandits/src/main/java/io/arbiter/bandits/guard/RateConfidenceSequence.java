package io.arbiter.bandits.guard;

/**
 * A time-uniform confidence sequence for an event rate: after any number of decisions {@code n} with {@code k}
 * events, an interval {@code [lower(n, k), upper(n, k)]} that contains the rate at <em>every</em> {@code n} at once
 * with probability at least {@code 1 - alpha}, so it may be recomputed after every decision or reward and read as
 * often as wanted (Howard, Ramdas, McAuliffe and Sekhon, 2021, "Time-uniform, nonparametric, nonasymptotic confidence
 * sequences", the method of mixtures).
 *
 * <p><b>Why it holds.</b> Let each decision {@code i} have an event ({@code X_i = 1}) with conditional probability
 * {@code p_i} given the past (a Bernoulli trial; the allocation may depend on the past). For any {@code theta > 0},
 * {@code E[theta^X_i] = 1 + p_i (theta - 1) <= exp(p_i (theta - 1))}, so
 * {@code theta^k exp(-(theta - 1) n p)} is a non-negative supermartingale with initial value 1, where {@code p} is
 * the average rate over the {@code n} decisions. Mixing over {@code theta ~ Gamma(shape rho, rate rho)} keeps that
 * property and has a closed form (the gamma-Poisson conjugacy):
 * <pre>
 *   M(n, k; p) = exp(n p) rho^rho Gamma(rho + k) / (Gamma(rho) (rho + n p)^(rho + k))
 * </pre>
 * By Ville's inequality {@code P(M(n, k; p) >= 1/alpha for some n) <= alpha}; the confidence sequence is the set of
 * {@code p} with {@code ln M < ln(1/alpha)}, an interval because {@code ln M} is convex in {@code p}. It contains
 * the observed rate {@code k/n} (where {@code M <= 1}), and it narrows like {@code sqrt(p log(n p) / n)}: it adapts
 * to rare events, where a bound for [0, 1]-valued data that ignores the variance would be many times wider.
 *
 * <p><b>Computing the ends.</b> With {@code c = rho + k} and {@code p = (k + c u) / n}, the condition
 * {@code ln M >= ln(1/alpha)} reads {@code c (u - ln(1 + u)) >= depth}, where
 * {@code depth = ln(1/alpha) + rho - rho ln rho + lnGamma(rho) + c ln c - c - lnGamma(c)} (the last three terms
 * come from {@link LogGamma#stirlingRemainder} without cancellation, so the ends stay accurate at billions of
 * decisions). {@code u - ln(1 + u)} is convex with its minimum 0 at {@code u = 0}, so Newton's method started outside
 * the interval (from a closed-form point) moves monotonically towards each end and never crosses it: after any number
 * of steps the result is a valid, slightly wider bound. The iteration stops when a step moves {@code u} by less than
 * 10<sup>-10</sup> of it (two to five steps for the counts a guardrail sees; at most {@value #MAX_NEWTON_STEPS}),
 * which leaves the end within 10<sup>-6</sup> of the interval's width of the exact one
 * ({@code RateConfidenceSequenceTest}). A margin of 10<sup>-9</sup> on the threshold absorbs rounding. O(1),
 * allocation-free, immutable and thread-safe.
 *
 * <p><b>Tabulated.</b> The root {@code u} depends on the event count alone ({@code depth} and {@code c} do), and the
 * decision count only divides at the end: {@code lower = (k - c u_lower(k)) / n}, {@code upper = (k + c u_upper(k)) /
 * n}. So the constructor solves both roots once for every {@code k} below {@code tabulatedEvents} (default
 * {@value #DEFAULT_TABULATED_EVENTS}: 256 KiB, a few milliseconds), and a bound is then two loads, a division and a
 * comparison; larger counts are solved on the spot (about a microsecond). Rules with the same confidence can share one
 * sequence.
 *
 * <p><b>The prior</b> {@code rho} sets where the sequence is tightest: the mixture favours deviations of relative
 * size about {@code 1/sqrt(rho)}, so {@code rho} near the number of events at which decisions matter is best. The
 * default, {@value #DEFAULT_RHO}, suits guardrail rates of 0.1%&ndash;5% checked over thousands to tens of thousands
 * of decisions (docs/bandits.md compares values).
 */
public final class RateConfidenceSequence {
    /** Default mixture prior strength {@code rho}. */
    public static final double DEFAULT_RHO = 10.0;
    /** Most Newton steps per end; each keeps the bound valid, more only tighten it. */
    public static final int MAX_NEWTON_STEPS = 12;
    /** Event counts whose roots the constructor tabulates by default. */
    public static final int DEFAULT_TABULATED_EVENTS = 16_384;
    /** Newton stops once a step moves the end by less than this fraction of it. */
    private static final double NEWTON_TOLERANCE = 1e-10;
    private static final double THRESHOLD_MARGIN = 1e-9;

    private final double alpha;
    private final double rho;
    private final double logThreshold;
    /** {@code ln(1/alpha) + rho - rho ln rho + lnGamma(rho)}: the part of the depth that does not depend on counts. */
    private final double constant;
    /** {@code c u} of the lower end for each event count {@code k} below the table's length ({@code k}: rate 0). */
    private final double[] lowerSpread;
    /** {@code c u} of the upper end for each event count. */
    private final double[] upperSpread;

    /**
     * @param alpha probability that the sequence ever misses the rate, in (0, 1)
     * @param rho   strength of the mixture prior, finite and &gt; 0 (see the class comment)
     */
    public RateConfidenceSequence(double alpha, double rho) {
        this(alpha, rho, DEFAULT_TABULATED_EVENTS);
    }

    /**
     * @param alpha           probability that the sequence ever misses the rate, in (0, 1)
     * @param rho             strength of the mixture prior, finite and &gt; 0 (see the class comment)
     * @param tabulatedEvents event counts whose bounds are precomputed, 0..2^24 (16 bytes each)
     */
    public RateConfidenceSequence(double alpha, double rho, int tabulatedEvents) {
        if (!(alpha > 0.0 && alpha < 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), was " + alpha);
        }
        if (!(rho > 0.0) || rho == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("rho must be finite and positive, was " + rho);
        }
        this.alpha = alpha;
        this.rho = rho;
        this.logThreshold = Math.log(1.0 / alpha) + THRESHOLD_MARGIN;
        this.constant = logThreshold + rho - rho * Math.log(rho) + LogGamma.lnGamma(rho);
        if (tabulatedEvents < 0 || tabulatedEvents > 1 << 24) {
            throw new IllegalArgumentException("tabulatedEvents must be in 0..2^24, was " + tabulatedEvents);
        }
        this.lowerSpread = new double[tabulatedEvents];
        this.upperSpread = new double[tabulatedEvents];
        for (int k = 0; k < tabulatedEvents; k++) {
            lowerSpread[k] = solveLowerSpread(k);
            upperSpread[k] = solveUpperSpread(k);
        }
    }

    public double alpha() {
        return alpha;
    }

    public double rho() {
        return rho;
    }

    /**
     * The lower end of the interval.
     *
     * @param decisions decisions so far, &ge; 0
     * @param events    events among them, &ge; 0; more than {@code decisions} (a reward counted before its
     *                  decision, for example across a restart) is read as {@code decisions}
     * @return a lower bound on the average event rate, in [0, events/decisions]; 0 when {@code decisions == 0}
     */
    public double lower(long decisions, long events) {
        checkCounts(decisions, events);
        if (decisions == 0 || events == 0) {
            return 0.0;
        }
        final long k = Math.min(events, decisions);
        final double spread = k < lowerSpread.length ? lowerSpread[(int) k] : solveLowerSpread(k);
        return Math.max(0.0, (k - spread) / decisions);
    }

    /**
     * The upper end of the interval.
     *
     * @param decisions decisions so far, &ge; 0
     * @param events    events among them, &ge; 0 (more than {@code decisions} is read as {@code decisions})
     * @return an upper bound on the average event rate, in [events/decisions, 1]; 1 when {@code decisions == 0}
     */
    public double upper(long decisions, long events) {
        checkCounts(decisions, events);
        if (decisions == 0) {
            return 1.0;
        }
        final long k = Math.min(events, decisions);
        final double spread = k < upperSpread.length ? upperSpread[(int) k] : solveUpperSpread(k);
        return Math.min(1.0, (k + spread) / decisions);
    }

    /** {@code c u} for the lower end with {@code k} events: {@code k} itself when the rate 0 is inside. */
    private double solveLowerSpread(long k) {
        if (k == 0) {
            return 0.0;
        }
        final double c = rho + k;
        final double e = depth(c) / c;
        // p = (k - c u) / n for u in (0, k / c]; u = k / c is the rate 0. psi(u) = -u - ln(1 - u) - e is convex and
        // increasing on (0, 1): the end is its root, or 0 if the rate 0 is still inside the interval.
        final double zeroRate = k / c;
        if (psi(zeroRate, e) <= 0.0) {
            return k;
        }
        // -u - ln(1 - u) >= u^2 / 2, so psi(sqrt(2e)) >= 0: a start on the conservative (larger u) side of the root.
        double u = Math.min(zeroRate, Math.sqrt(2.0 * e));
        for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
            final double move = psi(u, e) * (1.0 - u) / u; // psi >= 0, psi' = u / (1 - u) > 0: u falls to the root,
            u -= move;                                      // never past it
            if (move <= NEWTON_TOLERANCE * u) {
                break;
            }
        }
        return c * u;
    }

    /** {@code c u} for the upper end with {@code k} events. */
    private double solveUpperSpread(long k) {
        final double c = rho + k;
        final double e = depth(c) / c;
        // p = (k + c u) / n for u > 0; phi(u) = u - ln(1 + u) - e is convex and increasing there. Since
        // u - ln(1 + u) >= u^2 / (2 (1 + u)), phi(e + sqrt(e^2 + 2e)) >= 0: a start above the root.
        double u = e + Math.sqrt(e * e + 2.0 * e);
        for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
            final double move = phi(u, e) * (1.0 + u) / u; // phi >= 0, phi' = u / (1 + u) > 0: u falls to the root,
            u -= move;                                      // never past it
            if (move <= NEWTON_TOLERANCE * u) {
                break;
            }
        }
        return c * u;
    }

    /**
     * {@code ln M(n, k; p)}, the log of the mixture martingale at rate {@code p}: the sequence excludes {@code p}
     * exactly when this reaches {@code ln(1/alpha)}. For tests and for explaining a decision.
     *
     * @param rate a rate in [0, 1]
     */
    public double logMixture(long decisions, long events, double rate) {
        checkCounts(decisions, events);
        final long k = Math.min(events, decisions);
        final double c = rho + k;
        final double u = (decisions * rate - k) / c;
        return c * (u - Math.log1p(u)) - (depth(c) - logThreshold);
    }

    /** {@code ln(1/alpha)} plus the rounding margin: the level {@link #logMixture} must reach to exclude a rate. */
    public double logThreshold() {
        return logThreshold;
    }

    /**
     * {@code ln(1/alpha) + rho - rho ln rho + lnGamma(rho) + c ln c - c - lnGamma(c)}, the last three terms being
     * {@code 0.5 ln(c / (2 pi)) - stirlingRemainder(c)}. It equals {@code ln(1/alpha) + 0.5 ln(c / rho)} plus the
     * difference of the two Stirling remainders, which is positive since {@code c >= rho}: always above
     * {@code ln(1/alpha)}, so every start point below is well defined.
     */
    private double depth(double c) {
        return constant + 0.5 * Math.log(c / (2.0 * Math.PI)) - LogGamma.stirlingRemainder(c);
    }

    private static double phi(double u, double e) {
        return u - Math.log1p(u) - e;
    }

    private static double psi(double u, double e) {
        return -u - Math.log1p(-u) - e;
    }

    private static void checkCounts(long decisions, long events) {
        if (decisions < 0 || events < 0) {
            throw new IllegalArgumentException("counts must not be negative, were events " + events
                + ", decisions " + decisions);
        }
    }
}
