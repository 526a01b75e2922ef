package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * Epsilon-greedy: with probability epsilon a uniformly random arm, otherwise the arm with the best empirical mean
 * (untried arms first, exact ties broken uniformly). A baseline for the regret simulator.
 */
public final class EpsilonGreedy extends IndexPolicy {
    private final double epsilon;

    /** @param epsilon probability of a uniformly random arm, 0 to 1 */
    public EpsilonGreedy(double epsilon) {
        if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], was " + epsilon);
        }
        this.epsilon = epsilon;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis) {
        final int n = arms.length;
        if (workspace.rng().nextDouble() < epsilon) {
            return workspace.rng().nextInt(n);
        }
        for (int i = 0; i < n; i++) {
            workspace.scores[i] = empiricalMean(table, arms[i]);
        }
        return Ranking.argMax(workspace.scores, n, workspace.rng());
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                                    double[] probabilities) {
        final int n = arms.length;
        for (int i = 0; i < n; i++) {
            workspace.scores[i] = empiricalMean(table, arms[i]);
        }
        final double max = Ranking.max(workspace.scores, n);
        final double greedyShare = (1.0 - epsilon) / Ranking.countMax(workspace.scores, n);
        for (int i = 0; i < n; i++) {
            probabilities[i] = epsilon / n + (workspace.scores[i] == max ? greedyShare : 0.0);
        }
    }

    @Override
    public int choose(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace, long nowMillis) {
        eligible.requireUsableFor(arms.length);
        final int m = eligible.count();
        if (workspace.rng().nextDouble() < epsilon) {
            return eligible.position(workspace.rng().nextInt(m));
        }
        for (int e = 0; e < m; e++) {
            workspace.scores[e] = empiricalMean(table, arms[eligible.position(e)]);
        }
        return eligible.position(Ranking.argMax(workspace.scores, m, workspace.rng()));
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace,
                                    long nowMillis, double[] probabilities) {
        eligible.requireUsableFor(arms.length);
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            workspace.scores[e] = empiricalMean(table, arms[eligible.position(e)]);
        }
        final double max = Ranking.max(workspace.scores, m);
        final double greedyShare = (1.0 - epsilon) / Ranking.countMax(workspace.scores, m);
        java.util.Arrays.fill(probabilities, 0, arms.length, 0.0);
        for (int e = 0; e < m; e++) {
            probabilities[eligible.position(e)] = epsilon / m + (workspace.scores[e] == max ? greedyShare : 0.0);
        }
    }

    @Override
    public String name() {
        return "egreedy";
    }
}
