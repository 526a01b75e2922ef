package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.random.SplitMix64;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * First-price bid shading by win-rate estimation and surplus maximisation (after Pan et al., "Bid Shading by
 * Win-Rate Estimation and Surplus Maximization", AdKDD 2020): learn the probability {@code w(b)} of winning with a
 * bid of {@code b} from win and loss notices, then bid the {@code b <= value} that maximises the expected surplus
 * {@code (value - b) * w(b)}.
 *
 * <p><b>Curves per context.</b> The market price of an impression depends on where and what it is, so, as in the
 * paper, the curve is learned per <em>context</em>: the publisher (app bundle, else site domain, else publisher
 * domain) and the format of the bid (width, height, media type), hashed into a 64-bit key by {@link #context} that the
 * bid's notice token carries back. Every notice also counts into one bidder-wide curve. The paper fits a parametric
 * (logistic) curve per context; this is the non-parametric version: bids fall into {@value #BUCKETS} log-spaced
 * price buckets (10% apart, from 0.01 CPM), each counting wins and losses with lock-free atomic adds from any thread.
 *
 * <p>{@link #refresh} (off the bid path, once a second on a worker thread) turns the counts into monotone curves: each
 * bucket's rate with a prior, then a weighted isotonic (non-decreasing) fit by pool-adjacent-violators, since the win
 * rate is the market price's distribution function. The bidder-wide curve's prior is Beta(1, 1) per bucket. A
 * context's curve is shrunk towards the bidder-wide one: its bucket rate is {@code (wins + k * global) / (bids + k)}
 * with {@code k = contextPriorWeight} pseudo-observations, so a new or sparse context shades like the bidder-wide curve
 * and a busy one by its own market. Until {@code minObservations} notices have arrived in all, no curve is trusted
 * and the configured shading factor applies.
 *
 * <p><b>Bounds.</b> About {@code maxContexts} contexts are tracked (about 3 KB each; threads racing to add the last
 * ones may pass the limit by one each); notices of further contexts still train the bidder-wide curve and are counted
 * in {@link #untracked()}. Contexts do not expire. Distinct contexts whose 64-bit keys collide (probability about
 * {@code n^2 / 2^65} for {@code n} contexts) share a curve.
 */
public final class WinRateCurve {
    public static final int BUCKETS = 128;
    /** The context of a bid that has none (a token from before contexts existed): only the bidder-wide curve. */
    public static final long NO_CONTEXT = 0L;
    private static final double MIN_CPM = 0.01;
    private static final double STEP = 1.1;
    private static final double LOG_STEP = Math.log(STEP);

    private final Counts global = new Counts();
    private final ConcurrentHashMap<Long, Counts> contexts = new ConcurrentHashMap<>();
    private final LongAdder untracked = new LongAdder();
    private final double fallbackFactor;
    private final int minObservations;
    private final int maxContexts;
    private final double contextPriorWeight;
    private volatile Curves curves = Curves.UNTRAINED;
    private final Scratch scratch = new Scratch();

    /** The curves of one refresh: immutable once published. */
    private record Curves(double[] global, Long2ObjectHashMap<double[]> byContext) {
        static final Curves UNTRAINED = new Curves(null, new Long2ObjectHashMap<>());
    }

    /**
     * @param fallbackFactor     bid = factor x value until the curves are trained
     * @param minObservations    notices (wins and market losses, all contexts) before any curve is used
     * @param maxContexts        contexts tracked at most; 0 keeps the bidder-wide curve only
     * @param contextPriorWeight pseudo-observations of the bidder-wide curve in each context bucket (&gt; 0)
     */
    public WinRateCurve(double fallbackFactor, int minObservations, int maxContexts, double contextPriorWeight) {
        if (maxContexts < 0 || !(contextPriorWeight > 0) || Double.isInfinite(contextPriorWeight)) {
            throw new IllegalArgumentException("maxContexts must be >= 0 and contextPriorWeight finite and > 0, were "
                + maxContexts + ", " + contextPriorWeight);
        }
        this.fallbackFactor = fallbackFactor;
        this.minObservations = minObservations;
        this.maxContexts = maxContexts;
        this.contextPriorWeight = contextPriorWeight;
    }

    /** A bidder-wide curve only. */
    public WinRateCurve(double fallbackFactor, int minObservations) {
        this(fallbackFactor, minObservations, 0, 1);
    }

    /**
     * The publisher part of a context key: a 64-bit FNV-1a hash of the publisher's name (an app's bundle, or a site's
     * domain or publisher domain; null when the request names none), with apps and sites apart. Stable across
     * restarts and allocation-free; compute it once per request.
     */
    public static long publisherKey(boolean app, String publisher) {
        long hash = app ? 0xA5A5_5A5A_C3C3_3C3CL : 0xCBF2_9CE4_8422_2325L; // FNV offset basis (sites)
        if (publisher == null) {
            return hash ^ 0x5BD1_E995L;
        }
        for (int i = 0; i < publisher.length(); i++) {
            hash = (hash ^ publisher.charAt(i)) * 0x100_0000_01B3L;
        }
        return hash;
    }

    /**
     * The context key of a bid: its publisher ({@link #publisherKey}) and format (width, height, media type), mixed
     * into 64 bits; never {@link #NO_CONTEXT}. Allocation-free.
     */
    public static long context(long publisherKey, int w, int h, int mtype) {
        final long format = (long) (w & 0xFFFF) << 19 | (long) (h & 0xFFFF) << 3 | (mtype & 0x7);
        final long key = SplitMix64.mix(publisherKey ^ SplitMix64.mix(format));
        return key == NO_CONTEXT ? 1L : key;
    }

    /** {@code context(publisherKey(app, publisher), w, h, mtype)}. */
    public static long context(boolean app, String publisher, int w, int h, int mtype) {
        return context(publisherKey(app, publisher), w, h, mtype);
    }

    static int bucket(double cpm) {
        if (!(cpm > MIN_CPM)) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.log(cpm / MIN_CPM) / LOG_STEP);
    }

    static double bucketPrice(int bucket) {
        return MIN_CPM * Math.pow(STEP, bucket);
    }

    /** Records the outcome of a bid of {@code cpm} (our currency) made in {@code context}. Any thread. */
    public void observe(long context, double cpm, boolean won) {
        final int bucket = bucket(cpm);
        global.add(bucket, won);
        if (context == NO_CONTEXT || maxContexts == 0) {
            return;
        }
        Counts counts = contexts.get(context);
        if (counts == null) {
            if (contexts.size() >= maxContexts) {
                untracked.increment();
                return;
            }
            counts = contexts.computeIfAbsent(context, k -> new Counts());
        }
        counts.add(bucket, won);
    }

    /** Rebuilds the curves from the counts (call periodically, off the bid path; one caller at a time). */
    public void refresh() {
        final Scratch scratch = this.scratch;
        final double[] g = global.rates(null, 0, minObservations, scratch);
        if (g == null) {
            curves = Curves.UNTRAINED;
            return;
        }
        final Long2ObjectHashMap<double[]> byContext = new Long2ObjectHashMap<>(Math.max(8, contexts.size() * 2),
            0.65f);
        contexts.forEach((key, counts) -> byContext.put(key, counts.rates(g, contextPriorWeight, 0, scratch)));
        curves = new Curves(g, byContext);
    }

    public boolean trained() {
        return curves.global != null;
    }

    /** Contexts tracked (each has a curve of its own from the next {@link #refresh} on). */
    public int contexts() {
        return contexts.size();
    }

    /** Notices that only trained the bidder-wide curve because {@code maxContexts} contexts were already tracked. */
    public long untracked() {
        return untracked.sum();
    }

    /**
     * The shaded first-price bid for an impression worth {@code value} CPM in {@code context} that must be at least
     * {@code floor}: the surplus-maximising bucket price under the context's curve (the bidder-wide curve for a context
     * not seen yet), or {@code fallbackFactor * value} before training. Never below the floor (the caller drops bids
     * whose value is below it) and never above the value. Allocation-free.
     */
    public double shade(long context, double value, double floor) {
        final Curves c = curves;
        final double[] rate = curve(c, context);
        if (rate == null) {
            return Math.min(value, Math.max(floor, value * fallbackFactor));
        }
        double best = Math.max(floor, value * fallbackFactor);
        double bestSurplus = (value - best) * rate[bucket(best)];
        final int top = bucket(value);
        for (int i = bucket(floor); i <= top; i++) {
            final double b = Math.max(floor, bucketPrice(i));
            if (b > value) {
                break;
            }
            final double surplus = (value - b) * rate[i];
            if (surplus > bestSurplus) {
                bestSurplus = surplus;
                best = b;
            }
        }
        return Math.min(value, best);
    }

    /** The current estimate of the win rate at {@code cpm} in {@code context}, or NaN before training. */
    public double winRate(long context, double cpm) {
        final double[] rate = curve(curves, context);
        return rate == null ? Double.NaN : rate[bucket(cpm)];
    }

    /** A context's counts and curve as of the last {@link #refresh} (null before training), for reports. */
    public record ContextCurve(long context, long notices, long wins, double[] curve) {
    }

    /** The bucket prices (CPM) the curves are indexed by, lowest first. For reports. */
    public static double[] bucketPrices() {
        final double[] prices = new double[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            prices[i] = bucketPrice(i);
        }
        return prices;
    }

    /**
     * For reports, off the bid path (it scans every context): the bidder-wide curve (context {@link #NO_CONTEXT})
     * first, then the {@code busiest} contexts with the most notices, each with its counts and its curve as of the
     * last {@link #refresh}. Read-only; the counts are read while notices may still arrive.
     */
    public java.util.List<ContextCurve> report(int busiest) {
        final Curves c = curves;
        final java.util.List<ContextCurve> out = new java.util.ArrayList<>();
        out.add(new ContextCurve(NO_CONTEXT, global.total(false), global.total(true), c.global));
        final java.util.List<ContextCurve> all = new java.util.ArrayList<>();
        contexts.forEach((key, counts) -> all.add(new ContextCurve(key, counts.total(false), counts.total(true),
            c.global == null ? null : c.byContext.get(key))));
        all.sort((a, b) -> Long.compare(b.notices(), a.notices()));
        out.addAll(all.subList(0, Math.min(Math.max(0, busiest), all.size())));
        return out;
    }

    private static double[] curve(Curves c, long context) {
        if (c.global == null) {
            return null;
        }
        final double[] own = context == NO_CONTEXT ? null : c.byContext.get(context);
        return own != null ? own : c.global;
    }

    /** Wins and bids per price bucket, counted by atomic adds. */
    private static final class Counts {
        private final AtomicLongArray wins = new AtomicLongArray(BUCKETS);
        private final AtomicLongArray bids = new AtomicLongArray(BUCKETS);

        long total(boolean won) {
            long sum = 0;
            for (int i = 0; i < BUCKETS; i++) {
                sum += won ? wins.get(i) : bids.get(i);
            }
            return sum;
        }

        void add(int bucket, boolean won) {
            if (won) {
                wins.getAndIncrement(bucket);
            }
            bids.getAndIncrement(bucket);
        }

        /**
         * The monotone curve, or null with fewer than {@code minTotal} bids. Each bucket's rate is estimated with a
         * prior: without a prior curve Beta(1, 1), with one {@code weight} (&gt; 0) pseudo-bids at the prior's rate;
         * then the rates are fitted by weighted isotonic regression (pool-adjacent-violators, weights = bids + prior
         * weight). Without a prior, buckets with no bids take the fitted rate below them (0 below the lowest bid).
         * Only the returned curve is allocated; the rest is {@code scratch} (one caller at a time).
         */
        double[] rates(double[] prior, double weight, long minTotal, Scratch scratch) {
            final double[] value = scratch.value;
            final double[] mass = scratch.mass;
            long total = 0;
            for (int i = 0; i < BUCKETS; i++) {
                final long n = bids.get(i);
                final long w = Math.min(n, wins.get(i)); // a win counted before its bid was: never above 100%
                total += n;
                if (prior != null) {
                    mass[i] = n + weight;
                    value[i] = (w + weight * prior[i]) / mass[i];
                } else {
                    mass[i] = n == 0 ? 0 : n + 2.0;
                    value[i] = (w + 1.0) / (n + 2.0);
                }
            }
            if (total < minTotal) {
                return null;
            }
            final double[] fit = new double[BUCKETS];
            isotonic(value, mass, fit, scratch);
            return fit;
        }
    }

    /** Working arrays of {@link #refresh}, reused (refresh has one caller at a time). */
    private static final class Scratch {
        final double[] value = new double[BUCKETS];
        final double[] mass = new double[BUCKETS];
        final double[] blockValue = new double[BUCKETS];
        final double[] blockWeight = new double[BUCKETS];
        final int[] blockEnd = new int[BUCKETS];
    }

    /** {@link #isotonic(double[], double[], double[], Scratch)} into a new array (tests). */
    static double[] isotonic(double[] value, double[] weight) {
        if (value.length > BUCKETS) {
            throw new IllegalArgumentException("at most " + BUCKETS + " points");
        }
        final double[] fit = new double[value.length];
        isotonic(value, weight, fit, new Scratch());
        return fit;
    }

    /**
     * Weighted least-squares non-decreasing fit (pool-adjacent-violators) of {@code value[0..fit.length)} into
     * {@code fit}. Points of zero weight take the fit of the nearest weighted point below them, or 0 when there is
     * none.
     */
    private static void isotonic(double[] value, double[] weight, double[] fit, Scratch scratch) {
        final int n = fit.length;
        final double[] blockValue = scratch.blockValue;
        final double[] blockWeight = scratch.blockWeight;
        final int[] blockEnd = scratch.blockEnd; // last index (inclusive) of each block
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            if (weight[i] <= 0) {
                continue;
            }
            double v = value[i];
            double m = weight[i];
            while (blocks > 0 && blockValue[blocks - 1] > v) {
                blocks--;
                v = (blockValue[blocks] * blockWeight[blocks] + v * m) / (blockWeight[blocks] + m);
                m += blockWeight[blocks];
            }
            blockValue[blocks] = v;
            blockWeight[blocks] = m;
            blockEnd[blocks] = i;
            blocks++;
        }
        int b = 0;
        double current = 0;
        boolean seen = false;
        for (int i = 0; i < n; i++) {
            if (weight[i] > 0) {
                while (blockEnd[b] < i) {
                    b++;
                }
                current = blockValue[b];
                seen = true;
            }
            fit[i] = seen ? current : 0.0;
        }
    }
}
