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

    /**
     * Chooses one arm and returns its position in {@code arms}. Does not count the decision in the table.
     *
     * @param table     the table holding the arms' statistics
     * @param arms      table indices of the candidate arms: 1 to {@code workspace.maxArms()} of them, each an allocated
     *                  arm of {@code table} (0 to {@code table.capacity() - 1})
     * @param workspace the calling thread's workspace (never shared between threads)
     * @param nowMillis the time in epoch milliseconds; read by discounted policies only, which need it not earlier
     *                  than the arms' newest rewards
     * @return a position in {@code arms}, 0 to {@code arms.length - 1}
     */
    int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis);

    /**
     * Ranks the arms and leaves the best {@code k} positions in {@link Workspace#ranked(int)}, best first; the first
     * is distributed exactly as {@link #choose}'s answer.
     *
     * @param table     the table holding the arms' statistics
     * @param arms      table indices of the candidate arms, as for {@link #choose}
     * @param k         how many positions to rank, 1 or more (more than {@code arms.length} ranks them all)
     * @param workspace the calling thread's workspace; receives the ranking
     * @param nowMillis the time in epoch milliseconds, as for {@link #choose}
     * @return the number of ranked positions, {@code min(k, arms.length)}
     */
    int rank(PosteriorTable table, int[] arms, int k, Workspace workspace, long nowMillis);

    /**
     * Like {@link #choose(PosteriorTable, int[], Workspace, long)}, restricted to the eligible positions: the answer is
     * always in {@code eligible}, distributed as the policy's choice among those arms alone.
     *
     * @param eligible describes {@code arms.length} positions and holds at least one
     * @return a position in {@code arms} that {@code eligible} contains
     */
    int choose(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace, long nowMillis);

    /**
     * Like {@link #rank(PosteriorTable, int[], int, Workspace, long)}, restricted to the eligible positions: the slate
     * holds {@code min(k, eligible.count())} distinct eligible positions, the first distributed as
     * {@link #choose(PosteriorTable, int[], EligibleSet, Workspace, long)}'s answer.
     *
     * @param k slate size, at least 1
     * @return the number of ranked positions
     */
    int rank(PosteriorTable table, int[] arms, EligibleSet eligible, int k, Workspace workspace, long nowMillis);

    /**
     * Records a reward for the arm at table index {@code arm}. Thread-safe (the table's atomic update).
     *
     * @param table     the table holding the arm
     * @param arm       the arm's table index, 0 to {@code table.capacity() - 1}
     * @param reward    a finite reward: 0 or 1 for Bernoulli policies, any finite value for Gaussian ones
     * @param nowMillis the reward's time in epoch milliseconds (weighs it in discounted policies)
     */
    void update(PosteriorTable table, int arm, double reward, long nowMillis);

    /**
     * Writes into {@code probabilities[i]} the probability that {@link #choose} returns position {@code i} given the
     * table's current state. Exact for deterministic and epsilon policies; Monte-Carlo estimates for Thompson
     * sampling (see {@link ThompsonPolicy}).
     *
     * @param table         the table holding the arms' statistics
     * @param arms          table indices of the candidate arms, as for {@link #choose}
     * @param workspace     the calling thread's workspace
     * @param nowMillis     the time in epoch milliseconds, as for {@link #choose}
     * @param probabilities receives the probabilities in {@code [0, arms.length)}; at least {@code arms.length} long
     */
    void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                             double[] probabilities);

    /**
     * Like {@link #choiceProbabilities(PosteriorTable, int[], Workspace, long, double[])} for the choice restricted to
     * {@code eligible}: positions outside it get 0, the eligible ones sum to 1.
     */
    void choiceProbabilities(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace,
                             long nowMillis, double[] probabilities);

    /** A short stable name ("thompson", "ucb1", ...). */
    String name();
}
