package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * One candidate's running sums: the point estimates, their bootstrap replicates, the effective sample size, the
 * support cells and the replay. Fixed size from construction ({@code O(B + keySlots x actions)}); {@link #add}
 * allocates nothing. <b>Single writer</b> (the evaluation's thread).
 */
final class CandidateAccumulator {
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
    // DR's control-variate regression over the rows so far (sample-weighted): n, x = w r, c, x c, c^2
    private long cvRows;
    private double cvN;
    private double cvX;
    private double cvC;
    private double cvXC;
    private double cvCC;
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
            } else {
                final int chosen = policy.sample(row, rng);
                if (chosen < 0 || chosen >= actions) {
                    throw new IllegalStateException("candidate " + name + " sampled action " + chosen
                        + " outside 0.." + (actions - 1));
                }
                mass[slot * actions + chosen] += s;
                direct = q[chosen];
                w = chosen == a ? 1.0 / mu : 0.0;
            }
            accept = replayScale * w;
            if (w > clip) {
                w = clip;
                clippedWeights++;
            }
            // DR = w r - beta c, where c = w q(a) - sum pi q has mean zero whatever q (the model never saw the row)
            final double c = w * q[a] - direct;
            final double beta = beta();
            dr = s * (w * r - beta * c);
            learnBeta(s, w * r, c);
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
     * The model's scale for the next row: the least-squares coefficient of the IPS term on the control variate over
     * the rows before it, clamped to {@code [0, 1]} (0: IPS, 1: plain DR). It depends only on earlier rows, so every
     * row's control variate still has mean zero given the past and DR stays unbiased.
     */
    private double beta() {
        if (cvRows < 2) {
            return 0.0;
        }
        final double n = cvN;
        final double mc = cvC / n;
        final double var = cvCC / n - mc * mc;
        if (!(var > 1e-300)) {
            return 0.0;
        }
        final double cov = cvXC / n - (cvX / n) * mc;
        return Math.max(0.0, Math.min(1.0, cov / var));
    }

    private void learnBeta(double s, double x, double c) {
        cvRows++;
        cvN += s;
        cvX += s * x;
        cvC += s * c;
        cvXC += s * x * c;
        cvCC += s * c * c;
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
