package io.arbiter.bandits.unit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Claims for duplicate detection ("this reward, this notice, was already taken"), off-heap and bounded: a table of
 * {@code 2^slotsLog2} slots of 16 bytes, in groups of eight (128 bytes, two cache lines): one header slot (a lock
 * word) and seven claims. A claim is a 64-bit key hash (never 0; 0 is an empty slot) and the second its claim expires
 * at (the issue time plus the window, so one table serves any window). A key hashes to one group and lives there.
 *
 * <p><b>Claim.</b> {@link #claim} takes the group's lock (a compare-and-set on the header word; held for a scan of
 * seven slots, never across a call out), and answers false when the group holds the key unexpired; else it writes the
 * key into an empty or expired slot (expiry is implicit: a slot past its second counts as empty, so nothing scans the
 * table to expire), and when all seven are live it replaces the one that expires first ({@link #evicted()}): a
 * duplicate of that claim is no longer recognised. {@link #release} clears a claim. Concurrent claims of one key:
 * exactly one wins (the lock). Allocation-free.
 *
 * <p><b>Memory.</b> {@code 16 * 2^slotsLog2} bytes off-heap ({@code slotsLog2 = 22}: 64 MiB, 3,670,016 claims).
 * Two distinct keys with equal hashes in one group make the second look like a duplicate: with {@code n} live claims
 * per group at most 7, the chance for one claim is at most {@code 7 / 2^64} (about 4e-19), so at a full table turned
 * over 1,000 times a second for a year, about 1e-8.
 */
public final class ClaimTable {
    /** The smallest and largest {@code slotsLog2}. */
    public static final int MIN_SLOTS_LOG2 = 3;
    public static final int MAX_SLOTS_LOG2 = 26;
    /** Claims per group (the eighth slot is the group's lock). */
    public static final int CLAIMS_PER_GROUP = 7;
    private static final int SLOT_BYTES = 16;
    private static final int GROUP_SHIFT = 7; // 128-byte groups
    private static final int GROUP_BYTES = 1 << GROUP_SHIFT;

    private final UnsafeBuffer buffer;
    private final long groupMask;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    /** A table of {@code 2^slotsLog2} slots ({@value #MIN_SLOTS_LOG2}..{@value #MAX_SLOTS_LOG2}) in direct memory. */
    public ClaimTable(int slotsLog2) {
        if (slotsLog2 < MIN_SLOTS_LOG2 || slotsLog2 > MAX_SLOTS_LOG2) {
            throw new IllegalArgumentException("slotsLog2 must be " + MIN_SLOTS_LOG2 + ".." + MAX_SLOTS_LOG2
                + ", was " + slotsLog2);
        }
        final int bytes = SLOT_BYTES << slotsLog2;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, GROUP_BYTES));
        this.groupMask = (bytes >>> GROUP_SHIFT) - 1;
    }

    /** The key hash of (a, b, c): a 64-bit mix, never 0. */
    public static long key(long a, long b, long c) {
        long h = mix(a ^ 0x9E3779B97F4A7C15L);
        h = mix(h ^ b);
        h = mix(h ^ c);
        return h == 0 ? 1 : h;
    }

    private static long mix(long z) { // SplitMix64's finaliser
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Claims {@code key} (from {@link #key}) until second {@code expiresAtSecond}; false if it is claimed and not
     * expired at {@code nowSecond}.
     */
    public boolean claim(long key, long expiresAtSecond, long nowSecond) {
        final int group = lock(key);
        try {
            int free = -1;
            int earliest = -1;
            long earliestExpiry = Long.MAX_VALUE;
            for (int i = 1; i <= CLAIMS_PER_GROUP; i++) {
                final int slot = group + i * SLOT_BYTES;
                final long k = buffer.getLong(slot);
                final long expiry = buffer.getLong(slot + 8);
                final boolean live = k != 0 && expiry > nowSecond;
                if (live && k == key) {
                    return false;
                }
                if (!live) {
                    if (free < 0) {
                        free = slot;
                    }
                } else if (expiry < earliestExpiry) {
                    earliestExpiry = expiry;
                    earliest = slot;
                }
            }
            final int slot;
            if (free >= 0) {
                slot = free;
                if (buffer.getLong(slot) == 0) {
                    used.incrementAndGet();
                }
            } else {
                slot = earliest;
                evicted.incrementAndGet();
            }
            buffer.putLong(slot, key);
            buffer.putLong(slot + 8, expiresAtSecond);
            return true;
        } finally {
            buffer.putLongOrdered(group, 0);
        }
    }

    /** Gives a claim back (it was not made durable, so the same request may be tried again). */
    public void release(long key) {
        final int group = lock(key);
        try {
            for (int i = 1; i <= CLAIMS_PER_GROUP; i++) {
                final int slot = group + i * SLOT_BYTES;
                if (buffer.getLong(slot) == key) {
                    buffer.putLong(slot, 0);
                    used.decrementAndGet();
                    return;
                }
            }
        } finally {
            buffer.putLongOrdered(group, 0);
        }
    }

    /** Takes the lock of {@code key}'s group and returns the group's offset. */
    private int lock(long key) {
        final int group = (int) ((key >>> 32 ^ key) & groupMask) << GROUP_SHIFT;
        while (!buffer.compareAndSetLong(group, 0, 1)) {
            Thread.onSpinWait();
        }
        return group;
    }

    /** Slots holding a claim, live or expired (an expired one stays until its slot is reused). */
    public long used() {
        return used.get();
    }

    /** Claims that can be held: seven in each group of eight slots. */
    public long capacity() {
        return (groupMask + 1) * CLAIMS_PER_GROUP;
    }

    /** Live claims replaced because their group was full (duplicates of those are no longer recognised). */
    public long evicted() {
        return evicted.get();
    }
}
