package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/** Base for the baselines that score each arm from its exact counters (no posterior draws). */
abstract class IndexPolicy implements Policy {

    /** Empirical mean reward of an arm; +infinity for an untried arm so that every arm is tried once first. */
    static double empiricalMean(PosteriorTable table, int arm) {
        final long trials = table.trials(arm);
        return trials == 0 ? Double.POSITIVE_INFINITY : table.rewardSum(arm) / trials;
    }

    @Override
    public void update(PosteriorTable table, int arm, double reward, long nowMillis) {
        table.recordReward(arm, reward, nowMillis, 0);
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, int k, Workspace workspace, long nowMillis) {
        final int first = choose(table, arms, workspace, nowMillis); // honours the policy's own randomisation
        final double[] scores = workspace.scores;
        final int n = arms.length;
        for (int i = 0; i < n; i++) {
            scores[i] = empiricalMean(table, arms[i]);
        }
        scores[first] = Double.POSITIVE_INFINITY;
        // Several untried arms share +infinity; topK keeps their order, and the chosen one must come first.
        final int count = Ranking.topK(scores, n, k, workspace.ranking);
        for (int r = 0; r < count; r++) {
            if (workspace.ranking[r] == first) {
                System.arraycopy(workspace.ranking, 0, workspace.ranking, 1, r);
                workspace.ranking[0] = first;
                break;
            }
        }
        return count;
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, EligibleSet eligible, int k, Workspace workspace,
                    long nowMillis) {
        final int first = choose(table, arms, eligible, workspace, nowMillis);
        final double[] scores = workspace.scores;
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            final int position = eligible.position(e);
            scores[e] = position == first ? Double.POSITIVE_INFINITY : empiricalMean(table, arms[position]);
        }
        final int count = Ranking.topK(scores, m, k, workspace.ranking);
        Ranking.toPositions(workspace.ranking, count, eligible);
        for (int r = 0; r < count; r++) {
            if (workspace.ranking[r] == first) {
                System.arraycopy(workspace.ranking, 0, workspace.ranking, 1, r);
                workspace.ranking[0] = first;
                break;
            }
        }
        return count;
    }
}
