package io.arbiter.bandits.eval;

import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * A learning candidate made of one of this module's policies ({@link ThompsonPolicy} with any prior and half-life,
 * {@code Ucb1}, {@code EpsilonGreedy}, ...) over a private posterior table with one arm per action, starting from
 * the prior. It is replayed over the log: it learns (a decision and a reward on the action's arm, at the row's
 * time, so half-lives decay in log time) only from the rows the replay accepts.
 *
 * <p>A Thompson policy answers with one sample per row (its choice probabilities are Monte-Carlo estimates costing
 * {@code propensityDraws} posterior draws); the other policies give their exact probabilities.
 *
 * <p>This is the non-contextual case: one posterior for every context. A server adapting a contextual model
 * implements {@link CandidatePolicy} the same way over that model. <b>Single writer.</b>
 */
public final class BanditCandidate implements CandidatePolicy {
    private final Policy policy;
    private final PosteriorTable table;
    private final int[] arms;
    private final Workspace workspace;
    private final boolean sampled;

    /**
     * @param policy      the policy, shared and immutable
     * @param actions     number of actions, 1 to 4,096
     * @param epochMillis origin of the table's decay weights: the start of the evaluated window (rows before it are
     *                    treated as at it)
     * @param seed        seed of the candidate's own generator (its Thompson draws)
     */
    public BanditCandidate(Policy policy, int actions, long epochMillis, long seed) {
        if (actions < 1 || actions > 4_096) {
            throw new IllegalArgumentException("actions must be in 1..4096, was " + actions);
        }
        this.policy = policy;
        this.table = PosteriorTable.allocateHeap(actions, epochMillis);
        this.arms = new int[actions];
        for (int i = 0; i < actions; i++) {
            arms[i] = table.allocateArm();
        }
        this.workspace = new Workspace(seed, actions);
        this.sampled = policy instanceof ThompsonPolicy;
    }

    @Override
    public boolean probabilities(LoggedDecision row, double[] into) {
        if (sampled) {
            return false;
        }
        policy.choiceProbabilities(table, arms, workspace, row.timeMillis(), into);
        return true;
    }

    @Override
    public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
        return policy.choose(table, arms, workspace, row.timeMillis());
    }

    /** One posterior for every context: one key. */
    @Override
    public long choiceKey(LoggedDecision row) {
        return 0L;
    }

    @Override
    public boolean learns() {
        return true;
    }

    @Override
    public void learn(LoggedDecision row) {
        final int arm = arms[row.action()];
        table.recordDecision(arm);
        policy.update(table, arm, row.reward(), row.timeMillis());
    }

    /** The candidate's table (for reports: trials and rewards per action after the replay). */
    public PosteriorTable table() {
        return table;
    }
}
