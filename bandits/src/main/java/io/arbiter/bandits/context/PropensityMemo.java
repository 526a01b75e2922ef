package io.arbiter.bandits.context;

/**
 * A thread's memo of first-eligible counts per (cached draws, eligible set), so that a propensity among a restricted
 * eligible set costs one pass over the cached draws the first time that set meets those draws, and a lookup after:
 * pages repeat the same exclusions, and a frequency cap leaves a unit's eligible set without the variants it has
 * seen enough. {@value #ENTRIES} entries, {@value #WAYS}-way set-associative with least-recently-used replacement
 * within a set: any {@value #WAYS} (draws, eligible set) pairs in use stay memoised together, whatever their hashes
 * (a direct-mapped memo of 16 let two sets in use evict each other on every call: a pass of about 15 µs over 4,000
 * draws on some 2% of capped decides, docs/BENCHMARKS.md series AO). A set's identifiers share one cache line.
 *
 * <p><b>Single writer</b>: one per thread (per event loop), like a {@code Workspace}.
 */
public final class PropensityMemo {
    static final int WAYS = 8;
    static final int SETS = 8;
    static final int ENTRIES = WAYS * SETS;
    static final int MAX_WORDS = 4;

    final long[] drawsIds = new long[ENTRIES];
    /** Per entry, when it was last used (the memo's own clock): the set's least recently used entry is replaced. */
    final long[] used = new long[ENTRIES];
    final long[][] masks = new long[ENTRIES][MAX_WORDS];
    final int[][] counts;
    long clock;
    long hits;
    long misses;

    /** @param maxArms the most variants of any experiment served, 1..256 */
    public PropensityMemo(int maxArms) {
        if (maxArms < 1 || maxArms > 256) {
            throw new IllegalArgumentException("maxArms must be in 1..256, was " + maxArms);
        }
        this.counts = new int[ENTRIES][maxArms];
    }

    /** Memo hits since creation (for tuning). */
    public long hits() {
        return hits;
    }

    /** Memo misses since creation: each a pass over a segment's cached draws. */
    public long misses() {
        return misses;
    }
}
