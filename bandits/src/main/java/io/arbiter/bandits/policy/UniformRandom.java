package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;

/** Picks uniformly at random, ignoring all feedback: the no-learning baseline. */
public final class UniformRandom extends IndexPolicy {

    @Override
    public int choose(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis) {
        return workspace.rng().nextInt(arms.length);
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, int k, Workspace workspace, long nowMillis) {
        final int n = arms.length;
        final int[] ranking = workspace.ranking;
        for (int i = 0; i < n; i++) {
            ranking[i] = i;
        }
        final int count = Math.min(k, n);
        for (int i = 0; i < count; i++) { // partial Fisher-Yates shuffle
            final int j = i + workspace.rng().nextInt(n - i);
            final int swap = ranking[i];
            ranking[i] = ranking[j];
            ranking[j] = swap;
        }
        return count;
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, Workspace workspace, long nowMillis,
                                    double[] probabilities) {
        java.util.Arrays.fill(probabilities, 0, arms.length, 1.0 / arms.length);
    }

    @Override
    public int choose(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace, long nowMillis) {
        eligible.requireUsableFor(arms.length);
        return eligible.position(workspace.rng().nextInt(eligible.count()));
    }

    @Override
    public int rank(PosteriorTable table, int[] arms, EligibleSet eligible, int k, Workspace workspace,
                    long nowMillis) {
        eligible.requireUsableFor(arms.length);
        final int m = eligible.count();
        final int[] ranking = workspace.ranking;
        for (int e = 0; e < m; e++) {
            ranking[e] = eligible.position(e);
        }
        final int count = Math.min(k, m);
        for (int i = 0; i < count; i++) { // partial Fisher-Yates shuffle
            final int j = i + workspace.rng().nextInt(m - i);
            final int swap = ranking[i];
            ranking[i] = ranking[j];
            ranking[j] = swap;
        }
        return count;
    }

    @Override
    public void choiceProbabilities(PosteriorTable table, int[] arms, EligibleSet eligible, Workspace workspace,
                                    long nowMillis, double[] probabilities) {
        eligible.requireUsableFor(arms.length);
        java.util.Arrays.fill(probabilities, 0, arms.length, 0.0);
        for (int e = 0; e < eligible.count(); e++) {
            probabilities[eligible.position(e)] = 1.0 / eligible.count();
        }
    }

    @Override
    public String name() {
        return "random";
    }
}
