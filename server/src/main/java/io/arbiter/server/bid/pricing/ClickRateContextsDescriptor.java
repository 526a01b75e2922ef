package io.arbiter.server.bid.pricing;

import io.arbiter.bandits.offheap.MappedFileLayout;

/**
 * Layout of {@link ClickRateContexts}: a 64-byte header, then an open-addressing table of (campaign, context) records
 * (a power-of-two number of slots, linear probing on the 64-bit key; key 0 marks a free slot). A record is 32 bytes, so
 * two share a cache line and none straddles one: a multiplier reads two records (the pair's and its campaign's totals)
 * and each is one line. Counts are plain longs changed only by atomic adds; they never decay, so they need no doubles.
 *
 * <pre>
 *  header:
 *  +-------------------------------------------------------------+
 *  |  MAGIC (int, written last)    |  VERSION (int)              |   0
 *  |  SLOTS (int, power of two)    |  MAX_CONTEXTS (int)         |   8
 *  |  CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)    |  16
 *  |  USED (long: records claimed, campaign totals included)     |  24
 *  |  (padding to 64 bytes)                                      |
 *  +-------------------------------------------------------------+
 *
 *  record (SLOTS of them):
 *  +-------------------------------------------------------------+
 *  |  KEY (long: mix of campaign slot and context, 0 = free)     |   0
 *  |  IMPRESSIONS (long: billed impressions)                     |   8
 *  |  CLICKS (long)                                              |  16
 *  |  (padding to 32 bytes)                                      |  24
 *  +-------------------------------------------------------------+
 * </pre>
 *
 * <p>The key mixes the campaign's ledger slot ({@code campaign-slots.json} keeps it over restarts) with the context key
 * ({@link WinRateCurve#context}), context 0 standing for the campaign's totals.
 */
public final class ClickRateContextsDescriptor {
    public static final int MAGIC = 0x43545243; // "CTRC"
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 64;
    public static final int SLOTS_OFFSET = 8;
    public static final int MAX_CONTEXTS_OFFSET = 12;
    public static final int CLEAN_CLOSE_OFFSET = 16;
    public static final int USED_OFFSET = 24;

    public static final int KEY_OFFSET = 0;
    public static final int IMPRESSIONS_OFFSET = 8;
    public static final int CLICKS_OFFSET = 16;
    public static final int RECORD_LENGTH = 32;

    /** At most this many (campaign, context) pairs: 2^24, in 2^25 slots (1 GiB of file). */
    public static final int MAX_CONTEXTS = 1 << 24;

    public static final MappedFileLayout LAYOUT = new MappedFileLayout("click-rate contexts file", MAGIC, VERSION,
        CLEAN_CLOSE_OFFSET, HEADER_LENGTH, header -> {
            final int slots = header.getInt(SLOTS_OFFSET);
            final int maxContexts = header.getInt(MAX_CONTEXTS_OFFSET);
            return maxContexts >= 0 && maxContexts <= MAX_CONTEXTS && slots == slotsFor(maxContexts)
                ? length(slots) : -1;
        });

    private ClickRateContextsDescriptor() {
    }

    /** The file length for {@code slots} records. */
    public static long length(int slots) {
        return HEADER_LENGTH + (long) slots * RECORD_LENGTH;
    }

    /**
     * Slots for {@code maxContexts} pairs: a power of two at least twice as many (probes stay short); 1 for none.
     */
    public static int slotsFor(int maxContexts) {
        return maxContexts == 0 ? 1 : Integer.highestOneBit(Math.max(2, 2 * maxContexts - 1)) << 1;
    }
}
