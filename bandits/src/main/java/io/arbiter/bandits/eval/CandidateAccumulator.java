package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * One candidate's running sums: the point estimates, their bootstrap replicates, the effective sample size, the
 * support cells and the replay. Fixed size from construction ({@code O(B + keySlots x actions)}); {@link #add}
 * allocates nothing. <b>Single writer</b> (the evaluation's thread).
 */
final class CandidateAccumulator {
    /**
     * DR uses its model only once the fitted coefficients, scored on rows they were not fitted on, have removed at
     * least this share of the IPS term's variance.
     */
    static final double MIN_VARIANCE_REDUCTION = 0.2;
    /** The largest scale of the model term. */
    static final double MAX_BETA = 3.0;
    /** Rows a fold needs before its coefficient is used. */
    static final long MIN_BETA_ROWS = 20;
    final String name;
    final CandidatePolicy policy;
    private final int actions;
    private final double clip;
    private final double replayScale;
    private final boolean doDr;
    private final boolean doIps;
    private final boolean doReplay;
    private final double[] probs;
    /** Probability mass the candidate put on each (key slot, action) cell, weighted by s. */
    final double[] mass;

    // point sums: sum s w r, sum s w, sum (s w)^2, sum s dr, replay sum s r and sum s over accepted rows
    double ipsSum;
    double weightSum;
    double weightSquareSum;
    double drSum;
    double replayRewardSum;
    double replayWeightSum;
    long weightedRows;
    // DR's control-variate regression, one per fold (rows alternate between the two folds), sample-weighted:
    // n, x = w r, c, x c, x^2, c^2; a row of one fold takes its coefficient from the other fold's rows before it
    private long drRows;
    private final long[] cvRows = new long[2];
    // sum s (x^2 - (x - b c)^2) over the rows so far, each with the coefficient b it was scored with (out of sample)
    private double validatedGain;
    private final double[] cvN = new double[2];
    private final double[] cvX = new double[2];
    private final double[] cvC = new double[2];
    private final double[] cvXC = new double[2];
    private final double[] cvXX = new double[2];
    private final double[] cvCC = new double[2];
    long clippedWeights;
    long flooredPropensities;
    long replayAccepted;
    long replayScaleExceeded;

    // bootstrap replicates of the same sums (the denominator sum s is shared, in the evaluation)
    final double[] bootIps;
    final double[] bootWeight;
    final double[] bootDr;
    final double[] bootReplayReward;
    final double[] bootReplayWeight;

    CandidateAccumulator(String name, CandidatePolicy policy, EvaluationConfig config, int keySlots) {
        this.name = name;
        this.policy = policy;
        this.actions = config.actions();
        this.clip = config.weightClip();
        this.replayScale = config.replayScale();
        this.doDr = config.estimators().contains(Estimator.DR);
        this.doIps = config.estimators().contains(Estimator.IPS) || config.estimators().contains(Estimator.SNIPS);
        this.doReplay = config.estimators().contains(Estimator.REPLAY);
        this.probs = new double[actions];
        this.mass = new double[keySlots * actions];
        final int b = config.bootstrapReplicates();
        this.bootIps = new double[b];
        this.bootWeight = new double[b];
        this.bootDr = new double[b];
        this.bootReplayReward = new double[b];
        this.bootReplayWeight = new double[b];
    }

    /**
     * Adds one row.
     *
     * @param mu      the logged propensity raised to the floor
     * @param floored whether it was raised
     * @param s       the row's sample weight
     * @param q       the reward model's predictions for every action (unused without DR)
     * @param k       the row's bootstrap multiplicities
     */
    void add(LoggedDecision row, int slot, double mu, boolean floored, double s, double[] q, double[] k,
             Xoroshiro128PlusPlus rng) {
        final int a = row.action;
        final double r = row.reward;
        double w;
        final double dr;
        final double accept;
        if (policy.isLoggingPolicy()) {
            // its own propensity over itself: weight 1, DR = q(a) + (r - q(a)) = r exactly
            w = 1.0;
            dr = s * r;
            accept = replayScale;
        } else {
            final double direct;
            if (policy.probabilities(row, probs)) {
                final int base = slot * actions;
                double expected = 0;
                for (int j = 0; j < actions; j++) {
                    expected += probs[j] * q[j];
                    mass[base + j] += s * probs[j];
                }
                direct = expected;
                w = probs[a] / mu;
                final int served = policy.served(row, rng);
                if (served >= actions) {
                    throw new IllegalStateException("candidate " + name + " served action " + served
                        + " outside 0.." + (actions - 1));
                }
                // the replay: the served draw when the candidate gives one, else rejection sampling on pi
                accept = served < 0 ? replayScale * w : served == a ? replayScale / mu : 0.0;
            } else {
                final int chosen = policy.sample(row, rng);
                if (chosen < 0 || chosen >= actions) {
                    throw new IllegalStateException("candidate " + name + " sampled action " + chosen
                        + " outside 0.." + (actions - 1));
                }
                mass[slot * actions + chosen] += s;
                direct = q[chosen];
                w = chosen == a ? 1.0 / mu : 0.0;
                accept = replayScale * w;
            }
            if (w > clip) {
                w = clip;
                clippedWeights++;
            }
            // DR = w r - beta c, where c = w q(a) - sum pi q has mean zero whatever q (the model never saw the row)
            final double c = w * q[a] - direct;
            final int fold = (int) (drRows++ & 1);
            final double fitted = beta(1 - fold);
            final double beta = validatedGain < MIN_VARIANCE_REDUCTION * termVariance() ? 0.0 : fitted;
            final double x = w * r;
            dr = s * (x - beta * c);
            validatedGain += s * (2 * fitted * x * c - fitted * fitted * c * c);
            learnBeta(fold, s, x, c);
        }
        final double sw = s * w;
        if (sw > 0) {
            weightedRows++;
            if (floored) {
                flooredPropensities++;
            }
            ipsSum += sw * r;
            weightSum += sw;
            weightSquareSum += sw * sw;
            if (doIps) {
                for (int b = 0; b < k.length; b++) {
                    bootWeight[b] += k[b] * sw;
                }
                final double swr = sw * r;
                if (swr != 0) { // most rows of a click-through log have no reward: skip adding zeros
                    for (int b = 0; b < k.length; b++) {
                        bootIps[b] += k[b] * swr;
                    }
                }
            }
        }
        if (doDr) {
            drSum += dr;
            for (int b = 0; b < k.length; b++) {
                bootDr[b] += k[b] * dr;
            }
        }
        if (accept > 0) {
            replay(row, s, r, accept, k, rng);
        }
    }

    /**
     * The model's fitted scale for the next row of the other fold: the least-squares coefficient of the IPS term on
     * the control variate over {@code fold}'s rows so far, capped to {@code [0, MAX_BETA]} (0: IPS, 1: plain DR); 0
     * until the fold has {@link #MIN_BETA_ROWS} rows. The row uses it only while the out-of-sample gain so far is at
     * least {@link #MIN_VARIANCE_REDUCTION} of the term's variance (otherwise 0). Both depend only on earlier rows,
     * so every row's control variate still has mean zero given the past and DR stays unbiased.
     */
    private double beta(int fold) {
        if (cvRows[fold] < MIN_BETA_ROWS) {
            return 0.0;
        }
        final double n = cvN[fold];
        final double mc = cvC[fold] / n;
        final double mx = cvX[fold] / n;
        final double varC = cvCC[fold] / n - mc * mc;
        final double varX = cvXX[fold] / n - mx * mx;
        if (!(varC > 1e-300) || !(varX > 1e-300)) {
            return 0.0;
        }
        final double cov = cvXC[fold] / n - mx * mc;
        if (cov <= 0) {
            return 0.0;
        }
        return Math.min(MAX_BETA, cov / varC);
    }

    /** {@code sum s (x - mean x)^2} over the rows so far: the IPS terms' variance times their weight. */
    private double termVariance() {
        final double n = cvN[0] + cvN[1];
        if (!(n > 0)) {
            return Double.POSITIVE_INFINITY;
        }
        final double mx = (cvX[0] + cvX[1]) / n;
        return (cvXX[0] + cvXX[1]) - n * mx * mx;
    }

    private void learnBeta(int fold, double s, double x, double c) {
        cvRows[fold]++;
        cvN[fold] += s;
        cvX[fold] += s * x;
        cvC[fold] += s * c;
        cvXC[fold] += s * x * c;
        cvXX[fold] += s * x * x;
        cvCC[fold] += s * c * c;
    }

    /**
     * Rejection-sampling replay: accept with probability {@code scale pi(a|x) / mu}; a learning candidate learns from
     * the accepted rows (whether or not the replay estimate was asked for).
     */
    private void replay(LoggedDecision row, double s, double r, double accept, double[] k, Xoroshiro128PlusPlus rng) {
        if (accept > 1 + 1e-9) { // not a rounding artefact of scale x (1 / mu) with scale == mu
            replayScaleExceeded++;
        }
        if (accept >= 1 || rng.nextDouble() < accept) {
            replayAccepted++;
            replayRewardSum += s * r;
            replayWeightSum += s;
            if (doReplay) {
                final double sr = s * r;
                for (int b = 0; b < k.length; b++) {
                    bootReplayReward[b] += k[b] * sr;
                    bootReplayWeight[b] += k[b] * s;
                }
            }
            if (policy.learns()) {
                policy.learn(row);
            }
        }
    }
}
