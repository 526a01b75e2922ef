package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.offheap.MappedFile;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.CONTEXTS_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.COUNTS_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.DECAYED_AT_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.DEVICE_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.GLOBAL_KEY;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.HEADER_LENGTH;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.HOUR_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.KEY_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.LAYOUT;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.LEVEL_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.MAX_CONTEXTS_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.PARENT_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.RECORD_LENGTH;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.SLOTS_OFFSET;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.length;
import static io.arbiter.server.bid.pricing.WinRateCountsDescriptor.slotsFor;

/**
 * The win-rate curves' counts off-heap ({@link WinRateCountsDescriptor}), optionally memory-mapped through
 * {@link MappedFile} so the learned curves survive a restart (and a SIGKILL: the page cache outlives the process; a
 * power loss takes what was not flushed, at most one flush interval). Wins and bids per price bucket are doubles
 * because they decay ({@link #decay}); every change is a CAS on the value's bits, so concurrent adds and a concurrent
 * decay never lose one another. Context records are claimed lock-free (CAS on the key) and never freed; about
 * {@code maxContexts} can be claimed (threads racing for the last places may pass it by one each).
 */
public final class WinRateCounts implements AutoCloseable {
    /** Offset of the bidder-wide record. */
    public static final int GLOBAL = HEADER_LENGTH;

    private final AtomicBuffer buffer;
    private final MappedFile file;
    private final int slots;
    private final int maxContexts;

    private WinRateCounts(AtomicBuffer buffer, MappedFile file) {
        this.buffer = buffer;
        this.file = file;
        this.slots = buffer.getInt(SLOTS_OFFSET);
        this.maxContexts = buffer.getInt(MAX_CONTEXTS_OFFSET);
    }

    /** Counts in direct (non-persistent) memory for {@code maxContexts} contexts (0 to 500,000). */
    public static WinRateCounts allocateDirect(int maxContexts, long nowMillis) {
        final int slots = slotsFor(check(maxContexts));
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int) length(slots), 64));
        LAYOUT.initialise(buffer, b -> writeFields(b, slots, maxContexts, nowMillis));
        return new WinRateCounts(buffer, null);
    }

    /**
     * Opens the counts in {@code file}, creating it for {@code maxContexts} contexts when absent; an existing file
     * keeps its size and its counts.
     *
     * @throws IllegalStateException if the file exists but is not a counts file of this version
     */
    public static WinRateCounts mapFile(Path file, int maxContexts, long nowMillis) {
        final int slots = slotsFor(check(maxContexts));
        final MappedFile mapped = MappedFile.mapNewOrExisting(file, LAYOUT, length(slots),
            b -> writeFields(b, slots, maxContexts, nowMillis));
        return new WinRateCounts(mapped.buffer(), mapped);
    }

    private static int check(int maxContexts) {
        if (maxContexts < 0 || maxContexts > WinRateCountsDescriptor.MAX_SLOTS / 2) {
            throw new IllegalArgumentException("maxContexts must be in 0.." + WinRateCountsDescriptor.MAX_SLOTS / 2
                + ", was " + maxContexts);
        }
        return maxContexts;
    }

    private static void writeFields(AtomicBuffer b, int slots, int maxContexts, long nowMillis) {
        b.putInt(SLOTS_OFFSET, slots);
        b.putInt(MAX_CONTEXTS_OFFSET, maxContexts);
        b.putLong(DECAYED_AT_OFFSET, nowMillis);
        b.putLong(CONTEXTS_OFFSET, 0);
        b.putLong(GLOBAL + KEY_OFFSET, GLOBAL_KEY);
    }

    /** Whether the file had been closed cleanly (false for a new file, after a crash and for direct memory). */
    public boolean wasCleanlyClosed() {
        return file != null && file.wasCleanlyClosed();
    }

    public int maxContexts() {
        return maxContexts;
    }

    /** Context records claimed. */
    public int contexts() {
        return (int) buffer.getLongAcquire(CONTEXTS_OFFSET);
    }

    private int slotOffset(int slot) {
        return HEADER_LENGTH + (slot + 1) * RECORD_LENGTH;
    }

    private int home(long key) {
        return (int) (key ^ (key >>> 32)) & (slots - 1);
    }

    /** The record of {@code key}, or -1. Any thread; allocation-free. */
    public int find(long key) {
        for (int i = 0, slot = home(key); i < slots; i++, slot = (slot + 1) & (slots - 1)) {
            final int offset = slotOffset(slot);
            final long k = buffer.getLongAcquire(offset + KEY_OFFSET);
            if (k == key) {
                return offset;
            }
            if (k == 0) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The record of {@code key}, claimed with these attributes when new; -1 when {@code maxContexts} are claimed
     * already. Any thread.
     *
     * @param key   a context key, neither 0 nor -1
     * @param level 1, 2 or 3
     */
    public int findOrClaim(long key, long parent, int level, int device, int hour) {
        for (int i = 0, slot = home(key); i < slots; i++, slot = (slot + 1) & (slots - 1)) {
            final int offset = slotOffset(slot);
            long k = buffer.getLongAcquire(offset + KEY_OFFSET);
            if (k == 0) {
                if (contexts() >= maxContexts) {
                    return -1;
                }
                if (buffer.compareAndSetLong(offset + KEY_OFFSET, 0, key)) {
                    buffer.putLong(offset + PARENT_OFFSET, parent);
                    buffer.putInt(offset + DEVICE_OFFSET, device);
                    buffer.putInt(offset + HOUR_OFFSET, hour);
                    buffer.putIntRelease(offset + LEVEL_OFFSET, level); // readers take a record once its level shows
                    buffer.getAndAddLong(CONTEXTS_OFFSET, 1);
                    return offset;
                }
                k = buffer.getLongAcquire(offset + KEY_OFFSET);
            }
            if (k == key) {
                return offset;
            }
        }
        return -1;
    }

    /** Counts one bid, won or not, in bucket {@code bucket} of the record at {@code offset}. Any thread. */
    public void add(int offset, int bucket, boolean won) {
        final int at = offset + COUNTS_OFFSET + bucket * 16;
        if (won) {
            addDouble(at, 1.0);
        }
        addDouble(at + 8, 1.0);
    }

    private void addDouble(int at, double delta) {
        while (true) {
            final long bits = buffer.getLongVolatile(at);
            if (buffer.compareAndSetLong(at, bits, Double.doubleToRawLongBits(Double.longBitsToDouble(bits) + delta))) {
                return;
            }
        }
    }

    /**
     * Decays every count to {@code nowMillis} with half-life {@code halfLifeMillis} (0: no decay), from the time they
     * were last decayed to (kept in the file, so a restart decays the time it was down too). One caller at a time;
     * concurrent adds are safe (each lands before or after its bucket's multiplication).
     */
    public void decay(long nowMillis, long halfLifeMillis) {
        final long from = buffer.getLongVolatile(DECAYED_AT_OFFSET);
        if (halfLifeMillis <= 0 || nowMillis <= from) {
            return;
        }
        final double factor = Math.pow(0.5, (double) (nowMillis - from) / halfLifeMillis);
        scale(GLOBAL, factor);
        for (int slot = 0; slot < slots; slot++) {
            final int offset = slotOffset(slot);
            if (buffer.getLongAcquire(offset + KEY_OFFSET) != 0) {
                scale(offset, factor);
            }
        }
        buffer.putLongVolatile(DECAYED_AT_OFFSET, nowMillis);
    }

    private void scale(int offset, double factor) {
        for (int at = offset + COUNTS_OFFSET, end = offset + RECORD_LENGTH; at < end; at += 8) {
            while (true) {
                final long bits = buffer.getLongVolatile(at);
                if (bits == 0) {
                    break;
                }
                if (buffer.compareAndSetLong(at, bits, Double.doubleToRawLongBits(Double.longBitsToDouble(bits)
                    * factor))) {
                    break;
                }
            }
        }
    }

    /** The time the counts are decayed to. */
    public long decayedAtMillis() {
        return buffer.getLongVolatile(DECAYED_AT_OFFSET);
    }

    public double wins(int offset, int bucket) {
        return Double.longBitsToDouble(buffer.getLongVolatile(offset + COUNTS_OFFSET + bucket * 16));
    }

    public double bids(int offset, int bucket) {
        return Double.longBitsToDouble(buffer.getLongVolatile(offset + COUNTS_OFFSET + bucket * 16 + 8));
    }

    /** Sum of the (decayed) bids of a record. */
    public double totalBids(int offset) {
        double total = 0;
        for (int b = 0; b < WinRateCurve.BUCKETS; b++) {
            total += bids(offset, b);
        }
        return total;
    }

    public long key(int offset) {
        return buffer.getLongAcquire(offset + KEY_OFFSET);
    }

    public long parent(int offset) {
        return buffer.getLong(offset + PARENT_OFFSET);
    }

    /** 1 (publisher x format), 2 (+ device type), 3 (+ hour); 0 while the record is being claimed. */
    public int level(int offset) {
        return buffer.getIntAcquire(offset + LEVEL_OFFSET);
    }

    public int device(int offset) {
        return buffer.getInt(offset + DEVICE_OFFSET);
    }

    public int hour(int offset) {
        return buffer.getInt(offset + HOUR_OFFSET);
    }

    /** Calls {@code visitor} with the offset of every claimed context record whose level is {@code level}. */
    public void forEachContext(int level, java.util.function.IntConsumer visitor) {
        for (int slot = 0; slot < slots; slot++) {
            final int offset = slotOffset(slot);
            if (buffer.getLongAcquire(offset + KEY_OFFSET) != 0 && level(offset) == level) {
                visitor.accept(offset);
            }
        }
    }

    /** Flushes a mapped file (no-op for direct memory). */
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
}
