package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/** Allocation-free selection helpers over a workspace's score array. */
final class Ranking {
    private Ranking() {
    }

    /** Position of the largest of {@code scores[0..n)}; exact ties are broken uniformly at random. */
    static int argMax(double[] scores, int n, Xoroshiro128PlusPlus rng) {
        int best = 0;
        int tied = 1;
        for (int i = 1; i < n; i++) {
            final double s = scores[i];
            if (s > scores[best]) {
                best = i;
                tied = 1;
            } else if (s == scores[best] && rng.nextInt(++tied) == 0) {
                best = i; // reservoir sampling over the tied maxima
            }
        }
        return best;
    }

    /**
     * Leaves the positions of the {@code k} largest scores in {@code ranking[0..k)}, largest first (partial selection
     * sort: O(n k), which beats sorting for the slate sizes used). Ties keep their original order.
     */
    static int topK(double[] scores, int n, int k, int[] ranking) {
        final int count = Math.min(k, n);
        for (int i = 0; i < n; i++) {
            ranking[i] = i;
        }
        for (int r = 0; r < count; r++) {
            int bestAt = r;
            for (int j = r + 1; j < n; j++) {
                if (scores[ranking[j]] > scores[ranking[bestAt]]) {
                    bestAt = j;
                }
            }
            final int swap = ranking[r];
            ranking[r] = ranking[bestAt];
            ranking[bestAt] = swap;
        }
        return count;
    }

    /** Replaces the first {@code count} entries of {@code ranking} (indices into the eligible set) by arm positions. */
    static void toPositions(int[] ranking, int count, EligibleSet eligible) {
        for (int r = 0; r < count; r++) {
            ranking[r] = eligible.position(ranking[r]);
        }
    }

    /** Number of positions whose score equals the maximum of {@code scores[0..n)}. */
    static int countMax(double[] scores, int n) {
        double max = Double.NEGATIVE_INFINITY;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (scores[i] > max) {
                max = scores[i];
                count = 1;
            } else if (scores[i] == max) {
                count++;
            }
        }
        return count;
    }

    static double max(double[] scores, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, scores[i]);
        }
        return max;
    }
}
