package io.arbiter.server.bid;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The distribution of each campaign's clearing prices since the server started: every billed impression's clearing
 * price (CPM, our currency) counted in one of {@link #BUCKETS} logarithmic buckets, {@link #PER_DECADE} per decade
 * from {@link #LOWEST_CPM} up (the first bucket also takes every lower price, the last every higher one). Thread-safe;
 * recording is a map lookup and an atomic add, without allocation once the campaign has its array. Memory: one array
 * of {@link #BUCKETS} longs per campaign that was ever billed. Not persisted: a restart starts the counts afresh.
 */
public final class ClearingPrices {
    /** Buckets per decade of price. */
    public static final int PER_DECADE = 8;
    /** The lowest bucket's lower edge, CPM. */
    public static final double LOWEST_CPM = 0.01;
    /** Buckets in all: 0.01 to 1,000 CPM. */
    public static final int BUCKETS = 5 * PER_DECADE;

    private final Map<String, AtomicLongArray> byCampaign = new ConcurrentHashMap<>();

    /** Counts one billed impression of {@code campaign} at {@code cpm} (finite, at least 0). */
    public void record(String campaign, double cpm) {
        byCampaign.computeIfAbsent(campaign, c -> new AtomicLongArray(BUCKETS)).incrementAndGet(bucket(cpm));
    }

    /** The bucket of {@code cpm}: 0 for a price below {@link #LOWEST_CPM}, {@code BUCKETS - 1} for the highest. */
    public static int bucket(double cpm) {
        if (!(cpm > LOWEST_CPM)) {
            return 0;
        }
        final int b = (int) Math.floor(Math.log10(cpm / LOWEST_CPM) * PER_DECADE);
        return Math.min(BUCKETS - 1, Math.max(0, b));
    }

    /** The lower edge of bucket {@code b} (0..{@code BUCKETS}), CPM. */
    public static double edge(int b) {
        return LOWEST_CPM * Math.pow(10, (double) b / PER_DECADE);
    }

    /** A copy of {@code campaign}'s counts per bucket (all 0 before its first billed impression). */
    public long[] counts(String campaign) {
        final long[] out = new long[BUCKETS];
        final AtomicLongArray counts = byCampaign.get(campaign);
        if (counts != null) {
            for (int i = 0; i < BUCKETS; i++) {
                out[i] = counts.get(i);
            }
        }
        return out;
    }
}
