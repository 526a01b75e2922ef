package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * UCB1 (Auer, Cesa-Bianchi and Fischer, 2002): try each arm once, then pick the largest
 * {@code mean_i + sqrt(2 ln t / n_i)}, where t is the total number of rewards observed. Deterministic apart from
 * breaking exact ties uniformly at random. A baseline for the regret simulator.
 */
public final class Ucb1 extends IndexPolicy {

    @Override
    public int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis) {
        scores(table, arms, workspace.scores);
        return Ranking.argMax(workspace.scores, arms.length, workspace.rng());
    }

    private static void scores(PosteriorTable table, int[] arms, double[] scores) {
        final int n = arms.length;
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += table.trials(arms[i]);
        }
        final double logTotal = Math.log(Math.max(1, total));
        for (int i = 0; i < n; i++) {
            final long trials = table.trials(arms[i]);
            scores[i] = trials == 0
                ? Double.POSITIVE_INFINITY
                : table.rewardSum(arms[i]) / trials + Math.sqrt(2.0 * logTotal / trials);
        }
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                                    double[] probabilities) {
        final int n = arms.length;
        scores(table, arms, workspace.scores);
        final double max = Ranking.max(workspace.scores, n);
        final double share = 1.0 / Ranking.countMax(workspace.scores, n);
        for (int i = 0; i < n; i++) {
            probabilities[i] = workspace.scores[i] == max ? share : 0.0;
        }
    }

    @Override
    public String name() {
        return "ucb1";
    }
}
