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
        final double logTotal = logTotal(table, arms);
        for (int i = 0; i < n; i++) {
            scores[i] = score(table, arms[i], logTotal);
        }
    }

    /** Scores of the eligible arms, in eligible order; t counts the rewards of all arms. */
    private static void scores(PosteriorTable table, int[] arms, EligibleSet eligible, double[] scores) {
        final double logTotal = logTotal(table, arms);
        for (int e = 0; e < eligible.count(); e++) {
            scores[e] = score(table, arms[eligible.position(e)], logTotal);
        }
    }

    private static double logTotal(PosteriorTable table, int[] arms) {
        long total = 0;
        for (final int arm : arms) {
            total += table.trials(arm);
        }
        return Math.log(Math.max(1, total));
    }

    private static double score(PosteriorTable table, int arm, double logTotal) {
        final long trials = table.trials(arm);
        return trials == 0
            ? Double.POSITIVE_INFINITY
            : table.rewardSum(arm) / trials + Math.sqrt(2.0 * logTotal / trials);
    }

    @Override
    public int choose(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace, long nowMillis) {
        eligible.requireUsableFor(arms.length);
        scores(table, arms, eligible, workspace.scores);
        return eligible.position(Ranking.argMax(workspace.scores, eligible.count(), workspace.rng()));
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace,
                                    long nowMillis, double[] probabilities) {
        eligible.requireUsableFor(arms.length);
        final int m = eligible.count();
        scores(table, arms, eligible, workspace.scores);
        final double max = Ranking.max(workspace.scores, m);
        final double share = 1.0 / Ranking.countMax(workspace.scores, m);
        java.util.Arrays.fill(probabilities, 0, arms.length, 0.0);
        for (int e = 0; e < m; e++) {
            probabilities[eligible.position(e)] = workspace.scores[e] == max ? share : 0.0;
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
