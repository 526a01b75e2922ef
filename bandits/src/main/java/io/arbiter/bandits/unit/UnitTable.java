package io.arbiter.bandits.unit;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.arbiter.bandits.unit.UnitTableDescriptor.ABANDONED_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.BUCKETS_LOG2_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.BUCKET_LENGTH;
import static io.arbiter.bandits.unit.UnitTableDescriptor.CLAIM_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.CLEAN_CLOSE_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.EPOCH_MILLIS_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.EVICTED_EXPIRED_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.EVICTED_LIVE_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.EXPIRES_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.HEADER_LENGTH;
import static io.arbiter.bandits.unit.UnitTableDescriptor.INSERTS_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.KEYS_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.KIND_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.MAGIC;
import static io.arbiter.bandits.unit.UnitTableDescriptor.MAGIC_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.RECORD_LENGTH;
import static io.arbiter.bandits.unit.UnitTableDescriptor.RECORD_WORDS;
import static io.arbiter.bandits.unit.UnitTableDescriptor.RECOVERED_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.RESERVED_BIT;
import static io.arbiter.bandits.unit.UnitTableDescriptor.SLOTS;
import static io.arbiter.bandits.unit.UnitTableDescriptor.VALUES_OFFSET;
import static io.arbiter.bandits.unit.UnitTableDescriptor.VERSION;
import static io.arbiter.bandits.unit.UnitTableDescriptor.VERSION_OFFSET;

/**
 * A bounded hash table of 64-bit keys to one 64-bit value each, in off-heap memory (direct, or a memory-mapped file
 * that survives restarts), shared by any number of threads: the engine under {@link FrequencyCapStore} and
 * {@link StickyAssignments}. Layout in {@link UnitTableDescriptor}.
 *
 * <p><b>Bound.</b> {@code 10 * 2^bucketsLog2} entries in {@code 128 + 256 * 2^bucketsLog2} bytes (25.6 bytes per
 * entry; a table of kind {@link #KIND_CAP_RECORDS} adds a 64-byte record per entry, 89.6 bytes in all), fixed at
 * creation. A key may live in either of two buckets chosen by its hash (its low bits and its high
 * half), in any of their ten slots, and a new key goes to the emptier of the two (the "power of two choices", which
 * keeps buckets evenly filled). Only when both are full is an entry evicted: an expired one if there is one,
 * otherwise the one whose expiry hint is earliest (for caps: the one whose counts lapse first). Evictions are counted
 * ({@link #evictedExpired()}, {@link #evictedLive()}); evicting a live entry forgets it (a cap count restarts from 0, a
 * sticky unit is assigned afresh). Measured when filling a table of 163,840 entries with live keys: no live eviction
 * up to 70% full, 1 in 131,072 inserts at 80%, 0.03% at 85%, 0.3% at 90%, 3.3% at 100%. Size the table for at most
 * 70&ndash;80% live entries; expired ones are replaced as needed and cost nothing.
 *
 * <p><b>Concurrency: updates are lock-free, inserts are serialised per bucket with a bounded wait.</b>
 * <ul>
 *   <li>Reading or updating an existing key never waits: {@link #find} scans the key's two buckets (acquire loads), and
 *       the stores update a value with a <em>validated compare-and-set</em>: read the key, read the value, read the
 *       key again, then {@link #compareAndSetValue}. A claim that takes the slot for another key first reserves the
 *       value (a CAS that sets {@code R} and a new {@code TAG}), then writes the key, then publishes the new key's
 *       initial value; so a CAS prepared from the old key's value fails (its tag and reservation differ), and a value
 *       read after the new key's was published is recognised by the second key read. A stale CAS could succeed only
 *       after 256 claims of the same slot between its read and its CAS (the tag wraps).</li>
 *   <li>Inserting a key takes the {@code CLAIM} word of its first bucket (a CAS from even to odd), re-checks that
 *       the key is still absent, reserves a slot in either bucket (the value's CAS to reserved, which also keeps two
 *       claims from taking one slot), fills it and releases the word: two threads inserting the same key therefore
 *       never create two entries for it (which would split its count). A thread that finds the word taken, or meets
 *       a value reserved by a claim in progress, spins at most {@value #SPINS} times ({@code Thread.onSpinWait}), a
 *       few microseconds at most, for the few stores a claim takes; if the claimer was descheduled in that window it
 *       gives up, counts it in {@link #abandoned()}, and the store gives its documented conservative answer.
 *       Nothing blocks indefinitely; the same bounded wait as {@code PosteriorTable}'s era switch.</li>
 * </ul>
 *
 * <p><b>Keys</b> are full 64-bit hashes, compared whole; 0 is reserved for "empty" ({@link UnitKeys} never
 * produces it). Two different units share an entry only if their keys are equal.
 */
public final class UnitTable implements AutoCloseable {
    /** Bounded wait for a claim in progress (a handful of stores). */
    static final int SPINS = 100;
    /** {@link #settledValue}'s answer when the wait ran out: reserved, so never a settled value. */
    static final long BUSY = RESERVED_BIT;
    /** Kind of a table holding frequency caps. */
    public static final int KIND_CAPS = 1;
    /** Kind of a table holding sticky assignments. */
    public static final int KIND_STICKY = 2;
    /** Kind of a table holding frequency caps in per-slot records ({@link UnitTableDescriptor#KIND_CAP_RECORDS}). */
    public static final int KIND_CAP_RECORDS = UnitTableDescriptor.KIND_CAP_RECORDS;

    private final AtomicBuffer buffer;
    private final MappedByteBuffer mapped;
    private final int bucketMask;
    private final long epochMillis;
    /** Words per slot's record: {@value UnitTableDescriptor#RECORD_WORDS} for {@link #KIND_CAP_RECORDS}, else 0. */
    private final int recordWords;
    /** Where the records start (after the last bucket). */
    private final int recordsOffset;
    private final boolean wasCleanlyClosed;
    private boolean closed;

    private UnitTable(AtomicBuffer buffer, MappedByteBuffer mapped, boolean wasCleanlyClosed) {
        this.buffer = buffer;
        this.mapped = mapped;
        final int bucketsLog2 = buffer.getInt(BUCKETS_LOG2_OFFSET);
        this.bucketMask = (1 << bucketsLog2) - 1;
        this.epochMillis = buffer.getLong(EPOCH_MILLIS_OFFSET);
        this.recordWords = buffer.getInt(KIND_OFFSET) == KIND_CAP_RECORDS ? RECORD_WORDS : 0;
        this.recordsOffset = (int) UnitTableDescriptor.tableLength(bucketsLog2);
        this.wasCleanlyClosed = wasCleanlyClosed;
        buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 0);
    }

    /** A table in direct memory (not persistent), aligned to the cache line. */
    static UnitTable allocateDirect(int kind, int bucketsLog2, long epochMillis) {
        checkSize(kind, bucketsLog2);
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            (int) UnitTableDescriptor.tableLength(kind, bucketsLog2), 64));
        writeHeader(buffer, kind, bucketsLog2, epochMillis);
        return new UnitTable(buffer, null, false);
    }

    /** A table on the heap: the same layout and atomics, cheap to create (for jcstress). */
    static UnitTable allocateHeap(int kind, int bucketsLog2, long epochMillis) {
        checkSize(kind, bucketsLog2);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int) UnitTableDescriptor.tableLength(kind,
            bucketsLog2)]);
        writeHeader(buffer, kind, bucketsLog2, epochMillis);
        return new UnitTable(buffer, null, false);
    }

    /**
     * Opens the table in {@code file}, creating it if it does not exist. An existing file keeps its own size and
     * epoch; a file of another kind or version is refused. After an unclean shutdown, claims that were in progress
     * are completed (their entries start empty) before the table is shared.
     */
    static UnitTable mapFile(Path file, int kind, int bucketsLog2, long epochMillis) {
        checkSize(kind, bucketsLog2);
        final File location = file.toFile();
        if (Files.exists(file)) {
            final MappedByteBuffer existing = IoUtil.mapExistingFile(location, "unit table");
            final UnsafeBuffer buffer = new UnsafeBuffer(existing);
            try {
                validateHeader(buffer, file, kind);
            } catch (IllegalStateException e) {
                IoUtil.unmap(existing);
                throw e;
            }
            final boolean clean = buffer.getLongAcquire(CLEAN_CLOSE_OFFSET) == 1;
            final UnitTable table = new UnitTable(buffer, existing, clean);
            if (!clean) {
                table.recoverClaims();
            }
            return table;
        }
        final MappedByteBuffer created = IoUtil.mapNewFile(location, UnitTableDescriptor.tableLength(kind,
            bucketsLog2));
        final UnsafeBuffer buffer = new UnsafeBuffer(created);
        writeHeader(buffer, kind, bucketsLog2, epochMillis);
        created.force();
        return new UnitTable(buffer, created, false);
    }

    private static void checkSize(int kind, int bucketsLog2) {
        final int max = UnitTableDescriptor.maxBucketsLog2(kind);
        if (bucketsLog2 < 0 || bucketsLog2 > max) {
            throw new IllegalArgumentException("bucketsLog2 must be in 0.." + max + ", was " + bucketsLog2);
        }
    }

    private static void writeHeader(AtomicBuffer buffer, int kind, int bucketsLog2, long epochMillis) {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(BUCKETS_LOG2_OFFSET, bucketsLog2);
        buffer.putInt(KIND_OFFSET, kind);
        buffer.putLong(EPOCH_MILLIS_OFFSET, epochMillis);
        buffer.putIntRelease(MAGIC_OFFSET, MAGIC); // last: a torn creation is recognisable
    }

    private static void validateHeader(AtomicBuffer buffer, Path file, int kind) {
        if (buffer.capacity() < HEADER_LENGTH || buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new IllegalStateException(file + " is not a unit table (bad magic)");
        }
        if (buffer.getInt(VERSION_OFFSET) != VERSION) {
            throw new IllegalStateException(file + " has unit table version " + buffer.getInt(VERSION_OFFSET)
                + ", expected " + VERSION);
        }
        if (buffer.getInt(KIND_OFFSET) != kind) {
            throw new IllegalStateException(file + " holds unit table kind " + buffer.getInt(KIND_OFFSET)
                + ", expected " + kind);
        }
        final int bucketsLog2 = buffer.getInt(BUCKETS_LOG2_OFFSET);
        if (bucketsLog2 < 0 || bucketsLog2 > UnitTableDescriptor.maxBucketsLog2(kind)
            || buffer.capacity() < UnitTableDescriptor.tableLength(kind, bucketsLog2)) {
            throw new IllegalStateException(file + " is truncated or has a bad size");
        }
    }

    /**
     * Completes the claims a crash interrupted (single-threaded, at open): every reserved value becomes the empty value
     * of its slot's current key, and every taken claim word is released. Reads every bucket once. With records, a slot
     * whose value was reserved has every word of its record emptied too (the claim may have stopped after reserving
     * some of them), and any other reserved word is emptied.
     */
    private void recoverClaims() {
        for (int bucket = 0; bucket <= bucketMask; bucket++) {
            final int base = HEADER_LENGTH + bucket * BUCKET_LENGTH;
            final long claim = buffer.getLongVolatile(base + CLAIM_OFFSET);
            boolean interrupted = (claim & 1) != 0;
            if (interrupted) {
                buffer.putLongRelease(base + CLAIM_OFFSET, claim + 1);
            }
            for (int slot = 0; slot < SLOTS; slot++) {
                final int valueIndex = base + VALUES_OFFSET + 8 * slot;
                final long value = buffer.getLongVolatile(valueIndex);
                final boolean reserved = UnitTableDescriptor.isReserved(value);
                if (reserved) {
                    buffer.putLongRelease(valueIndex, UnitTableDescriptor.value(UnitTableDescriptor.tag(value), 0));
                    interrupted = true;
                }
                for (int word = 0; word < recordWords; word++) {
                    final int wordIndex = recordWordIndex((bucket << 4) + slot, word);
                    final long w = buffer.getLongVolatile(wordIndex);
                    if (reserved || UnitTableDescriptor.isReserved(w)) {
                        buffer.putLongRelease(wordIndex, UnitTableDescriptor.value(UnitTableDescriptor.tag(w), 0));
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                buffer.getAndAddLong(RECOVERED_OFFSET, 1);
            }
        }
    }

    public long epochMillis() {
        return epochMillis;
    }

    /** Entries the table can hold: {@code 10 * 2^bucketsLog2}. */
    public long capacity() {
        return (long) SLOTS * (bucketMask + 1);
    }

    /** Whether the file this table was opened from had been closed cleanly (false for new and direct tables). */
    public boolean wasCleanlyClosed() {
        return wasCleanlyClosed;
    }

    /**
     * The slot holding {@code key}, or -1. A slot is {@code bucket * 16 + index in the bucket}; it stays valid until
     * the entry is evicted, which the validated compare-and-set detects.
     */
    int find(long key) {
        final int first = firstBucket(key);
        final int found = scan(first, key);
        if (found >= 0) {
            return found;
        }
        final int second = secondBucket(key, first);
        return second == first ? -1 : scan(second, key);
    }

    /**
     * Loads the first cache line of both buckets {@code key} may live in (acquire loads, which the compiler keeps
     * although their values are not used). Issued for several keys before any of them is looked up, the lookups'
     * cache and TLB misses overlap instead of following one another; it changes nothing.
     */
    void touch(long key) {
        final int first = firstBucket(key);
        final int second = secondBucket(key, first);
        buffer.getLongAcquire(HEADER_LENGTH + first * BUCKET_LENGTH + KEYS_OFFSET);
        buffer.getLongAcquire(HEADER_LENGTH + second * BUCKET_LENGTH + KEYS_OFFSET);
        if (recordWords > 0) { // the records where the key most likely is: its preferred slot in either bucket
            final int preferred = preferredSlot(key);
            buffer.getLongAcquire(recordWordIndex((first << 4) + preferred, 0));
            buffer.getLongAcquire(recordWordIndex((second << 4) + preferred, 0));
        }
    }

    /**
     * The slot of a bucket a key looks at and is inserted in first (from its top 10 bits, which no bucket field
     * uses): an insert takes the first empty slot from there on, so while a bucket has room a key is in its preferred
     * slot, and {@link #touch} can load that slot's record before the key is found. Which slot of a bucket holds a key
     * changes neither the bucket chosen nor what is evicted.
     */
    static int preferredSlot(long key) {
        return (int) (((key >>> 54) * SLOTS) >>> 10);
    }

    private int scan(int bucket, long key) {
        final int keys = HEADER_LENGTH + bucket * BUCKET_LENGTH + KEYS_OFFSET;
        int slot = preferredSlot(key);
        for (int i = 0; i < SLOTS; i++) {
            if (buffer.getLongAcquire(keys + 8 * slot) == key) {
                return (bucket << 4) + slot;
            }
            slot = slot == SLOTS - 1 ? 0 : slot + 1;
        }
        return -1;
    }

    private int firstBucket(long key) {
        return (int) key & bucketMask;
    }

    /** The other bucket a key may use: from the hash's high half, and never the first one (unless only one). */
    private int secondBucket(long key, int first) {
        final int second = (int) (key >>> 32) & bucketMask;
        return second != first ? second : first ^ (bucketMask & 1);
    }

    /**
     * The slot holding {@code key}, inserting the key (with an empty value) if it is absent.
     *
     * @param provisionalExpiresAt the new entry's expiry hint until its first update, so that a concurrent insert
     *                             does not take it for the oldest entry before it is used
     * @return the slot, or -1 if the first bucket's claim stayed taken for the whole bounded wait (counted)
     */
    int findOrInsert(long key, long nowMillis, long provisionalExpiresAt) {
        final int found = find(key);
        if (found >= 0) {
            return found;
        }
        final int first = firstBucket(key);
        final int claimIndex = HEADER_LENGTH + first * BUCKET_LENGTH + CLAIM_OFFSET;
        for (int spins = 0; spins < SPINS; spins++) {
            final long claim = buffer.getLongVolatile(claimIndex);
            if ((claim & 1) == 0 && buffer.compareAndSetLong(claimIndex, claim, claim + 1)) {
                try {
                    return insertClaimed(key, first, nowMillis, provisionalExpiresAt);
                } finally {
                    buffer.putLongRelease(claimIndex, claim + 2);
                }
            }
            Thread.onSpinWait();
        }
        buffer.getAndAddLong(ABANDONED_OFFSET, 1);
        return -1;
    }

    /**
     * Holding the claim of the key's first bucket (so no other thread inserts this key): the key's slot if another
     * thread inserted it before the claim, else a slot given to it.
     *
     * <p>The victim is an empty slot in whichever of the two buckets has more of them (the first on a tie), which keeps
     * buckets evenly filled (the "power of two choices"), the first one from the key's {@link #preferredSlot}; with
     * both full, the slot whose expiry hint is earliest (expired entries first). Slots reserved by another claim in
     * progress (a key whose first bucket is this key's second) are skipped. Each slot's value is read before its key
     * and hint, and the victim is reserved by a CAS from exactly that value: if the slot changed in between (another
     * claim took it, or its entry was updated), the CAS fails and the choice is made again, so a choice is never made
     * on a stale key or hint.
     */
    private int insertClaimed(long key, int first, long nowMillis, long provisionalExpiresAt) {
        final int found = find(key);
        if (found >= 0) {
            return found;
        }
        final int second = secondBucket(key, first);
        final int buckets = second == first ? 1 : 2;
        final int preferred = preferredSlot(key);
        for (int attempt = 0; attempt < SPINS; attempt++) {
            int victim = -1;
            long victimValue = 0;
            long victimExpires = Long.MAX_VALUE;
            int emptyFirst = -1;
            long emptyFirstValue = 0;
            int emptiesFirst = 0;
            int emptySecond = -1;
            long emptySecondValue = 0;
            int emptiesSecond = 0;
            for (int pass = 0; pass < buckets; pass++) {
                final int bucket = pass == 0 ? first : second;
                for (int i = 0, slot = preferred; i < SLOTS; i++, slot = slot == SLOTS - 1 ? 0 : slot + 1) {
                    final int handle = (bucket << 4) + slot;
                    final long value = buffer.getLongAcquire(valueIndex(handle));
                    if (UnitTableDescriptor.isReserved(value)) {
                        continue;
                    }
                    if (buffer.getLongAcquire(keyIndex(handle)) == 0) {
                        if (pass == 0 && emptiesFirst++ == 0) {
                            emptyFirst = handle;
                            emptyFirstValue = value;
                        } else if (pass == 1 && emptiesSecond++ == 0) {
                            emptySecond = handle;
                            emptySecondValue = value;
                        }
                        continue;
                    }
                    final long expires = buffer.getLongAcquire(expiresIndex(handle));
                    if (expires < victimExpires) {
                        victim = handle;
                        victimValue = value;
                        victimExpires = expires;
                    }
                }
            }
            if (emptiesFirst > 0 && emptiesFirst >= emptiesSecond) {
                victim = emptyFirst;
                victimValue = emptyFirstValue;
            } else if (emptiesSecond > 0) {
                victim = emptySecond;
                victimValue = emptySecondValue;
            }
            if (victim < 0) {
                break; // every slot of both buckets reserved by claims in progress
            }
            if (claimSlot(victim, victimValue, key, nowMillis, provisionalExpiresAt)) {
                return victim;
            }
        }
        buffer.getAndAddLong(ABANDONED_OFFSET, 1);
        return -1;
    }

    /**
     * Gives {@code slot} to {@code key} if its value is still {@code seen}: reserve the value (a CAS prepared from the
     * old key's value now fails, a reader of the new key finds the reservation or the new value, never the old key's,
     * and other claims skip the slot), then each word of its record (likewise, each with its own next tag: a CAS loop,
     * since the old key's updates may still land until the reservation does), write the key and hint, publish the
     * new key's empty words and value with new tags.
     */
    private boolean claimSlot(int slot, long seen, long key, long nowMillis, long provisionalExpiresAt) {
        final int valueIndex = valueIndex(slot);
        final int tag = (UnitTableDescriptor.tag(seen) + 1) & 0xFF;
        if (!buffer.compareAndSetLong(valueIndex, seen, UnitTableDescriptor.value(tag, 0) | RESERVED_BIT)) {
            return false; // updated or taken by another claim since it was chosen
        }
        for (int word = 0; word < recordWords; word++) {
            final int wordIndex = recordWordIndex(slot, word);
            long w;
            do { // each failure follows an update of the old key's word that landed first
                w = buffer.getLongVolatile(wordIndex);
            } while (!buffer.compareAndSetLong(wordIndex, w,
                UnitTableDescriptor.value(UnitTableDescriptor.tag(w) + 1, 0) | RESERVED_BIT));
        }
        final long victimKey = buffer.getLongAcquire(keyIndex(slot));
        final long victimExpires = buffer.getLongAcquire(expiresIndex(slot)) + epochMillis;
        buffer.putLongRelease(keyIndex(slot), key);
        buffer.putLongRelease(expiresIndex(slot), provisionalExpiresAt - epochMillis);
        for (int word = 0; word < recordWords; word++) {
            final int wordIndex = recordWordIndex(slot, word);
            buffer.putLongRelease(wordIndex, buffer.getLongVolatile(wordIndex) & ~RESERVED_BIT);
        }
        buffer.putLongRelease(valueIndex, UnitTableDescriptor.value(tag, 0));
        buffer.getAndAddLong(INSERTS_OFFSET, 1);
        if (victimKey != 0) {
            buffer.getAndAddLong(victimExpires <= nowMillis ? EVICTED_EXPIRED_OFFSET : EVICTED_LIVE_OFFSET, 1);
        }
        return true;
    }

    /** The key now in {@code slot} (acquire). */
    long keyAcquire(int slot) {
        return buffer.getLongAcquire(keyIndex(slot));
    }

    /** The value now in {@code slot} (acquire: pairs with the claim's release of the key before the value). */
    long valueAcquire(int slot) {
        return buffer.getLongAcquire(valueIndex(slot));
    }

    /** Replaces the value if it is still {@code expected} (a full fence, like every CAS). */
    boolean compareAndSetValue(int slot, long expected, long next) {
        return buffer.compareAndSetLong(valueIndex(slot), expected, next);
    }

    /**
     * Sets the eviction hint of {@code slot}. A plain release store: racing writers may leave a slightly older
     * hint, which changes only which entry a full bucket evicts, never a value.
     */
    void hintExpiresAt(int slot, long expiresAtMillis) {
        final int index = expiresIndex(slot);
        final long relative = expiresAtMillis - epochMillis;
        if (buffer.getLongAcquire(index) != relative) {
            buffer.putLongRelease(index, relative);
        }
    }

    /**
     * The slot's value once no claim holds it reserved (acquire), or {@link #BUSY} (counted in {@link #abandoned()})
     * if a claim held it for the whole bounded wait. The caller then checks that the slot still holds its key.
     */
    long settledValue(int slot) {
        return settled(valueIndex(slot));
    }

    private long settled(int index) {
        for (int spins = 0; spins < SPINS; spins++) {
            final long value = buffer.getLongAcquire(index);
            if (!UnitTableDescriptor.isReserved(value)) {
                return value;
            }
            Thread.onSpinWait(); // a claim is between its first and last store
        }
        buffer.getAndAddLong(ABANDONED_OFFSET, 1);
        return BUSY;
    }

    /** Word {@code word} of the slot's record (acquire), as {@link #valueAcquire} for a value. */
    long recordWordAcquire(int slot, int word) {
        return buffer.getLongAcquire(recordWordIndex(slot, word));
    }

    /** Replaces word {@code word} of the slot's record if it is still {@code expected} (a full fence). */
    boolean compareAndSetRecordWord(int slot, int word, long expected, long next) {
        return buffer.compareAndSetLong(recordWordIndex(slot, word), expected, next);
    }

    /** As {@link #settledValue}, for word {@code word} of the slot's record. */
    long settledRecordWord(int slot, int word) {
        return settled(recordWordIndex(slot, word));
    }

    /** Loads the slot's record line (an acquire load, kept by the compiler), so that its miss overlaps others. */
    void touchRecord(int slot) {
        buffer.getLongAcquire(recordWordIndex(slot, 0));
    }

    /** Words per record: {@value UnitTableDescriptor#RECORD_WORDS} in a table of kind {@link #KIND_CAP_RECORDS}. */
    public int recordWords() {
        return recordWords;
    }

    private int recordWordIndex(int slot, int word) {
        return recordsOffset + ((slot >>> 4) * SLOTS + (slot & 15)) * RECORD_LENGTH + 8 * word;
    }

    private static int keyIndex(int slot) {
        return HEADER_LENGTH + (slot >>> 4) * BUCKET_LENGTH + KEYS_OFFSET + 8 * (slot & 15);
    }

    private static int valueIndex(int slot) {
        return HEADER_LENGTH + (slot >>> 4) * BUCKET_LENGTH + VALUES_OFFSET + 8 * (slot & 15);
    }

    private static int expiresIndex(int slot) {
        return HEADER_LENGTH + (slot >>> 4) * BUCKET_LENGTH + EXPIRES_OFFSET + 8 * (slot & 15);
    }

    /** Keys inserted since the table was created. */
    public long inserts() {
        return buffer.getLongAcquire(INSERTS_OFFSET);
    }

    /** Inserts that replaced an expired entry. */
    public long evictedExpired() {
        return buffer.getLongAcquire(EVICTED_EXPIRED_OFFSET);
    }

    /** Inserts that replaced a live entry (its count or assignment was forgotten): the table is too small. */
    public long evictedLive() {
        return buffer.getLongAcquire(EVICTED_LIVE_OFFSET);
    }

    /** Operations that gave up after the bounded wait for a claim in progress (a descheduled claimer). */
    public long abandoned() {
        return buffer.getLongAcquire(ABANDONED_OFFSET);
    }

    /** Buckets whose interrupted claim was completed when the file was opened after a crash. */
    public long recovered() {
        return buffer.getLongAcquire(RECOVERED_OFFSET);
    }

    /** Flushes a mapped table to its file (no-op for direct memory). */
    public void force() {
        if (mapped != null) {
            mapped.force();
        }
    }

    /** Marks a mapped table as cleanly closed, flushes and unmaps it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapped != null) {
            buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 1);
            mapped.force();
            IoUtil.unmap(mapped);
        }
    }
}
