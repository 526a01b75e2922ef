package io.arbiter.bandits.eval;

/**
 * One ridge regression per action of the reward on {@code [1, features]}: {@code theta_a = (X_a'X_a + L)^-1 X_a'y_a}
 * over the rows where {@code a} was logged, with {@code L = lambda} on the feature coefficients and a negligible
 * penalty on the intercept. The Gram matrix and {@code X'y} are updated per row (one rank-one update, only the logged
 * action's); the coefficients are re-solved (Cholesky) when the action's row count has grown by a sixteenth since
 * the last solve (at least 8 rows), so the solves cost {@code O(dims^3 log n)} per action in all and a prediction uses
 * coefficients at most about 6% of the rows behind. Before the first solve an action predicts its running mean.
 * Predictions are clamped to the range of rewards seen so far. See {@link RewardModel#ridge}.
 */
final class RidgeModel implements RewardModel {
    private static final int FIRST_SOLVE = 8;
    private static final double INTERCEPT_PENALTY = 1e-6;

    private final int actions;
    private final int dims;
    private final int p;
    private final double lambda;
    private final double[][] gram;
    private final double[][] xty;
    private final double[][] theta;
    private final long[] count;
    private final double[] sum;
    private final long[] nextSolve;
    private final boolean[] solved;
    private final double[] chol;
    private final double[] scratch;
    private double minReward = Double.POSITIVE_INFINITY;
    private double maxReward = Double.NEGATIVE_INFINITY;

    RidgeModel(int actions, int dims, double lambda) {
        this.actions = actions;
        this.dims = dims;
        this.p = dims + 1;
        this.lambda = lambda;
        this.gram = new double[actions][p * p];
        this.xty = new double[actions][p];
        this.theta = new double[actions][p];
        this.count = new long[actions];
        this.sum = new double[actions];
        this.nextSolve = new long[actions];
        this.solved = new boolean[actions];
        java.util.Arrays.fill(nextSolve, FIRST_SOLVE);
        this.chol = new double[p * p];
        this.scratch = new double[p];
    }

    @Override
    public void predict(LoggedDecision row, int keySlot, double[] into) {
        final double[] x = features(row);
        final double total = total();
        final double overall = count() > 0 ? total / count() : 0.0;
        for (int a = 0; a < actions; a++) {
            double q;
            if (solved[a]) {
                final double[] t = theta[a];
                q = t[0];
                for (int j = 0; j < dims; j++) {
                    q += t[j + 1] * x[j];
                }
            } else {
                q = count[a] > 0 ? sum[a] / count[a] : overall;
            }
            into[a] = maxReward >= minReward ? Math.max(minReward, Math.min(maxReward, q)) : q;
        }
    }

    @Override
    public void learn(LoggedDecision row, int keySlot) {
        final double[] x = features(row);
        final int a = row.action;
        final double r = row.reward;
        final double[] g = gram[a];
        final double[] xy = xty[a];
        // upper triangle of the Gram matrix of [1, x]; the solve mirrors it
        g[0] += 1;
        xy[0] += r;
        for (int i = 0; i < dims; i++) {
            final double xi = x[i];
            if (xi == 0) {
                continue; // sparse features (pixels, one-hot) add nothing to row i
            }
            g[i + 1] += xi;
            xy[i + 1] += xi * r;
            final int rowStart = (i + 1) * p;
            for (int j = i; j < dims; j++) {
                g[rowStart + j + 1] += xi * x[j];
            }
        }
        count[a]++;
        sum[a] += r;
        minReward = Math.min(minReward, r);
        maxReward = Math.max(maxReward, r);
        if (count[a] >= nextSolve[a]) {
            solve(a);
            nextSolve[a] = count[a] + Math.max(FIRST_SOLVE, count[a] / 16);
        }
    }

    private double[] features(LoggedDecision row) {
        final double[] x = row.features();
        if (x.length < dims) {
            throw new IllegalArgumentException("the ridge model reads " + dims + " features, the row has "
                + x.length);
        }
        return x;
    }

    private long count() {
        long n = 0;
        for (int a = 0; a < actions; a++) {
            n += count[a];
        }
        return n;
    }

    private double total() {
        double s = 0;
        for (int a = 0; a < actions; a++) {
            s += sum[a];
        }
        return s;
    }

    /** Cholesky factorisation of the penalised Gram matrix into {@code chol} (lower), then two triangular solves. */
    private void solve(int a) {
        final double[] g = gram[a];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = g[j * p + i] + (i == j ? (i == 0 ? INTERCEPT_PENALTY : lambda) : 0.0);
                for (int k = 0; k < j; k++) {
                    s -= chol[i * p + k] * chol[j * p + k];
                }
                if (i == j) {
                    chol[i * p + i] = Math.sqrt(Math.max(s, 1e-12));
                } else {
                    chol[i * p + j] = s / chol[j * p + j];
                }
            }
        }
        final double[] y = scratch;
        final double[] v = xty[a];
        for (int i = 0; i < p; i++) {
            double s = v[i];
            for (int k = 0; k < i; k++) {
                s -= chol[i * p + k] * y[k];
            }
            y[i] = s / chol[i * p + i];
        }
        final double[] t = theta[a];
        for (int i = p - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < p; k++) {
                s -= chol[k * p + i] * t[k];
            }
            t[i] = s / chol[i * p + i];
        }
        solved[a] = true;
    }

    @Override
    public String name() {
        return "ridge";
    }
}
