package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.DecayedSums;

/**
 * Per-thread scratch space for policies: the random generator and preallocated arrays, so that choosing and ranking
 * allocate nothing. <b>Single writer</b>: one per event loop (or simulator run), never shared between threads.
 */
public final class Workspace {
    private final Xoroshiro128PlusPlus rng;
    final double[] scores;
    final int[] ranking;
    final int[] ties;
    final DecayedSums decayed = new DecayedSums();
    private final EligibleSet eligible;

    /*
     * Memo of the Gamma constants of recent Beta draws, direct-mapped by table arm index (see
     * BetaBernoulliThompson#sample): the shapes of an arm change only when a reward arrives for it, so from one
     * decision to the next most arms draw from the same Beta(a, b), and its constants c = 1 / sqrt(9 d) (two square
     * roots and a division, the divider being the scarcest unit on this path) can be reused. Keyed by the shapes
     * themselves, so it is exact whatever policy or prior asks; NaN marks an empty entry.
     */
    static final int MEMO_SIZE = 1024;
    static final int MEMO_MASK = MEMO_SIZE - 1;
    final double[] memoA = new double[MEMO_SIZE];
    final double[] memoB = new double[MEMO_SIZE];
    final double[] memoCa = new double[MEMO_SIZE];
    final double[] memoCb = new double[MEMO_SIZE];

    /**
     * @param seed    seed of this workspace's generator, any value (derive one per thread, see SplitMix64.derive)
     * @param maxArms the largest number of arms any experiment it serves may have, 1 or more
     */
    public Workspace(long seed, int maxArms) {
        if (maxArms <= 0) {
            throw new IllegalArgumentException("maxArms must be positive, was " + maxArms);
        }
        this.rng = new Xoroshiro128PlusPlus(seed);
        this.scores = new double[maxArms];
        this.ranking = new int[maxArms];
        this.ties = new int[maxArms];
        this.eligible = new EligibleSet(maxArms);
        java.util.Arrays.fill(memoA, Double.NaN);
        java.util.Arrays.fill(memoB, Double.NaN);
    }

    /** This workspace's generator: single-threaded, like the workspace. */
    public Xoroshiro128PlusPlus rng() {
        return rng;
    }

    /** The largest arm set this workspace can serve. */
    public int maxArms() {
        return scores.length;
    }

    /**
     * This workspace's reusable eligible set (sized {@link #maxArms()}): reset it per request with
     * {@link EligibleSet#all} or {@link EligibleSet#none} and pass it to the eligible-aware policy methods.
     */
    public EligibleSet eligible() {
        return eligible;
    }

    /**
     * The scratch score array (length {@link #maxArms()}) for models outside this package that score arms themselves
     * (the contextual models): fill {@code scores()[0..n)}, then {@link #argMaxOfScores} or {@link #rankScores}.
     */
    public double[] scores() {
        return scores;
    }

    /**
     * The index of the largest of {@code scores()[0..n)}, exact ties broken uniformly at random.
     *
     * @param n 1..maxArms
     */
    public int argMaxOfScores(int n) {
        return Ranking.argMax(scores, n, rng);
    }

    /**
     * Ranks {@code scores()[0..n)}: leaves the indices of the {@code k} largest, largest first, for {@link #ranked}.
     *
     * @param n 1..maxArms
     * @param k at least 1
     * @return {@code min(k, n)}
     */
    public int rankScores(int n, int k) {
        return Ranking.topK(scores, n, k, ranking);
    }

    /** Replaces entry {@code rank} of the last ranking (models map score indices back to arm positions). */
    public void setRanked(int rank, int position) {
        ranking[rank] = position;
    }

    /**
     * Position (into the arms array) of the arm ranked {@code rank} by the last {@link Policy#rank} call.
     *
     * @param rank 0 (the best) to the count that call returned, minus 1
     */
    public int ranked(int rank) {
        return ranking[rank];
    }
}
