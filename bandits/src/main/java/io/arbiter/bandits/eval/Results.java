package io.arbiter.bandits.eval;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Turns the running sums of an evaluation into {@link CandidateResult}s and warnings (off the per-row path). */
final class Results {
    private static final double LEVEL = 0.95;

    private final EvaluationConfig config;
    private final Set<Estimator> estimators;
    private final long[] served;
    private final double[] bootDecisions;
    private final double decisions;
    private final double missingFraction;
    private final double rewardMin;
    private final double rewardMax;
    private final double[] interval = new double[3];

    Results(EvaluationConfig config, long[] served, double[] bootDecisions, double decisions, double missingFraction,
            double rewardMin, double rewardMax) {
        this.config = config;
        this.estimators = config.estimators();
        this.served = served;
        this.bootDecisions = bootDecisions;
        this.decisions = decisions;
        this.missingFraction = missingFraction;
        this.rewardMin = rewardMin;
        this.rewardMax = rewardMax;
    }

    List<Warning> globalWarnings(long rowsUsed, long invalid, long outOfOrder, long floored, long orphans,
                                 double dropped, ContextKeys keys) {
        final List<Warning> out = new ArrayList<>();
        if (rowsUsed == 0) {
            out.add(new Warning(Warning.Code.NO_ROWS, "no usable decision rows in the window"));
        }
        if (invalid > 0) {
            out.add(new Warning(Warning.Code.INVALID_ROWS, invalid + " malformed rows were skipped"));
        }
        if (outOfOrder > 0) {
            out.add(new Warning(Warning.Code.OUT_OF_ORDER_ROWS, outOfOrder + " rows arrived out of time order; "
                + "learning candidates and the reward model saw them late"));
        }
        if (floored > 0) {
            out.add(new Warning(Warning.Code.PROPENSITY_FLOOR, String.format(Locale.ROOT,
                "%d of %d rows (%.2f%%) had a logged propensity below the floor %s; their weights are capped at %s",
                floored, rowsUsed, 100.0 * floored / Math.max(1, rowsUsed), fmt(config.propensityFloor()),
                fmt(1 / config.propensityFloor()))));
        }
        if (orphans > 0 || dropped > 0) {
            final String what = dropped > 0 ? fmt(dropped) + " decision rows are known to be missing"
                : orphans + " rewards have no decision row";
            out.add(new Warning(Warning.Code.MISSING_DECISIONS, Double.isNaN(missingFraction)
                ? what + ", and no row carries REWARD_OBSERVED, so the share of decisions missing cannot be estimated"
                : String.format(Locale.ROOT, "%s: %.2f%% of decisions are missing%s; the estimates describe the "
                    + "rest, and each estimate's missingDecisionShift bounds how far the missing ones could move it",
                    what, 100 * missingFraction, dropped > 0 ? "" : " (estimated, assuming they were rewarded as "
                        + "often as the rest)")));
        }
        if (keys.overflowRows() > 0) {
            out.add(new Warning(Warning.Code.CONTEXT_KEYS_OVER_CAP, String.format(Locale.ROOT,
                "more than %d distinct context keys: %d rows of later keys share one pooled cell (reward model and "
                    + "support check are coarser for them)", keys.cap(), keys.overflowRows())));
        }
        return out;
    }

    CandidateResult candidate(CandidateAccumulator c, List<Warning> global) {
        final Map<Estimator, Estimate> estimates = new EnumMap<>(Estimator.class);
        for (final Estimator e : estimators) {
            estimates.put(e, estimate(c, e));
        }
        final double ess = c.weightSquareSum > 0 ? c.weightSum * c.weightSum / c.weightSquareSum : 0.0;
        final double unsupported = unsupportedShare(c);
        final List<Warning> warnings = new ArrayList<>();
        for (final Warning w : global) {
            // the candidate's own floor warning (rows it weighed) replaces the log-wide count
            if (w.code() != Warning.Code.PROPENSITY_FLOOR || c.flooredPropensities == 0) {
                warnings.add(w);
            }
        }
        candidateWarnings(c, ess, unsupported, warnings);
        return new CandidateResult(c.name, estimates, ess, c.weightedRows, c.clippedWeights, c.flooredPropensities,
            unsupported, c.replayAccepted, c.replayScaleExceeded, List.copyOf(warnings));
    }

    private Estimate estimate(CandidateAccumulator c, Estimator e) {
        final double value;
        final double[] numerator;
        final double[] denominator;
        switch (e) {
            case IPS:
                value = ratio(c.ipsSum, decisions);
                numerator = c.bootIps;
                denominator = bootDecisions;
                break;
            case SNIPS:
                value = ratio(c.ipsSum, c.weightSum);
                numerator = c.bootIps;
                denominator = c.bootWeight;
                break;
            case DR:
                value = ratio(c.drSum, decisions);
                numerator = c.bootDr;
                denominator = bootDecisions;
                break;
            default:
                value = ratio(c.replayRewardSum, c.replayWeightSum);
                numerator = c.bootReplayReward;
                denominator = c.bootReplayWeight;
                break;
        }
        if (numerator.length > 0) {
            PoissonBootstrap.interval(numerator, denominator, numerator.length, LEVEL, interval);
        } else {
            interval[0] = Double.NaN;
            interval[1] = Double.NaN;
            interval[2] = Double.NaN;
        }
        double low = 0;
        double high = 0;
        if (missingFraction > 0 && !Double.isNaN(value)) {
            low = Math.min(0, missingFraction * (rewardMin - value));
            high = Math.max(0, missingFraction * (rewardMax - value));
        } else if (Double.isNaN(missingFraction)) {
            low = Double.NaN;
            high = Double.NaN;
        }
        return new Estimate(value, interval[0], interval[1], interval[2], low, high);
    }

    private static double ratio(double numerator, double denominator) {
        return denominator > 0 ? numerator / denominator : Double.NaN;
    }

    /** Share of the candidate's mass on (key, action) cells with no logged row at all. */
    private double unsupportedShare(CandidateAccumulator c) {
        double total = 0;
        double unsupported = 0;
        for (int i = 0; i < c.mass.length; i++) {
            total += c.mass[i];
            if (served[i] == 0) {
                unsupported += c.mass[i];
            }
        }
        return total > 0 ? unsupported / total : 0.0;
    }

    private void candidateWarnings(CandidateAccumulator c, double ess, double unsupported, List<Warning> out) {
        if (decisions > 0 && !c.policy.isLoggingPolicy() && ess < config.minEffectiveSampleSize()) {
            out.add(new Warning(Warning.Code.LOW_EFFECTIVE_SAMPLE_SIZE, String.format(Locale.ROOT,
                "effective sample size %.1f is below %s: the log has few rows where this candidate agrees with it, "
                    + "so its estimates and intervals are unreliable", ess, fmt(config.minEffectiveSampleSize()))));
        }
        if (unsupported > 0) {
            out.add(new Warning(Warning.Code.UNSUPPORTED_ACTIONS, String.format(Locale.ROOT,
                "%.2f%% of this candidate's choices are variants the log never served in that context: IPS counts "
                    + "them as reward 0, SNIPS ignores them, DR relies on its model there", 100 * unsupported)));
        }
        if (c.flooredPropensities > 0) {
            out.add(new Warning(Warning.Code.PROPENSITY_FLOOR, String.format(Locale.ROOT,
                "%d rows this candidate's estimate weighs had a propensity below the floor %s", c.flooredPropensities,
                fmt(config.propensityFloor()))));
        }
        if (c.clippedWeights > 0) {
            out.add(new Warning(Warning.Code.CLIPPED_WEIGHTS, String.format(Locale.ROOT,
                "%d weights were clipped at %s: the estimates are biased (IPS and DR towards 0 for positive rewards)",
                c.clippedWeights, fmt(config.weightClip()))));
        }
        if (estimators.contains(Estimator.REPLAY)) {
            if (c.replayAccepted < config.minEffectiveSampleSize()) {
                out.add(new Warning(Warning.Code.REPLAY_FEW_ACCEPTED, String.format(Locale.ROOT,
                    "the replay accepted %d rows (fewer than %s)", c.replayAccepted,
                    fmt(config.minEffectiveSampleSize()))));
            }
            if (c.replayScaleExceeded > 0) {
                out.add(new Warning(Warning.Code.REPLAY_SCALE_EXCEEDED, String.format(Locale.ROOT,
                    "on %d rows the replay's acceptance probability exceeded 1 (replayScale %s is above their "
                        + "propensity): the replay under-represents them", c.replayScaleExceeded,
                    fmt(config.replayScale()))));
            }
        }
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+(e|$)", "$1");
    }
}
