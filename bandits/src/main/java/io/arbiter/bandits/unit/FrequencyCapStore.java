package io.arbiter.bandits.unit;

import java.nio.file.Path;

/**
 * Frequency caps: "this unit has been shown this variant (or creative) at most {@code cap} times in the last
 * {@code period}", counted off-heap in a {@link UnitTable} (memory-mapped: counts survive restarts), with an atomic
 * check-and-count ({@link #tryAcquire}) for experiments and the separate check ({@link #count}) and count
 * ({@link #increment}) that the bidder's win path needs (it checks at bid time and counts at the billing notice).
 *
 * <p><b>Windows.</b> Time is cut into sub-windows of {@code period / 3} (aligned to the table's epoch); an entry
 * keeps one count for each of the last three, and a unit's count is their sum, so it covers between two thirds of a
 * period and a whole one. Consequences, for any unit and key: at most {@code cap} impressions in any span of
 * {@code 2/3 period} (every impression in such a span is still counted when the next one is allowed); at most
 * {@code 2 cap} in any span of a whole {@code period} (the overshoot is at most the cap, and only across the edge of
 * the oldest sub-window). The bidder's heap-based caps used whole fixed windows, where the same overshoot could happen
 * within seconds across a window edge.
 *
 * <p><b>Limits.</b> {@code cap} in 1..{@value #MAX_COUNT}; {@code period} at least {@value #MIN_PERIOD_MILLIS} ms
 * (sub-windows of a second or more, numbered in 31 bits: 68 years from the table's epoch). Use one period per key:
 * include it in the key ({@link UnitKeys#key(long, long, long)} with the period folded into the scope) or start a new
 * scope when a definition's period changes, since counts are kept in the period's sub-windows.
 *
 * <p><b>Concurrency.</b> {@link #tryAcquire} and {@link #increment} are lock-free compare-and-set loops on the count's
 * one word in its record (see {@link UnitTable}): any number of threads deciding for the same unit never count past the
 * cap ({@code FrequencyCapStoreTest}, {@code FrequencyCapStress} in {@code stress/}). Inserting a new key may wait a
 * bounded time for another insert in the same bucket; if that waiting runs out, {@code tryAcquire} answers {@code
 * false} (treat as capped: the conservative answer, counted in {@link #abandoned()}), {@code increment} drops the count
 * (also counted).
 *
 * <p><b>Records.</b> An entry is a record of {@value #WORDS} counts under one key ({@link UnitTableDescriptor}, kind
 * {@value UnitTableDescriptor#KIND_CAP_RECORDS}): an experiment keys a unit's variants by group of eight
 * ({@link UnitKeys#key}{@code (scope, unit, ordinal / 8)}) and counts variant {@code ordinal % 8} in that word, so
 * checking a unit's ten variants reads two keys' buckets and two record lines, where one entry per variant read ten
 * keys' buckets and values (docs/BENCHMARKS.md, series AH). Every word is a count of its own, with the windows and
 * the atomic check-and-count above; the methods without a {@code word} use word 0.
 *
 * <p><b>Memory.</b> 89.6 bytes per record (25.6 for its slot in {@link UnitTable}, 64 for its line):
 * {@code bucketsLog2 = 16} holds 655,360 records (5.2 M variant counts in groups of eight) in 56 MiB. At the bound,
 * expired records are replaced first, then those whose counts would lapse first; replacing a live record forgets its
 * counts, so that unit may exceed its caps once more ({@link #evictedLive()}).
 */
public final class FrequencyCapStore implements AutoCloseable {
    /** The largest cap (counts are 8 bits per sub-window). */
    public static final int MAX_COUNT = 255;
    /** The shortest period, in milliseconds. */
    public static final long MIN_PERIOD_MILLIS = 3_000;
    /** Sub-windows per period. */
    public static final int SUB_WINDOWS = 3;
    private static final int WINDOW_SHIFT = 24;
    private static final long WINDOW_MASK = (1L << 31) - 1;
    private static final long COUNT_MASK = 0xFF;
    /** Counts per record (per key). */
    public static final int WORDS = UnitTableDescriptor.RECORD_WORDS;

    private final UnitTable table;
    private final long epochMillis;

    private FrequencyCapStore(UnitTable table) {
        this.table = table;
        this.epochMillis = table.epochMillis();
    }

    /**
     * Opens (or creates) the store in {@code file}; an existing file keeps its size and epoch.
     *
     * @param bucketsLog2 log2 of the buckets of a new file, 0..21 (10 records per bucket)
     * @param epochMillis origin of a new file's sub-windows (any fixed time, such as its creation)
     */
    public static FrequencyCapStore mapFile(Path file, int bucketsLog2, long epochMillis) {
        return new FrequencyCapStore(UnitTable.mapFile(file, UnitTable.KIND_CAP_RECORDS, bucketsLog2, epochMillis));
    }

    /** A store in direct memory (not persistent). */
    public static FrequencyCapStore allocateDirect(int bucketsLog2, long epochMillis) {
        return new FrequencyCapStore(UnitTable.allocateDirect(UnitTable.KIND_CAP_RECORDS, bucketsLog2,
            epochMillis));
    }

    /** A store on the heap (same layout and atomics; cheap to create, for concurrency tests). */
    public static FrequencyCapStore allocateHeap(int bucketsLog2, long epochMillis) {
        return new FrequencyCapStore(UnitTable.allocateHeap(UnitTable.KIND_CAP_RECORDS, bucketsLog2, epochMillis));
    }

    /**
     * Counts one impression for {@code key} if it has had fewer than {@code cap} in its window, atomically: of any
     * number of concurrent calls for the same key, at most {@code cap - count} succeed.
     *
     * @param key          a {@link UnitKeys#key} (never 0)
     * @param cap          1..{@value #MAX_COUNT}
     * @param periodMillis &ge; {@value #MIN_PERIOD_MILLIS}
     * @param nowMillis    the caller's clock (the same clock for every call)
     * @return whether the impression was allowed and counted; {@code false} also if the bounded wait for a
     *         concurrent insert ran out (counted in {@link #abandoned()})
     */
    public boolean tryAcquire(long key, int cap, long periodMillis, long nowMillis) {
        return tryAcquire(key, 0, cap, periodMillis, nowMillis);
    }

    /**
     * {@link #tryAcquire(long, int, long, long)} for the count in word {@code word} (0..{@value #WORDS} - 1) of
     * {@code key}'s record; the record's other counts are untouched.
     */
    public boolean tryAcquire(long key, int word, int cap, long periodMillis, long nowMillis) {
        if (cap < 1 || cap > MAX_COUNT) {
            throw new IllegalArgumentException("cap must be in 1.." + MAX_COUNT + ", was " + cap);
        }
        return add(key, checkWord(word), cap, periodMillis, nowMillis);
    }

    /**
     * Counts one impression for {@code key} unconditionally (the bidder's billing notice); counts saturate at
     * {@value #MAX_COUNT} per sub-window.
     *
     * @return whether it was counted ({@code false} only if the bounded wait for a concurrent insert ran out)
     */
    public boolean increment(long key, long periodMillis, long nowMillis) {
        return add(key, 0, Integer.MAX_VALUE, periodMillis, nowMillis);
    }

    /**
     * Impressions of {@code key} in its window (the last three sub-windows); 0 for a key never seen, evicted, or
     * being inserted right now. Does not insert.
     */
    public int count(long key, long periodMillis, long nowMillis) {
        return count(key, 0, periodMillis, nowMillis);
    }

    /** {@link #count(long, long, long)} of word {@code word} (0..{@value #WORDS} - 1) of {@code key}'s record. */
    public int count(long key, int word, long periodMillis, long nowMillis) {
        checkWord(word);
        final long width = subWindowMillis(periodMillis);
        final long window = window(nowMillis, width);
        while (true) {
            final int slot = table.find(key);
            if (slot < 0) {
                return 0;
            }
            final long value = table.recordWordAcquire(slot, word);
            if (table.keyAcquire(slot) != key) {
                continue; // the slot changed hands between the two reads: look again
            }
            return UnitTableDescriptor.isReserved(value) ? 0 : total(advance(UnitTableDescriptor.payload(value),
                window));
        }
    }

    /** {@link #counts(long[], int[], int, long, long, int[])} of word 0 of each key. */
    public void counts(long[] keys, int n, long periodMillis, long nowMillis, int[] counts) {
        counts(keys, null, n, periodMillis, nowMillis, counts);
    }

    /**
     * The impressions of word {@code words[i]} of {@code keys[i]}'s record for {@code i} in {@code [0, n)} (such as
     * one unit's variants: the same key repeated for the variants of a group), each as {@link #count} gives it, into
     * {@code counts[0..n)}. In three passes, so that the misses of different keys overlap instead of following one
     * another: the buckets of every key are touched, then every key is found and its record line touched, then the
     * words are read. A key equal to the one before it is looked up once. Allocation-free; does not insert.
     *
     * @param words the words, or null for word 0 of every key
     */
    public void counts(long[] keys, int[] words, int n, long periodMillis, long nowMillis, int[] counts) {
        final long window = window(nowMillis, subWindowMillis(periodMillis));
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                table.touch(keys[i]);
            }
        }
        int slot = -1;
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                slot = table.find(keys[i]);
                if (slot >= 0) {
                    table.touchRecord(slot);
                }
            }
            counts[i] = slot; // the slot for now; its count in the last pass
        }
        for (int i = 0; i < n; i++) {
            final int word = words == null ? 0 : checkWord(words[i]);
            final int found = counts[i];
            if (found < 0) {
                counts[i] = 0;
                continue;
            }
            final long value = table.recordWordAcquire(found, word);
            if (table.keyAcquire(found) != keys[i]) {
                counts[i] = count(keys[i], word, periodMillis, nowMillis); // the slot changed hands: look again
            } else {
                counts[i] = UnitTableDescriptor.isReserved(value) ? 0
                    : total(advance(UnitTableDescriptor.payload(value), window));
            }
        }
    }

    private static int checkWord(int word) {
        if (word < 0 || word >= WORDS) {
            throw new IllegalArgumentException("word must be in 0.." + (WORDS - 1) + ", was " + word);
        }
        return word;
    }

    private boolean add(long key, int word, int cap, long periodMillis, long nowMillis) {
        final long width = subWindowMillis(periodMillis);
        final long window = window(nowMillis, width);
        final long expiresAt = epochMillis + (window + SUB_WINDOWS) * width;
        while (true) { // lock-free: each retry follows another thread's change to this entry or its slot
            final int slot = table.findOrInsert(key, nowMillis, expiresAt);
            if (slot < 0) {
                return false;
            }
            final long value = table.settledRecordWord(slot, word);
            if (value == UnitTable.BUSY) {
                return false;
            }
            if (table.keyAcquire(slot) != key) {
                continue; // evicted or reassigned between the reads: look again
            }
            final long current = advance(UnitTableDescriptor.payload(value), window);
            if (total(current) >= cap) {
                return false;
            }
            final long next = (current & COUNT_MASK) == COUNT_MASK ? current : current + 1; // saturate (increment)
            if (next == UnitTableDescriptor.payload(value)
                || table.compareAndSetRecordWord(slot, word, value,
                    UnitTableDescriptor.value(UnitTableDescriptor.tag(value), next))) {
                final long nextWindow = (next >>> WINDOW_SHIFT) & WINDOW_MASK;
                if (nextWindow != ((UnitTableDescriptor.payload(value) >>> WINDOW_SHIFT) & WINDOW_MASK)) {
                    // only when the word moved to a new sub-window: otherwise the record's hint (set by the claim
                    // or by the word that moved first) already says so, and reading it would be one more miss
                    table.hintExpiresAt(slot, epochMillis + (nextWindow + SUB_WINDOWS) * width);
                }
                return true;
            }
        }
    }

    /** The payload moved to {@code window}: sub-window counts shifted, those older than three dropped. */
    static long advance(long payload, long window) {
        final long stored = (payload >>> WINDOW_SHIFT) & WINDOW_MASK;
        final long shift = window - stored;
        if (shift <= 0) {
            return payload; // same sub-window, or a clock that went back: keep every count
        }
        final long counts = payload & 0xFF_FFFFL;
        final long moved = shift >= SUB_WINDOWS ? 0 : (counts << (8 * shift)) & 0xFF_FFFFL;
        return ((window & WINDOW_MASK) << WINDOW_SHIFT) | moved;
    }

    /** Sum of the three sub-window counts. */
    static int total(long payload) {
        return (int) ((payload & COUNT_MASK) + ((payload >>> 8) & COUNT_MASK) + ((payload >>> 16) & COUNT_MASK));
    }

    private static long subWindowMillis(long periodMillis) {
        if (periodMillis < MIN_PERIOD_MILLIS) {
            throw new IllegalArgumentException("period must be at least " + MIN_PERIOD_MILLIS + " ms, was "
                + periodMillis);
        }
        return periodMillis / SUB_WINDOWS;
    }

    private long window(long nowMillis, long width) {
        return (Math.max(0L, nowMillis - epochMillis) / width) & WINDOW_MASK;
    }

    /** The table underneath, for its counters and capacity. */
    public UnitTable table() {
        return table;
    }

    /** Operations that gave up after the bounded wait (a {@code tryAcquire} that answered "capped"). */
    public long abandoned() {
        return table.abandoned();
    }

    /** Live records replaced because a bucket was full: counts forgotten, so the store is too small. */
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
