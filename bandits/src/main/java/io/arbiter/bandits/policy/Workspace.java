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

    /**
     * @param seed    seed of this workspace's generator
     * @param maxArms the largest number of arms any experiment it serves may have
     */
    public Workspace(long seed, int maxArms) {
        if (maxArms <= 0) {
            throw new IllegalArgumentException("maxArms must be positive, was " + maxArms);
        }
        this.rng = new Xoroshiro128PlusPlus(seed);
        this.scores = new double[maxArms];
        this.ranking = new int[maxArms];
        this.ties = new int[maxArms];
    }

    public Xoroshiro128PlusPlus rng() {
        return rng;
    }

    public int maxArms() {
        return scores.length;
    }

    /** Position (into the arms array) of the arm ranked {@code rank} by the last {@link Policy#rank} call. */
    public int ranked(int rank) {
        return ranking[rank];
    }
}
