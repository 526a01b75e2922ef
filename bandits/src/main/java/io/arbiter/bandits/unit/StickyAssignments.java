package io.arbiter.bandits.unit;

import java.nio.file.Path;

/**
 * Sticky assignments: (experiment, unit) &rarr; (variant, expiry), off-heap in a {@link UnitTable} (memory-mapped:
 * assignments survive restarts), so that a unit gets the same variant for the experiment's {@code sticky} duration.
 * An assignment lasts from when it was made until its expiry; a later decision does not extend it.
 *
 * <p><b>How the server uses it.</b> {@link #get}: a live assignment whose variant is still eligible and active is
 * the answer (a sticky repeat, propensity 1). Otherwise decide as usual and {@link #assignIfAbsent}: it stores the
 * new variant unless another thread assigned this unit meanwhile, and returns the variant in effect, which the server
 * answers (so two concurrent first decisions for one unit give the same variant). When the assigned variant has been
 * retired, suspended or capped for the unit, {@link #assign} replaces it (or {@link #release} clears it).
 *
 * <p><b>Limits.</b> Variants 0..{@value #MAX_VARIANT}; expiries up to 2<sup>40</sup> ms (34.8 years) after the
 * table's epoch, at millisecond resolution. Memory and eviction as {@link UnitTable}: 25.6 bytes per assignment; at
 * the bound expired assignments are replaced first, then those that expire soonest, and a unit whose live assignment
 * was replaced is assigned afresh ({@link #evictedLive()}).
 *
 * <p><b>Concurrency.</b> Lock-free compare-and-set on the entry's value word; inserting a new unit may wait a bounded
 * time for another insert in the same bucket, and if that wait runs out {@link #assignIfAbsent} returns {@link #NONE}
 * (the caller keeps its fresh decision, unsticky this once; counted in {@link #abandoned()}).
 */
public final class StickyAssignments implements AutoCloseable {
    /** No assignment. */
    public static final int NONE = -1;
    /** The largest variant slot (15 bits, 0 meaning none). */
    public static final int MAX_VARIANT = (1 << 15) - 2;
    private static final int VARIANT_SHIFT = 40;
    private static final long EXPIRY_MASK = (1L << VARIANT_SHIFT) - 1;

    private final UnitTable table;
    private final long epochMillis;

    private StickyAssignments(UnitTable table) {
        this.table = table;
        this.epochMillis = table.epochMillis();
    }

    /**
     * Opens (or creates) the store in {@code file}; an existing file keeps its size and epoch.
     *
     * @param bucketsLog2 log2 of the buckets of a new file, 0..22 (10 entries per bucket)
     * @param epochMillis origin of a new file's stored times
     */
    public static StickyAssignments mapFile(Path file, int bucketsLog2, long epochMillis) {
        return new StickyAssignments(UnitTable.mapFile(file, UnitTable.KIND_STICKY, bucketsLog2, epochMillis));
    }

    /** A store in direct memory (not persistent). */
    public static StickyAssignments allocateDirect(int bucketsLog2, long epochMillis) {
        return new StickyAssignments(UnitTable.allocateDirect(UnitTable.KIND_STICKY, bucketsLog2, epochMillis));
    }

    /** A store on the heap (same layout and atomics; cheap to create, for concurrency tests). */
    public static StickyAssignments allocateHeap(int bucketsLog2, long epochMillis) {
        return new StickyAssignments(UnitTable.allocateHeap(UnitTable.KIND_STICKY, bucketsLog2, epochMillis));
    }

    /**
     * The unit's live assignment, or {@link #NONE} (never assigned, expired, released, evicted, or being inserted
     * right now). Does not insert.
     *
     * @param key a {@link UnitKeys#key(long, long)} (never 0)
     */
    public int get(long key, long nowMillis) {
        while (true) {
            final int slot = table.find(key);
            if (slot < 0) {
                return NONE;
            }
            final long value = table.valueAcquire(slot);
            if (table.keyAcquire(slot) != key) {
                continue; // the slot changed hands between the two reads: look again
            }
            return UnitTableDescriptor.isReserved(value) ? NONE : live(UnitTableDescriptor.payload(value), nowMillis);
        }
    }

    /**
     * Assigns {@code variant} unless the unit has a live assignment, atomically.
     *
     * @param variant         0..{@value #MAX_VARIANT}
     * @param expiresAtMillis when the assignment ends, after {@code nowMillis}
     * @return the variant in effect: the existing live one, or {@code variant}; {@link #NONE} if the bounded wait for a
     *         concurrent insert ran out
     */
    public int assignIfAbsent(long key, int variant, long expiresAtMillis, long nowMillis) {
        return put(key, variant, expiresAtMillis, nowMillis, false);
    }

    /**
     * Assigns {@code variant}, replacing any assignment (for a variant that was retired, suspended or capped).
     *
     * @return {@code variant}, or {@link #NONE} if the bounded wait for a concurrent insert ran out
     */
    public int assign(long key, int variant, long expiresAtMillis, long nowMillis) {
        return put(key, variant, expiresAtMillis, nowMillis, true);
    }

    /** Clears the unit's assignment, if any. */
    public void release(long key) {
        while (true) {
            final int slot = table.find(key);
            if (slot < 0) {
                return;
            }
            final long value = table.settledValue(slot);
            if (value == UnitTable.BUSY) {
                return; // the entry is being replaced by another key's insert: it is going away anyway
            }
            if (table.keyAcquire(slot) != key) {
                continue;
            }
            if (UnitTableDescriptor.payload(value) == 0
                || table.compareAndSetValue(slot, value,
                    UnitTableDescriptor.value(UnitTableDescriptor.tag(value), 0))) {
                return;
            }
        }
    }

    private int put(long key, int variant, long expiresAtMillis, long nowMillis, boolean replace) {
        if (variant < 0 || variant > MAX_VARIANT) {
            throw new IllegalArgumentException("variant must be in 0.." + MAX_VARIANT + ", was " + variant);
        }
        final long relative = expiresAtMillis - epochMillis;
        if (expiresAtMillis <= nowMillis || relative <= 0 || relative > EXPIRY_MASK) {
            throw new IllegalArgumentException("expiresAtMillis must be after now and within 2^40 ms of the epoch, was "
                + expiresAtMillis);
        }
        final long payload = ((long) (variant + 1) << VARIANT_SHIFT) | relative;
        while (true) { // lock-free: each retry follows another thread's change to this entry or its slot
            final int slot = table.findOrInsert(key, nowMillis, expiresAtMillis);
            if (slot < 0) {
                return NONE;
            }
            final long value = table.settledValue(slot);
            if (value == UnitTable.BUSY) {
                return NONE;
            }
            if (table.keyAcquire(slot) != key) {
                continue;
            }
            if (!replace) {
                final int existing = live(UnitTableDescriptor.payload(value), nowMillis);
                if (existing != NONE) {
                    return existing;
                }
            }
            if (table.compareAndSetValue(slot, value, UnitTableDescriptor.value(UnitTableDescriptor.tag(value),
                payload))) {
                table.hintExpiresAt(slot, expiresAtMillis);
                return variant;
            }
        }
    }

    private int live(long payload, long nowMillis) {
        final int variant = (int) (payload >>> VARIANT_SHIFT) - 1;
        if (variant < 0 || (payload & EXPIRY_MASK) + epochMillis <= nowMillis) {
            return NONE;
        }
        return variant;
    }

    /** The table underneath, for its counters and capacity. */
    public UnitTable table() {
        return table;
    }

    public long abandoned() {
        return table.abandoned();
    }

    public long evictedLive() {
        return table.evictedLive();
    }

    public void force() {
        table.force();
    }

    @Override
    public void close() {
        table.close();
    }
}
