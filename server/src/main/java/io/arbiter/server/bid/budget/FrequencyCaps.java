package io.arbiter.server.bid.budget;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Impressions per (user, campaign) in fixed windows of the campaign's cap period, in a lock-free hashed table of
 * fixed size: a cell holds {@code window << 20 | count}, updated by CAS. Two keys that hash to the same cell share a
 * count, which can only over-count: a collision may make a campaign skip a user early, never show it too often.
 * Memory is fixed ({@code 8 * cells} bytes) whatever the number of users. Windows are fixed (aligned to the epoch),
 * not sliding: a user may see {@code 2 * cap} impressions across a window boundary.
 */
public final class FrequencyCaps {
    private static final long COUNT_MASK = (1L << 20) - 1;

    private final AtomicLongArray cells;
    private final int mask;

    /** @param cellsPowerOfTwo log2 of the number of cells (for example 21: 2 M cells, 16 MB) */
    public FrequencyCaps(int cellsPowerOfTwo) {
        if (cellsPowerOfTwo < 4 || cellsPowerOfTwo > 28) {
            throw new IllegalArgumentException("cellsPowerOfTwo must be in 4..28");
        }
        cells = new AtomicLongArray(1 << cellsPowerOfTwo);
        mask = (1 << cellsPowerOfTwo) - 1;
    }

    /** The cell of (user, campaign slot). */
    public int cell(String userKey, int slot) {
        long h = userKey.hashCode() * 0x9E3779B97F4A7C15L + slot;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }

    /** Impressions counted in the cell's current window. */
    public int count(int cell, long periodMillis, long nowMillis) {
        final long window = nowMillis / periodMillis;
        final long value = cells.get(cell);
        return (value >>> 20) == window ? (int) (value & COUNT_MASK) : 0;
    }

    /** Counts one impression in the cell's current window. */
    public void increment(int cell, long periodMillis, long nowMillis) {
        final long window = nowMillis / periodMillis;
        while (true) {
            final long value = cells.get(cell);
            final long next = (value >>> 20) == window
                ? ((value & COUNT_MASK) == COUNT_MASK ? value : value + 1)
                : (window << 20) | 1;
            if (cells.compareAndSet(cell, value, next)) {
                return;
            }
        }
    }
}
