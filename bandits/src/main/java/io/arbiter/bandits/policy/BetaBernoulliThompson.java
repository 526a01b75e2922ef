package io.arbiter.bandits.policy;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.table.DecayedSums;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * Thompson sampling for 0/1 rewards with a Beta(alpha, beta) prior: the posterior is
 * Beta(alpha + successes, beta + failures). With a half-life, successes and failures are the decayed sums, so an
 * observation's influence halves every half-life and the policy tracks drifting rates.
 */
public final class BetaBernoulliThompson extends ThompsonPolicy {
    private final double priorAlpha;
    private final double priorBeta;

    /**
     * @param priorAlpha      the prior's alpha (pseudo-successes), finite and above 0
     * @param priorBeta       the prior's beta (pseudo-failures), finite and above 0
     * @param halfLifeMillis  0 for no discounting, or the half-life in milliseconds, 1,000 or more
     * @param propensityDraws joint draws per propensity estimate, 1 or more
     */
    public BetaBernoulliThompson(double priorAlpha, double priorBeta, long halfLifeMillis, int propensityDraws) {
        super(halfLifeMillis, propensityDraws);
        if (!(priorAlpha > 0) || !(priorBeta > 0) || Double.isInfinite(priorAlpha) || Double.isInfinite(priorBeta)) {
            throw new IllegalArgumentException("Beta prior parameters must be finite and positive, were "
                + priorAlpha + ", " + priorBeta);
        }
        this.priorAlpha = priorAlpha;
        this.priorBeta = priorBeta;
    }

    /** Beta(1, 1) prior, no discounting. */
    public BetaBernoulliThompson() {
        this(1.0, 1.0, 0, DEFAULT_PROPENSITY_DRAWS);
    }

    @Override
    protected double sample(PosteriorTable table, int arm, Workspace workspace, long nowMillis) {
        final long halfLife = halfLifeMillis();
        if (halfLife == 0) {
            final long successes = table.successes(arm);
            final long trials = table.trials(arm);
            final double a = priorAlpha + successes;
            final double b = priorBeta + (trials - successes);
            if (a >= 1.0 && b >= 1.0) {
                // Most arms' shapes are unchanged since the last decision: reuse their Gamma constants (Workspace).
                final int slot = arm & Workspace.MEMO_MASK;
                if (workspace.memoA[slot] != a || workspace.memoB[slot] != b) {
                    workspace.memoCa[slot] = Samplers.gammaConstant(a, b, true);
                    workspace.memoCb[slot] = Samplers.gammaConstant(a, b, false);
                    workspace.memoA[slot] = a;
                    workspace.memoB[slot] = b;
                }
                return Samplers.beta(workspace.rng(), a, b, workspace.memoCa[slot], workspace.memoCb[slot]);
            }
            return Samplers.beta(workspace.rng(), a, b);
        }
        final DecayedSums d = workspace.decayed;
        table.readDecayed(arm, nowMillis, halfLife, d);
        final double successes = d.rewardSum();
        final double failures = Math.max(0.0, d.weight() - successes);
        return Samplers.beta(workspace.rng(), priorAlpha + successes, priorBeta + failures);
    }

    @Override
    public double posteriorMean(PosteriorTable table, int arm, Workspace workspace, long nowMillis) {
        final double a;
        final double b;
        if (halfLifeMillis() == 0) {
            final long successes = table.successes(arm);
            a = priorAlpha + successes;
            b = priorBeta + (table.trials(arm) - successes);
        } else {
            final DecayedSums d = workspace.decayed;
            table.readDecayed(arm, nowMillis, halfLifeMillis(), d);
            a = priorAlpha + d.rewardSum();
            b = priorBeta + Math.max(0.0, d.weight() - d.rewardSum());
        }
        return a / (a + b);
    }

    @Override
    public boolean countsSuccesses() {
        return true;
    }

    @Override
    public double sampleStatistics(double weight, double rewardSum, double squareSum, Workspace workspace,
                                   int memoSlot) {
        final double a = priorAlpha + rewardSum;
        final double b = priorBeta + Math.max(0.0, weight - rewardSum);
        if (a >= 1.0 && b >= 1.0) {
            final int slot = memoSlot & Workspace.MEMO_MASK;
            if (workspace.memoA[slot] != a || workspace.memoB[slot] != b) {
                workspace.memoCa[slot] = Samplers.gammaConstant(a, b, true);
                workspace.memoCb[slot] = Samplers.gammaConstant(a, b, false);
                workspace.memoA[slot] = a;
                workspace.memoB[slot] = b;
            }
            return Samplers.beta(workspace.rng(), a, b, workspace.memoCa[slot], workspace.memoCb[slot]);
        }
        return Samplers.beta(workspace.rng(), a, b);
    }

    @Override
    public double meanOfStatistics(double weight, double rewardSum, double squareSum) {
        final double a = priorAlpha + rewardSum;
        final double b = priorBeta + Math.max(0.0, weight - rewardSum);
        return a / (a + b);
    }

    public double priorAlpha() {
        return priorAlpha;
    }

    public double priorBeta() {
        return priorBeta;
    }

    @Override
    public String name() {
        return halfLifeMillis() == 0 ? "thompson" : "thompson-discounted";
    }
}
