package io.arbiter.bandits.context;

/**
 * A thread's memo of first-eligible counts per (cached draws, eligible set), so that a propensity among a restricted
 * eligible set costs one pass over the cached draws the first time that set meets those draws, and a lookup after:
 * pages repeat the same exclusions. Direct-mapped, {@value #ENTRIES} entries.
 *
 * <p><b>Single writer</b>: one per thread (per event loop), like a {@code Workspace}.
 */
public final class PropensityMemo {
    static final int ENTRIES = 16;
    static final int MAX_WORDS = 4;

    final long[] drawsIds = new long[ENTRIES];
    final long[][] masks = new long[ENTRIES][MAX_WORDS];
    final int[][] counts;
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
