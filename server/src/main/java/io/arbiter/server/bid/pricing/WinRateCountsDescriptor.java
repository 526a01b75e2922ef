package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.offheap.MappedFileLayout;

/**
 * Layout of {@link WinRateCounts}: a 128-byte header, the bidder-wide record, then an open-addressing table of context
 * records (a power-of-two number of slots, linear probing on the 64-bit key; key 0 marks a free slot). Counts are
 * decayed doubles (raw long bits), changed only by CAS, so adds from any thread and the periodic decay never lose one
 * another.
 *
 * <pre>
 *  header:
 *  +-------------------------------------------------------------+
 *  |  MAGIC (int, written last)    |  VERSION (int)              |   0
 *  |  SLOTS (int, power of two)    |  MAX_CONTEXTS (int)         |   8
 *  |  DECAYED_AT (long: epoch ms the counts are decayed to)      |  16
 *  |  CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)    |  24
 *  |  CONTEXTS (long: context records claimed)                   |  32
 *  |  (padding to 128 bytes)                                     |
 *  +-------------------------------------------------------------+
 *
 *  record (the bidder-wide one first, then SLOTS context records):
 *  +-------------------------------------------------------------+
 *  |  KEY (long: context key, 0 = free; the bidder-wide: -1)     |   0
 *  |  PARENT (long: the coarser context's key, 0 = bidder-wide)  |   8
 *  |  LEVEL (int: 1 publisher x format, 2 + device, 3 + hour)    |  16
 *  |  DEVICE (int: OpenRTB device type, -1 unknown)              |  20
 *  |  HOUR (int: UTC hour of day, -1 unknown) | (padding)        |  24
 *  |  (padding to 64 bytes)                                      |  32
 *  +-------------------------------------------------------------+
 *  |  WINS[b], BIDS[b] (two doubles per price bucket b)          |  64
 *  |  ... BUCKETS times ...                                      |
 *  +-------------------------------------------------------------+
 * </pre>
 */
public final class WinRateCountsDescriptor {
    public static final int MAGIC = 0x57494E52; // "WINR"
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 128;
    public static final int SLOTS_OFFSET = 8;
    public static final int MAX_CONTEXTS_OFFSET = 12;
    public static final int DECAYED_AT_OFFSET = 16;
    public static final int CLEAN_CLOSE_OFFSET = 24;
    public static final int CONTEXTS_OFFSET = 32;

    public static final int KEY_OFFSET = 0;
    public static final int PARENT_OFFSET = 8;
    public static final int LEVEL_OFFSET = 16;
    public static final int DEVICE_OFFSET = 20;
    public static final int HOUR_OFFSET = 24;
    public static final int COUNTS_OFFSET = 64;
    public static final int RECORD_LENGTH = COUNTS_OFFSET + WinRateCurve.BUCKETS * 16;

    /** The bidder-wide record's key (never a context's: context keys are never 0 or -1). */
    public static final long GLOBAL_KEY = -1L;
    public static final int MAX_SLOTS = 1 << 20;

    public static final MappedFileLayout LAYOUT = new MappedFileLayout("win-rate counts", MAGIC, VERSION,
        CLEAN_CLOSE_OFFSET, HEADER_LENGTH, header -> {
            final int slots = header.getInt(SLOTS_OFFSET);
            return slots >= 1 && slots <= MAX_SLOTS && Integer.bitCount(slots) == 1 ? length(slots) : -1;
        });

    private WinRateCountsDescriptor() {
    }

    /** The file length for {@code slots} context records (and the bidder-wide one). */
    public static long length(int slots) {
        return HEADER_LENGTH + (long) (slots + 1) * RECORD_LENGTH;
    }

    /** Context slots for {@code maxContexts}: a power of two at least twice as many (probes stay short). */
    public static int slotsFor(int maxContexts) {
        return Math.min(MAX_SLOTS, Integer.highestOneBit(Math.max(1, maxContexts) * 2 - 1) << 1);
    }
}
