package io.arbiter.bandits.eval;

/**
 * Per-(context key, action) mean rewards with two levels of shrinkage: a cell's prediction is
 * {@code (sum + m prior_a) / (n + m)}, where {@code prior_a = (sum_a + m mean) / (n_a + m)} is the action's mean over
 * every context pulled towards the overall mean. A new cell predicts its action's mean; a new action the overall
 * mean. See {@link RewardModel#contextMeans}.
 */
final class ContextMeanModel implements RewardModel {
    private final int actions;
    private final double shrinkage;
    private final double[] cellSum;
    private final double[] cellCount;
    private final double[] actionSum;
    private final double[] actionCount;
    private double totalSum;
    private double totalCount;

    ContextMeanModel(int actions, int keySlots, double shrinkage) {
        this.actions = actions;
        this.shrinkage = shrinkage;
        this.cellSum = new double[keySlots * actions];
        this.cellCount = new double[keySlots * actions];
        this.actionSum = new double[actions];
        this.actionCount = new double[actions];
    }

    @Override
    public void predict(LoggedDecision row, int keySlot, double[] into) {
        final double m = shrinkage;
        final double mean = totalCount > 0 ? totalSum / totalCount : 0.0;
        final int base = keySlot * actions;
        for (int a = 0; a < actions; a++) {
            final double prior = actionCount[a] + m > 0 ? (actionSum[a] + m * mean) / (actionCount[a] + m) : mean;
            final double n = cellCount[base + a];
            into[a] = n + m > 0 ? (cellSum[base + a] + m * prior) / (n + m) : prior;
        }
    }

    @Override
    public void learn(LoggedDecision row, int keySlot) {
        final int a = row.action;
        final double r = row.reward;
        cellSum[keySlot * actions + a] += r;
        cellCount[keySlot * actions + a] += 1;
        actionSum[a] += r;
        actionCount[a] += 1;
        totalSum += r;
        totalCount += 1;
    }

    @Override
    public String name() {
        return "context-means";
    }
}
