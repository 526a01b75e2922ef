package io.arbiter.bandits.eval;

/**
 * Maps context keys to dense slots {@code 0 .. cap-1}, first come first served, with one overflow slot ({@code cap})
 * shared by every key that arrives after the cap is reached: the per-key tables (reward-model means, the support
 * check) stay bounded by {@code (cap + 1) x actions} whatever the log holds, and keys beyond the cap are pooled
 * (their model falls back to a pooled mean; their support check is pooled) and counted. Open addressing with
 * linear probing at load factor at most 1/2; no allocation after construction. <b>Single writer.</b>
 */
final class ContextKeys {
    private final int cap;
    private final long[] keys;
    private final int[] slots;
    private final int mask;
    private int size;
    private long overflowRows;

    /** @param cap most distinct keys given their own slot, 1 to 2^24 */
    ContextKeys(int cap) {
        if (cap < 1 || cap > 1 << 24) {
            throw new IllegalArgumentException("cap must be in 1..2^24, was " + cap);
        }
        this.cap = cap;
        final int capacity = Integer.highestOneBit(Math.max(2, cap) * 2 - 1) << 1;
        this.keys = new long[capacity];
        this.slots = new int[capacity];
        java.util.Arrays.fill(slots, -1);
        this.mask = capacity - 1;
    }

    /** The slot of {@code key}, assigning the next free one to a new key, or the overflow slot beyond the cap. */
    int slot(long key) {
        int i = (int) mix(key) & mask;
        while (true) {
            final int s = slots[i];
            if (s < 0) {
                if (size == cap) {
                    overflowRows++;
                    return cap;
                }
                keys[i] = key;
                slots[i] = size;
                return size++;
            }
            if (keys[i] == key) {
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    /** Slots in use by the tables: the cap plus the overflow slot. */
    int slotCount() {
        return cap + 1;
    }

    int cap() {
        return cap;
    }

    /** Distinct keys given their own slot. */
    int size() {
        return size;
    }

    /** Rows whose key arrived after the cap was reached (pooled in the overflow slot). */
    long overflowRows() {
        return overflowRows;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
