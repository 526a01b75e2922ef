package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.random.SplitMix64;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.atomic.LongAdder;

/**
 * First-price bid shading by win-rate estimation and surplus maximisation (after Pan et al., "Bid Shading by
 * Win-Rate Estimation and Surplus Maximization", AdKDD 2020): learn the probability {@code w(b)} of winning with a
 * bid of {@code b} from win and loss notices, then bid the {@code b <= value} that maximises the expected surplus
 * {@code (value - b) * w(b)}.
 *
 * <p><b>Curves per context, with back-off.</b> The market price of an impression depends on where and what it is, so,
 * as in the paper, the curve is learned per <em>context</em>, in three levels, each finer than the one before: the
 * publisher (app bundle, else site domain, else publisher domain) and the bid's format (width, height, media type),
 * hashed into a 64-bit key by {@link #context}; that and the device type ({@link #deviceKey}); that and the UTC hour of
 * day ({@link #hourKey}). The bid's notice token carries the first key, the device type and the hour back. Every notice
 * counts into one bidder-wide curve and its three contexts. The paper fits a parametric (logistic) curve per context;
 * this is the non-parametric version: bids fall into {@value #BUCKETS} log-spaced price buckets (10% apart, from
 * 0.01 CPM), each counting wins and bids ({@link WinRateCounts}: off-heap, optionally memory-mapped so the curves
 * survive restarts, changed by CAS from any thread).
 *
 * <p><b>Forgetting.</b> Markets drift within a day, so the counts decay with a half-life ({@code halfLifeMillis}, 0 for
 * none): each {@link #refresh(long)} multiplies them by {@code 2^(-elapsed / halfLife)}. A notice's weight halves every
 * half-life, so after a change in the market the curve follows within about a half-life's notices.
 *
 * <p>{@link #refresh} (off the bid path, once a second on a worker thread) turns the counts into monotone curves: each
 * bucket's rate with a prior, then a weighted isotonic (non-decreasing) fit by pool-adjacent-violators, since the win
 * rate is the market price's distribution function. The bidder-wide curve's prior is Beta(1, 1) per bucket. A
 * context's curve is shrunk towards its coarser one (publisher x format towards the bidder-wide curve, + device type
 * towards publisher x format, + hour towards + device type): its bucket rate is
 * {@code (wins + k * coarser) / (bids + k)} with {@code k = contextPriorWeight} pseudo-observations, so a new or sparse
 * context shades like the coarser curve and a busy one by its own market (the back-off of segment bandits). A bid uses
 * the finest curve there is for it. Until {@code minObservations} (decayed) notices are counted in all, no curve is
 * trusted and the configured shading factor applies.
 *
 * <p><b>Bounds.</b> About {@code maxContexts} contexts of all levels are tracked (a 2 KB record each in a table of
 * twice as many slots, plus a 1 KB curve per refresh); notices whose contexts find no place train the coarser curves
 * they have and are counted in {@link #untracked()}. Contexts do not expire. Distinct contexts whose 64-bit keys
 * collide (probability about {@code n^2 / 2^65} for {@code n} contexts) share a curve.
 */
public final class WinRateCurve {
    public static final int BUCKETS = 128;
    /** The context of a bid that has none (a token from before contexts existed): only the bidder-wide curve. */
    public static final long NO_CONTEXT = 0L;
    private static final double MIN_CPM = 0.01;
    private static final double STEP = 1.1;
    private static final double LOG_STEP = Math.log(STEP);
    private static final long DEVICE_SALT = 0x632B_E59B_D9B4_E019L;
    private static final long HOUR_SALT = 0x8CB9_2BA7_2F3D_8DD7L;

    private final WinRateCounts counts;
    private final LongAdder untracked = new LongAdder();
    private final double fallbackFactor;
    private final int minObservations;
    private final double contextPriorWeight;
    private final long halfLifeMillis;
    private volatile Curves curves = Curves.UNTRAINED;
    private final Scratch scratch = new Scratch();

    /** The curves of one refresh: immutable once published. */
    private record Curves(double[] global, Long2ObjectHashMap<double[]> byContext) {
        static final Curves UNTRAINED = new Curves(null, new Long2ObjectHashMap<>());
    }

    /**
     * @param counts             where the counts live (direct memory, or a mapped file that survives restarts)
     * @param fallbackFactor     bid = factor x value until the curves are trained
     * @param minObservations    notices (wins and market losses, all contexts, decayed) before any curve is used
     * @param contextPriorWeight pseudo-observations of the coarser curve in each context bucket (&gt; 0)
     * @param halfLifeMillis     half-life of the counts in milliseconds; 0 for none
     */
    public WinRateCurve(WinRateCounts counts, double fallbackFactor, int minObservations, double contextPriorWeight,
                        long halfLifeMillis) {
        if (!(contextPriorWeight > 0) || Double.isInfinite(contextPriorWeight) || halfLifeMillis < 0) {
            throw new IllegalArgumentException("contextPriorWeight must be finite and > 0 and halfLifeMillis >= 0, "
                + "were " + contextPriorWeight + ", " + halfLifeMillis);
        }
        this.counts = java.util.Objects.requireNonNull(counts);
        this.fallbackFactor = fallbackFactor;
        this.minObservations = minObservations;
        this.contextPriorWeight = contextPriorWeight;
        this.halfLifeMillis = halfLifeMillis;
    }

    /** In direct memory, without decay. */
    public WinRateCurve(double fallbackFactor, int minObservations, int maxContexts, double contextPriorWeight) {
        this(WinRateCounts.allocateDirect(maxContexts, 0), fallbackFactor, minObservations, contextPriorWeight, 0);
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
     * into 64 bits; never {@link #NO_CONTEXT} or -1. Allocation-free.
     */
    public static long context(long publisherKey, int w, int h, int mtype) {
        final long format = (long) (w & 0xFFFF) << 19 | (long) (h & 0xFFFF) << 3 | (mtype & 0x7);
        return usable(SplitMix64.mix(publisherKey ^ SplitMix64.mix(format)));
    }

    /** {@code context(publisherKey(app, publisher), w, h, mtype)}. */
    public static long context(boolean app, String publisher, int w, int h, int mtype) {
        return context(publisherKey(app, publisher), w, h, mtype);
    }

    /** The key of {@code context} on devices of OpenRTB type {@code device}. */
    public static long deviceKey(long context, int device) {
        return usable(SplitMix64.mix(context ^ (DEVICE_SALT * (device + 2L))));
    }

    /** The key of {@code deviceKey} at UTC hour of day {@code hour} (0..23). */
    public static long hourKey(long deviceKey, int hour) {
        return usable(SplitMix64.mix(deviceKey ^ (HOUR_SALT * (hour + 2L))));
    }

    private static long usable(long key) {
        return key == NO_CONTEXT ? 1L : key == WinRateCountsDescriptor.GLOBAL_KEY ? 2L : key;
    }

    /** The UTC hour of day of {@code epochMillis}. */
    public static int hourOfDay(long epochMillis) {
        return (int) Math.floorMod(epochMillis / 3_600_000L, 24L);
    }

    static int bucket(double cpm) {
        if (!(cpm > MIN_CPM)) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.log(cpm / MIN_CPM) / LOG_STEP);
    }

    /** The lowest price (CPM) of price bucket {@code bucket}. */
    public static double bucketPrice(int bucket) {
        return MIN_CPM * Math.pow(STEP, bucket);
    }

    /** Records the outcome of a bid of {@code cpm} made in {@code context} (publisher x format only). Any thread. */
    public void observe(long context, double cpm, boolean won) {
        observe(context, -1, -1, cpm, won);
    }

    /**
     * Records the outcome of a bid of {@code cpm} (our currency) made in {@code context} on device type {@code device}
     * (-1 unknown: the finer levels are not trained) at UTC hour {@code hour} (-1 unknown). Any thread.
     */
    public void observe(long context, int device, int hour, double cpm, boolean won) {
        final int bucket = bucket(cpm);
        counts.add(WinRateCounts.GLOBAL, bucket, won);
        if (context == NO_CONTEXT || counts.maxContexts() == 0) {
            return;
        }
        final int first = counts.findOrClaim(context, 0, 1, -1, -1);
        if (first < 0) {
            untracked.increment();
            return;
        }
        counts.add(first, bucket, won);
        if (device < 0) {
            return;
        }
        final long byDevice = deviceKey(context, device);
        final int second = counts.findOrClaim(byDevice, context, 2, device, -1);
        if (second < 0) {
            untracked.increment();
            return;
        }
        counts.add(second, bucket, won);
        if (hour < 0) {
            return;
        }
        final int third = counts.findOrClaim(hourKey(byDevice, hour), byDevice, 3, device, hour);
        if (third < 0) {
            untracked.increment();
            return;
        }
        counts.add(third, bucket, won);
    }

    /** Rebuilds the curves from the counts without decaying them (tests). */
    public void refresh() {
        fit();
    }

    /** Decays the counts to {@code nowMillis}, then rebuilds the curves (off the bid path; one caller at a time). */
    public void refresh(long nowMillis) {
        counts.decay(nowMillis, halfLifeMillis);
        fit();
    }

    private void fit() {
        final Scratch scratch = this.scratch;
        final double[] g = rates(WinRateCounts.GLOBAL, null, 0, minObservations, scratch);
        if (g == null) {
            curves = Curves.UNTRAINED;
            return;
        }
        final Long2ObjectHashMap<double[]> byContext = new Long2ObjectHashMap<>(Math.max(8, counts.contexts() * 2),
            0.65f);
        for (int level = 1; level <= 3; level++) {
            counts.forEachContext(level, offset -> {
                final double[] coarser = byContext.get(counts.parent(offset));
                byContext.put(counts.key(offset), rates(offset, coarser != null ? coarser : g, contextPriorWeight, 0,
                    scratch));
            });
        }
        curves = new Curves(g, byContext);
    }

    public boolean trained() {
        return curves.global != null;
    }

    /** Context records of all levels (each has a curve of its own from the next refresh on). */
    public int contexts() {
        return counts.contexts();
    }

    /** Notices that did not train all their contexts because {@code maxContexts} contexts were already tracked. */
    public long untracked() {
        return untracked.sum();
    }

    public WinRateCounts counts() {
        return counts;
    }

    public long halfLifeMillis() {
        return halfLifeMillis;
    }

    public int minObservations() {
        return minObservations;
    }

    /**
     * The fitted curve of the last refresh for {@code key} ({@link WinRateCountsDescriptor#GLOBAL_KEY} for the
     * bidder-wide one), or null (untrained, or no curve of its own yet). The array is shared: do not change it.
     */
    public double[] fitted(long key) {
        final Curves c = curves;
        return key == WinRateCountsDescriptor.GLOBAL_KEY ? c.global : c.global == null ? null : c.byContext.get(key);
    }

    /** {@code shade(context, -1, -1, value, floor)}: the publisher x format curve. */
    public double shade(long context, double value, double floor) {
        return shade(context, -1, -1, value, floor);
    }

    /**
     * The shaded first-price bid for an impression worth {@code value} CPM that must be at least {@code floor}: the
     * surplus-maximising bucket price under the finest curve there is for the bid (context + device + hour, else
     * context + device, else context, else bidder-wide), or {@code fallbackFactor * value} before training. Never
     * below the floor (the caller drops bids whose value is below it) and never above the value. Allocation-free.
     */
    public double shade(long context, int device, int hour, double value, double floor) {
        final double[] rate = curve(curves, context, device, hour);
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
        return winRate(context, -1, -1, cpm);
    }

    /** The current estimate of the win rate at {@code cpm} for a bid's finest curve, or NaN before training. */
    public double winRate(long context, int device, int hour, double cpm) {
        final double[] rate = curve(curves, context, device, hour);
        return rate == null ? Double.NaN : rate[bucket(cpm)];
    }

    /**
     * A context's (decayed) counts and curve as of the last {@link #refresh} (null before training, or for a context
     * first seen since), for reports. The bidder-wide one has context {@link #NO_CONTEXT} and level 0; a context's
     * {@code parent} is the coarser context's key (0: the bidder-wide curve), {@code device} and {@code hour} are -1
     * where its level does not have them.
     */
    public record ContextCurve(long context, long notices, long wins, double[] curve, int level, long parent,
                               int device, int hour) {
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
     * first, then the {@code busiest} contexts of every level with the most (decayed) notices, each with its counts
     * (rounded) and its curve as of the last {@link #refresh}. Read-only; counts are read while notices may arrive.
     */
    public java.util.List<ContextCurve> report(int busiest) {
        final Curves c = curves;
        final java.util.List<ContextCurve> out = new java.util.ArrayList<>();
        out.add(new ContextCurve(NO_CONTEXT, Math.round(counts.totalBids(WinRateCounts.GLOBAL)),
            Math.round(totalWins(WinRateCounts.GLOBAL)), c.global, 0, 0, -1, -1));
        final java.util.List<ContextCurve> all = new java.util.ArrayList<>();
        for (int level = 1; level <= 3; level++) {
            final int l = level;
            counts.forEachContext(level, offset -> {
                final long key = counts.key(offset);
                all.add(new ContextCurve(key, Math.round(counts.totalBids(offset)), Math.round(totalWins(offset)),
                    c.global == null ? null : c.byContext.get(key), l, counts.parent(offset),
                    l >= 2 ? counts.device(offset) : -1, l == 3 ? counts.hour(offset) : -1));
            });
        }
        all.sort((x, y) -> Long.compare(y.notices(), x.notices()));
        out.addAll(all.subList(0, Math.min(Math.max(0, busiest), all.size())));
        return out;
    }

    private double totalWins(int offset) {
        double total = 0;
        for (int b = 0; b < BUCKETS; b++) {
            total += counts.wins(offset, b);
        }
        return total;
    }

    private static double[] curve(Curves c, long context, int device, int hour) {
        if (c.global == null) {
            return null;
        }
        if (context == NO_CONTEXT) {
            return c.global;
        }
        if (device >= 0) {
            final long byDevice = deviceKey(context, device);
            if (hour >= 0) {
                final double[] finest = c.byContext.get(hourKey(byDevice, hour));
                if (finest != null) {
                    return finest;
                }
            }
            final double[] own = c.byContext.get(byDevice);
            if (own != null) {
                return own;
            }
        }
        final double[] own = c.byContext.get(context);
        return own != null ? own : c.global;
    }

    /**
     * The monotone curve of the record at {@code offset}, or null with fewer than {@code minTotal} (decayed) bids. Each
     * bucket's rate is estimated with a prior: without a prior curve Beta(1, 1), with one {@code weight} (&gt; 0)
     * pseudo-bids at the prior's rate; then the rates are fitted by weighted isotonic regression
     * (pool-adjacent-violators, weights = bids + prior weight). Without a prior, buckets with no bids take the fitted
     * rate below them (0 below the lowest bid). Only the returned curve is allocated; the rest is {@code scratch}.
     */
    private double[] rates(int offset, double[] prior, double weight, long minTotal, Scratch scratch) {
        final double[] value = scratch.value;
        final double[] mass = scratch.mass;
        double total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            final double n = counts.bids(offset, i);
            final double w = Math.min(n, counts.wins(offset, i)); // a win counted before its bid was: never above 100%
            total += n;
            if (prior != null) {
                mass[i] = n + weight;
                value[i] = (w + weight * prior[i]) / mass[i];
            } else {
                mass[i] = n <= 0 ? 0 : n + 2.0;
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
