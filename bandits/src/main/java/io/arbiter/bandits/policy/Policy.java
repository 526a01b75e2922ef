package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * A bandit policy over a set of arms in a {@link PosteriorTable}. Policies are immutable and shared between threads;
 * all mutable state is in the table (shared, lock-free) and the caller's {@link Workspace} (per thread).
 *
 * <p>{@code arms} holds the table indices of the candidate arms; results are positions into that array. Neither
 * {@link #choose} nor {@link #rank} nor {@link #update} allocates.
 */
public interface Policy {

    /** Chooses one arm and returns its position in {@code arms}. Does not count the decision in the table. */
    int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis);

    /**
     * Ranks the arms and leaves the best {@code k} positions in {@link Workspace#ranked(int)}, best first; the first
     * is distributed exactly as {@link #choose}'s answer.
     *
     * @return the number of ranked positions, {@code min(k, arms.length)}
     */
    int rank(PosteriorTable table, int[] arms, int k, Workspace workspace, long nowMillis);

    /** Records a reward for the arm at table index {@code arm}. */
    void update(PosteriorTable table, int arm, double reward, long nowMillis);

    /**
     * Writes into {@code probabilities[i]} the probability that {@link #choose} returns position {@code i} given the
     * table's current state. Exact for deterministic and epsilon policies; Monte-Carlo estimates for Thompson
     * sampling (see {@link ThompsonPolicy}).
     */
    void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                             double[] probabilities);

    /** A short stable name ("thompson", "ucb1", ...). */
    String name();
}
