package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.random.SplitMix64;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Click-rate multipliers per campaign and context (the bid's publisher x format, {@link WinRateCurve#context}): how
 * much likelier a click is in this context than over the whole campaign, learned from billing (impressions) and click
 * notices and shrunk towards 1 by a strength of pseudo-impressions at the campaign's own rate:
 *
 * <pre>
 *   campaign rate r = (clicks + 1) / (impressions + 200)              over every context of the campaign
 *   multiplier      = (context clicks + s x r) / ((context impressions + s) x r)
 * </pre>
 *
 * so a context with few impressions keeps about 1 (the campaign's rate), and one with many moves to its own rate.
 * The bidder multiplies the creative's click rate by it: the creatives' posteriors learn which creative is best, the
 * contexts learn where clicks are likelier (the sites' effect), with as many counts as contexts rather than
 * creatives x contexts. The multiplier is kept within [{@value #MIN_MULTIPLIER}, {@value #MAX_MULTIPLIER}].
 *
 * <p><b>Bounds.</b> At most {@code maxContexts} (campaign, context) pairs are tracked, in an open-addressed table of
 * twice as many slots; a notice whose pair finds no place counts only towards its campaign's rate (its context bids at
 * the campaign's rate, multiplier 1). Campaign totals are kept in the same table (context 0). Not persisted: a restart
 * starts every multiplier at 1 again.
 *
 * <p><b>Threads.</b> Any number of notice threads add and any number of bidders read at once: keys are claimed by CAS
 * (a slot, once claimed, keeps its key), counts are atomic adds. A reader may see an impression without the click that
 * came with it; that is one notice's worth of difference. Nothing is allocated after construction.
 */
public final class ClickRateContexts {
    public static final double MIN_MULTIPLIER = 0.1;
    public static final double MAX_MULTIPLIER = 10.0;
    private static final double PRIOR_CLICKS = 1;
    private static final double PRIOR_IMPRESSIONS = 200;
    private static final long EMPTY = 0;
    private static final int MAX_PROBES = 32;

    private final int maxContexts;
    private final double strength;
    private final int mask;
    private final AtomicLongArray keys;
    /** Per slot: impressions at {@code 2 * slot}, clicks at {@code 2 * slot + 1}. */
    private final AtomicLongArray counts;
    private final AtomicInteger used = new AtomicInteger();

    /**
     * @param maxContexts (campaign, context) pairs tracked at most, campaign totals included (0: none, every
     *                    multiplier is 1)
     * @param strength    pseudo-impressions at the campaign's rate in every context (greater than 0)
     */
    public ClickRateContexts(int maxContexts, double strength) {
        if (maxContexts < 0 || maxContexts > 1 << 24) {
            throw new IllegalArgumentException("maxContexts must be in 0..2^24: " + maxContexts);
        }
        if (!(strength > 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("strength must be a positive number: " + strength);
        }
        this.maxContexts = maxContexts;
        this.strength = strength;
        final int capacity = maxContexts == 0 ? 1 : Integer.highestOneBit(Math.max(2, 2 * maxContexts - 1)) << 1;
        this.mask = capacity - 1;
        this.keys = new AtomicLongArray(capacity);
        this.counts = new AtomicLongArray(2 * capacity);
    }

    /** Counts a billed impression of campaign {@code slot} in {@code context}. */
    public void impression(int slot, long context) {
        add(slot, context, 0);
    }

    /** Counts a click on an impression of campaign {@code slot} in {@code context}. */
    public void click(int slot, long context) {
        add(slot, context, 1);
    }

    private void add(int slot, long context, int field) {
        if (maxContexts == 0) {
            return;
        }
        final int total = find(key(slot, 0), true);
        if (total >= 0) {
            counts.getAndIncrement(2 * total + field);
        }
        if (context != 0) {
            final int own = find(key(slot, context), true);
            if (own >= 0) {
                counts.getAndIncrement(2 * own + field);
            }
        }
    }

    /** The click-rate multiplier of campaign {@code slot} in {@code context} (1 when it is not tracked). */
    public double multiplier(int slot, long context) {
        if (maxContexts == 0 || context == 0) {
            return 1.0;
        }
        final int own = find(key(slot, context), false);
        if (own < 0) {
            return 1.0;
        }
        final int total = find(key(slot, 0), false);
        if (total < 0) {
            return 1.0;
        }
        final double rate = (counts.get(2 * total + 1) + PRIOR_CLICKS)
            / (counts.get(2 * total) + PRIOR_IMPRESSIONS);
        final double impressions = counts.get(2 * own);
        final double clicks = counts.get(2 * own + 1);
        final double m = (clicks + strength * rate) / ((impressions + strength) * rate);
        return Math.max(MIN_MULTIPLIER, Math.min(MAX_MULTIPLIER, m));
    }

    /** Impressions counted for campaign {@code slot} in {@code context} (0 for campaign totals' context). */
    public long impressions(int slot, long context) {
        final int at = find(key(slot, context), false);
        return at < 0 ? 0 : counts.get(2 * at);
    }

    /** Clicks counted for campaign {@code slot} in {@code context}. */
    public long clicks(int slot, long context) {
        final int at = find(key(slot, context), false);
        return at < 0 ? 0 : counts.get(2 * at + 1);
    }

    /** Pairs tracked (campaign totals included). */
    public int size() {
        return used.get();
    }

    public double strength() {
        return strength;
    }

    private static long key(int slot, long context) {
        final long k = SplitMix64.mix(context ^ SplitMix64.mix(0x9E37_79B9_7F4A_7C15L + slot));
        return k == EMPTY ? 1 : k;
    }

    /** The slot of {@code key}, claiming a free one when {@code claim} and there is room; else -1. */
    private int find(long key, boolean claim) {
        int at = (int) (key ^ (key >>> 32)) & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++, at = (at + 1) & mask) {
            final long present = keys.get(at);
            if (present == key) {
                return at;
            }
            if (present == EMPTY) {
                if (!claim) {
                    return -1;
                }
                if (used.incrementAndGet() > maxContexts) {
                    used.decrementAndGet();
                    return -1;
                }
                if (keys.compareAndSet(at, EMPTY, key)) {
                    return at;
                }
                used.decrementAndGet(); // lost the slot to another key (or the same one): look again here
                if (keys.get(at) == key) {
                    return at;
                }
            }
        }
        return -1;
    }
}
