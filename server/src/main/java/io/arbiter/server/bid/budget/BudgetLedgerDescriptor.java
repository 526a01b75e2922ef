package io.arbiter.server.bid.budget;

import io.arbiter.bandits.offheap.MappedFileLayout;

/**
 * Layout of the {@link BudgetLedger}: a 128-byte header, then one 128-byte record per campaign slot (two cache lines,
 * so campaigns charged from different cores never share a line). All amounts are micro-units of the bidder's
 * currency.
 *
 * <pre>
 *  header:
 *  +-------------------------------------------------------------+
 *  |  MAGIC (int, written last)    |  VERSION (int)              |   0
 *  |  CAPACITY (int, slots)        |  (padding)                  |   8
 *  |  SLOTS_ALLOCATED (long)                                     |  16
 *  |  CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)    |  24
 *  |  (padding to 128 bytes)                                     |
 *  +-------------------------------------------------------------+
 *
 *  record:
 *  +-------------------------------------------------------------+
 *  |  DAY (long: UTC epoch day the daily counters belong to)     |   0
 *  |  DAILY_EXPOSURE (long: spent today + outstanding reserves)  |   8
 *  |  DAILY_SPENT (long)                                         |  16
 *  |  TOTAL_EXPOSURE (long: spent ever + outstanding reserves)   |  24
 *  |  TOTAL_SPENT (long)                                         |  32
 *  |  DAILY_LIMIT (long)                                         |  40
 *  |  TOTAL_LIMIT (long, 0 = none)                               |  48
 *  |  IMPRESSIONS (long)                                         |  56
 *  +-------------------------------------------------------------+
 *  |  MODIFIER (double bits: pacing bid multiplier)              |  64
 *  |  NEXT_CONTROL_MILLIS (long)                                 |  72
 *  |  CLICKS (long)                                              |  80
 *  |  CONVERSIONS (long)                                         |  88
 *  |  BIDS (long)                                                |  96
 *  |  PACING_BLOCKED (long: bids refused by the schedule)        | 104
 *  |  (padding)                                                  | 112
 *  +-------------------------------------------------------------+
 * </pre>
 *
 * <p>{@link #LAYOUT} is what {@link io.arbiter.bandits.offheap.MappedFile} validates a ledger file against.
 */
public final class BudgetLedgerDescriptor {
    public static final int MAGIC = 0x4C454447; // "LEDG"
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 128;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int CAPACITY_OFFSET = 8;
    public static final int SLOTS_ALLOCATED_OFFSET = 16;
    public static final int CLEAN_CLOSE_OFFSET = 24;

    public static final int RECORD_LENGTH = 128;
    public static final int DAY_OFFSET = 0;
    public static final int DAILY_EXPOSURE_OFFSET = 8;
    public static final int DAILY_SPENT_OFFSET = 16;
    public static final int TOTAL_EXPOSURE_OFFSET = 24;
    public static final int TOTAL_SPENT_OFFSET = 32;
    public static final int DAILY_LIMIT_OFFSET = 40;
    public static final int TOTAL_LIMIT_OFFSET = 48;
    public static final int IMPRESSIONS_OFFSET = 56;
    public static final int MODIFIER_OFFSET = 64;
    public static final int NEXT_CONTROL_OFFSET = 72;
    public static final int CLICKS_OFFSET = 80;
    public static final int CONVERSIONS_OFFSET = 88;
    public static final int BIDS_OFFSET = 96;
    public static final int PACING_BLOCKED_OFFSET = 104;

    public static final int MAX_CAPACITY = 1_000_000;

    /** Magic, version, clean-close flag and length check of a ledger file. */
    public static final MappedFileLayout LAYOUT = new MappedFileLayout("budget ledger", MAGIC, VERSION,
        CLEAN_CLOSE_OFFSET, HEADER_LENGTH, header -> {
            final int capacity = header.getInt(CAPACITY_OFFSET);
            return capacity >= 1 && capacity <= MAX_CAPACITY ? ledgerLength(capacity) : -1;
        });

    private BudgetLedgerDescriptor() {
    }

    public static long ledgerLength(int capacity) {
        return HEADER_LENGTH + (long) capacity * RECORD_LENGTH;
    }
}
