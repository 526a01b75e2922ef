package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.offheap.MappedFile;
import io.arbiter.bandits.random.SplitMix64;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.CLICKS_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.HEADER_LENGTH;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.IMPRESSIONS_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.KEY_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.LAYOUT;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.MAX_CONTEXTS_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.RECORD_LENGTH;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.SLOTS_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.USED_OFFSET;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.length;
import static io.arbiter.server.bid.pricing.ClickRateContextsDescriptor.slotsFor;

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
 * twice as many slots ({@link ClickRateContextsDescriptor}); a notice whose pair finds no place counts only towards its
 * campaign's rate (its context bids at the campaign's rate, multiplier 1). Campaign totals are kept in the same table
 * (context 0).
 *
 * <p><b>Persistence.</b> The counts are off-heap: in direct memory ({@link #ClickRateContexts(int, double)}) or
 * memory-mapped through {@link MappedFile} ({@link #mapFile}), so the multipliers survive a restart, and a SIGKILL too
 * (the page cache outlives the process; the notice in flight may be partly counted). A power loss takes what was not
 * flushed ({@link #force}). An existing file keeps its size, whatever {@code maxContexts} is passed.
 *
 * <p><b>Threads.</b> Any number of notice threads add and any number of bidders read at once: keys are claimed by CAS
 * (a slot, once claimed, keeps its key), counts are atomic adds. A reader may see an impression without the click that
 * came with it; that is one notice's worth of difference. Nothing is allocated after construction.
 */
public final class ClickRateContexts implements AutoCloseable {
    public static final double MIN_MULTIPLIER = 0.1;
    public static final double MAX_MULTIPLIER = 10.0;
    private static final double PRIOR_CLICKS = 1;
    private static final double PRIOR_IMPRESSIONS = 200;
    private static final long EMPTY = 0;
    private static final int MAX_PROBES = 32;

    private final AtomicBuffer buffer;
    private final MappedFile file;
    private final int maxContexts;
    private final double strength;
    private final int mask;

    /**
     * Counts in direct (non-persistent) memory.
     *
     * @param maxContexts (campaign, context) pairs tracked at most, campaign totals included (0: none, every
     *                    multiplier is 1)
     * @param strength    pseudo-impressions at the campaign's rate in every context (greater than 0)
     */
    public ClickRateContexts(int maxContexts, double strength) {
        this(direct(check(maxContexts)), null, checkStrength(strength));
    }

    private ClickRateContexts(AtomicBuffer buffer, MappedFile file, double strength) {
        this.buffer = buffer;
        this.file = file;
        this.strength = strength;
        this.maxContexts = buffer.getInt(MAX_CONTEXTS_OFFSET);
        this.mask = buffer.getInt(SLOTS_OFFSET) - 1;
    }

    /**
     * Opens the counts in {@code file}, creating it for {@code maxContexts} pairs when absent; an existing file keeps
     * its size ({@link #maxContexts()} says which) and its counts. A file that was not closed cleanly has its count of
     * claimed pairs recounted from its keys (a kill between claiming a place and taking the key may have left it one
     * too high).
     *
     * @throws IllegalStateException if the file exists but is not a click-rate contexts file of this version and
     *                               consistent length (it is left unchanged)
     */
    public static ClickRateContexts mapFile(Path file, int maxContexts, double strength) {
        check(maxContexts);
        checkStrength(strength);
        final MappedFile mapped = MappedFile.mapNewOrExisting(file, LAYOUT, length(slotsFor(maxContexts)),
            b -> writeFields(b, maxContexts));
        final ClickRateContexts contexts = new ClickRateContexts(mapped.buffer(), mapped, strength);
        if (!mapped.wasCreated() && !mapped.wasCleanlyClosed()) {
            contexts.recountUsed();
        }
        return contexts;
    }

    private static AtomicBuffer direct(int maxContexts) {
        final UnsafeBuffer b = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            (int) length(slotsFor(maxContexts)), 64));
        LAYOUT.initialise(b, fields -> writeFields(fields, maxContexts));
        return b;
    }

    private static void writeFields(AtomicBuffer b, int maxContexts) {
        b.putInt(SLOTS_OFFSET, slotsFor(maxContexts));
        b.putInt(MAX_CONTEXTS_OFFSET, maxContexts);
        b.putLong(USED_OFFSET, 0);
    }

    private static int check(int maxContexts) {
        if (maxContexts < 0 || maxContexts > ClickRateContextsDescriptor.MAX_CONTEXTS) {
            throw new IllegalArgumentException("maxContexts must be in 0..2^24: " + maxContexts);
        }
        return maxContexts;
    }

    private static double checkStrength(double strength) {
        if (!(strength > 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("strength must be a positive number: " + strength);
        }
        return strength;
    }

    /** Called at open only, before any other user. */
    private void recountUsed() {
        long used = 0;
        for (int slot = 0; slot <= mask; slot++) {
            if (buffer.getLongVolatile(offset(slot) + KEY_OFFSET) != EMPTY) {
                used++;
            }
        }
        buffer.putLongVolatile(USED_OFFSET, used);
    }

    /** Counts a billed impression of campaign {@code slot} in {@code context}. */
    public void impression(int slot, long context) {
        add(slot, context, IMPRESSIONS_OFFSET);
    }

    /** Counts a click on an impression of campaign {@code slot} in {@code context}. */
    public void click(int slot, long context) {
        add(slot, context, CLICKS_OFFSET);
    }

    private void add(int slot, long context, int field) {
        if (maxContexts == 0) {
            return;
        }
        final int total = find(key(slot, 0), true);
        if (total >= 0) {
            buffer.getAndAddLong(total + field, 1);
        }
        if (context != 0) {
            final int own = find(key(slot, context), true);
            if (own >= 0) {
                buffer.getAndAddLong(own + field, 1);
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
        final double rate = (buffer.getLongVolatile(total + CLICKS_OFFSET) + PRIOR_CLICKS)
            / (buffer.getLongVolatile(total + IMPRESSIONS_OFFSET) + PRIOR_IMPRESSIONS);
        final double impressions = buffer.getLongVolatile(own + IMPRESSIONS_OFFSET);
        final double clicks = buffer.getLongVolatile(own + CLICKS_OFFSET);
        final double m = (clicks + strength * rate) / ((impressions + strength) * rate);
        return Math.max(MIN_MULTIPLIER, Math.min(MAX_MULTIPLIER, m));
    }

    /** Impressions counted for campaign {@code slot} in {@code context} (0 for campaign totals' context). */
    public long impressions(int slot, long context) {
        final int at = find(key(slot, context), false);
        return at < 0 ? 0 : buffer.getLongVolatile(at + IMPRESSIONS_OFFSET);
    }

    /** Clicks counted for campaign {@code slot} in {@code context}. */
    public long clicks(int slot, long context) {
        final int at = find(key(slot, context), false);
        return at < 0 ? 0 : buffer.getLongVolatile(at + CLICKS_OFFSET);
    }

    /** Pairs tracked (campaign totals included). */
    public int size() {
        return (int) buffer.getLongVolatile(USED_OFFSET);
    }

    /** Pairs that can be tracked: the file's, which may differ from the {@code maxContexts} a later start asks for. */
    public int maxContexts() {
        return maxContexts;
    }

    public double strength() {
        return strength;
    }

    /** Whether the file had been closed cleanly (false for a new file, after a crash and for direct memory). */
    public boolean wasCleanlyClosed() {
        return file != null && file.wasCleanlyClosed();
    }

    /** Flushes a mapped file to disk (no-op for direct memory). Any thread. */
    public void force() {
        if (file != null) {
            file.force();
        }
    }

    /** Marks the file cleanly closed, flushes and unmaps it (idempotent); every user must have stopped. */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }

    private static long key(int slot, long context) {
        final long k = SplitMix64.mix(context ^ SplitMix64.mix(0x9E37_79B9_7F4A_7C15L + slot));
        return k == EMPTY ? 1 : k;
    }

    private static int offset(int slot) {
        return HEADER_LENGTH + slot * RECORD_LENGTH;
    }

    /** The record offset of {@code key}, claiming a free slot when {@code claim} and there is room; else -1. */
    private int find(long key, boolean claim) {
        int at = (int) (key ^ (key >>> 32)) & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++, at = (at + 1) & mask) {
            final int offset = offset(at);
            final long present = buffer.getLongVolatile(offset + KEY_OFFSET);
            if (present == key) {
                return offset;
            }
            if (present == EMPTY) {
                if (!claim) {
                    return -1;
                }
                // a place first, then the key: the count never passes maxContexts, whoever wins the slot
                if (buffer.getAndAddLong(USED_OFFSET, 1) >= maxContexts) {
                    buffer.getAndAddLong(USED_OFFSET, -1);
                    return -1;
                }
                if (buffer.compareAndSetLong(offset + KEY_OFFSET, EMPTY, key)) {
                    return offset;
                }
                buffer.getAndAddLong(USED_OFFSET, -1); // lost the slot to another key (or the same one): look again
                if (buffer.getLongVolatile(offset + KEY_OFFSET) == key) {
                    return offset;
                }
            }
        }
        return -1;
    }
}
