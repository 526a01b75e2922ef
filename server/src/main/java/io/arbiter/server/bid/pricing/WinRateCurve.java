package io.arbiter.server.bid.pricing;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * First-price bid shading by win-rate estimation and surplus maximisation (after Pan et al., "Bid Shading by
 * Win-Rate Estimation and Surplus Maximization", AdKDD 2020): learn the probability {@code w(b)} of winning with a
 * bid of {@code b} from win and loss notices, then bid the {@code b <= value} that maximises the expected surplus
 * {@code (value - b) * w(b)}.
 *
 * <p>The paper fits a parametric (logistic) curve per context; this is the non-parametric version of the same idea,
 * one curve per bidder: bids fall into {@value #BUCKETS} log-spaced price buckets (10% apart, from 0.01 CPM), each
 * counting its wins and losses with lock-free atomic adds from any thread. {@link #refresh} (off the bid path, once a
 * second) turns the counts into a monotone curve: each bucket's rate is pooled with its two neighbours, then forced
 * non-decreasing in the bid (pool-adjacent-violators would be exact; a running maximum is the cheap upper envelope).
 * Until {@code minObservations} notices have arrived the curve is not trusted and the configured shading factor
 * applies instead.
 */
public final class WinRateCurve {
    public static final int BUCKETS = 128;
    private static final double MIN_CPM = 0.01;
    private static final double STEP = 1.1;
    private static final double LOG_STEP = Math.log(STEP);

    private final AtomicLongArray wins = new AtomicLongArray(BUCKETS);
    private final AtomicLongArray losses = new AtomicLongArray(BUCKETS);
    private final double fallbackFactor;
    private final int minObservations;
    private volatile double[] curve;

    public WinRateCurve(double fallbackFactor, int minObservations) {
        this.fallbackFactor = fallbackFactor;
        this.minObservations = minObservations;
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

    /** Records the outcome of a first-price bid of {@code cpm}. */
    public void observe(double cpm, boolean won) {
        (won ? wins : losses).getAndIncrement(bucket(cpm));
    }

    /** Rebuilds the curve from the counts (call periodically, off the bid path). */
    public void refresh() {
        long total = 0;
        final long[] w = new long[BUCKETS];
        final long[] n = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            w[i] = wins.get(i);
            n[i] = w[i] + losses.get(i);
            total += n[i];
        }
        if (total < minObservations) {
            curve = null;
            return;
        }
        final double[] rate = new double[BUCKETS];
        double envelope = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long sw = 0;
            long sn = 0;
            for (int j = Math.max(0, i - 1); j <= Math.min(BUCKETS - 1, i + 1); j++) {
                sw += w[j];
                sn += n[j];
            }
            // With no data nearby keep the envelope (monotone); a Beta(1, 1) prior keeps sparse buckets off 0 and 1.
            final double r = sn == 0 ? envelope : (sw + 1.0) / (sn + 2.0);
            envelope = Math.max(envelope, r);
            rate[i] = envelope;
        }
        curve = rate;
    }

    public boolean trained() {
        return curve != null;
    }

    /**
     * The shaded first-price bid for an impression worth {@code value} CPM that must be at least {@code floor}:
     * the surplus-maximising bucket price, or {@code fallbackFactor * value} before the curve is trained. Never below
     * the floor (the caller drops bids whose value is below it) and never above the value.
     */
    public double shade(double value, double floor) {
        final double[] rate = curve;
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

    /** The current estimate of the win rate at {@code cpm}, or NaN before training (reports and tests). */
    public double winRate(double cpm) {
        final double[] rate = curve;
        return rate == null ? Double.NaN : rate[bucket(cpm)];
    }
}
