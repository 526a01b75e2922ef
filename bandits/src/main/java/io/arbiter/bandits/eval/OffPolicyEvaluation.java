package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Off-policy evaluation of candidate policies over a stream of logged decisions: IPS, SNIPS, doubly robust and
 * replay estimates with 95% bootstrap intervals, effective sample sizes and warnings.
 *
 * <p>Use: build it with the settings and the candidates, {@link #add} every logged row in time order (reusing one
 * {@link LoggedDecision}), {@link #addMissingDecision} every reward whose decision row is missing, and read
 * {@link #result()} (at the end, or now and then for progress). Memory is fixed at construction:
 * {@code O(B x candidates)} for the bootstrap plus {@code O(keys x actions x (candidates + 3))} for the per-context
 * cells, whatever the log's length; {@link #add} allocates nothing.
 *
 * <p>Per row: the propensity is raised to the floor; one vector of Poisson(1) multiplicities is drawn for all
 * candidates and estimators; the reward model predicts every action's reward from the rows before; every candidate
 * adds its terms ({@link CandidateAccumulator}); then the model and the support counts learn the row.
 * docs/evaluation.md gives the estimators, their assumptions and how the server calls this.
 *
 * <p><b>Single writer</b>: one thread adds rows and reads results.
 */
public final class OffPolicyEvaluation {

    /** A candidate and the name it is reported under. */
    public record Candidate(String name, CandidatePolicy policy) {
    }

    private final EvaluationConfig config;
    private final int actions;
    private final double floor;
    private final int replicates;
    private final boolean doDr;
    private final CandidateAccumulator[] candidates;
    private final RewardModel model;
    private final ContextKeys keys;
    private final long[] served;
    private final Xoroshiro128PlusPlus rng;
    private final double[] multiplicities;
    private final double[] bootDecisions;
    private final double[] predictions;

    private long rowsRead;
    private long rowsUsed;
    private long holdoutRows;
    private long invalidRows;
    private long outOfOrderRows;
    private long flooredRows;
    private long lastTime = Long.MIN_VALUE;
    private double decisions;
    private double rewardSum;
    private double observedRewardWeight;
    private long missingDecisions;
    private double missingWeight;
    private double droppedDecisions;
    private double rewardMin = Double.POSITIVE_INFINITY;
    private double rewardMax = Double.NEGATIVE_INFINITY;

    /**
     * @param settings   the settings (validated and copied here)
     * @param candidates the candidates, distinct names, at least one
     */
    public OffPolicyEvaluation(EvaluationConfig settings, List<Candidate> candidates) {
        final EvaluationConfig config = settings.frozenCopy();
        this.config = config;
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("candidates must not be empty");
        }
        this.actions = config.actions();
        this.floor = config.propensityFloor();
        this.replicates = config.bootstrapReplicates();
        this.doDr = config.estimators().contains(Estimator.DR);
        this.keys = new ContextKeys(config.maxContextKeys());
        final int slots = keys.slotCount();
        this.model = doDr ? config.rewardModel().create(actions, slots) : null;
        this.served = new long[slots * actions];
        this.candidates = new CandidateAccumulator[candidates.size()];
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < candidates.size(); i++) {
            final Candidate c = candidates.get(i);
            if (c.name() == null || c.policy() == null || !names.add(c.name())) {
                throw new IllegalArgumentException("candidate names must be present and distinct: " + c.name());
            }
            this.candidates[i] = new CandidateAccumulator(c.name(), c.policy(), config, slots);
        }
        this.rng = new Xoroshiro128PlusPlus(config.seed());
        this.multiplicities = new double[replicates];
        this.bootDecisions = new double[replicates];
        this.predictions = new double[actions];
    }

    /**
     * Adds one logged row. Rows must come in time order. A malformed row (action outside {@code 0..actions-1},
     * propensity outside {@code [0, 1]}, non-finite reward, sample weight below 1) is counted and skipped, as is a
     * holdout row.
     *
     * @param row the row, filled by the caller; read, not kept (the caller may refill it at once)
     * @return whether the row entered the estimates
     */
    public boolean add(LoggedDecision row) {
        rowsRead++;
        final int a = row.action;
        final double r = row.reward;
        final double s = row.sampleWeight;
        if (a < 0 || a >= actions || !(row.propensity >= 0 && row.propensity <= 1) || !Double.isFinite(r)
            || !(s >= 1) || Double.isInfinite(s)) {
            invalidRows++;
            return false;
        }
        if (row.has(LoggedDecision.HOLDOUT)) {
            holdoutRows++;
            return false;
        }
        if (row.timeMillis < lastTime) {
            outOfOrderRows++;
        } else {
            lastTime = row.timeMillis;
        }
        final boolean floored = row.propensity < floor;
        final double mu = floored ? floor : row.propensity;
        if (floored) {
            flooredRows++;
        }
        final int slot = keys.slot(row.contextKey);
        if (replicates > 0) {
            PoissonBootstrap.draw(rng, multiplicities, replicates);
            for (int b = 0; b < replicates; b++) {
                bootDecisions[b] += multiplicities[b] * s;
            }
        }
        if (doDr) {
            model.predict(row, slot, predictions);
        }
        for (final CandidateAccumulator c : candidates) {
            c.add(row, slot, mu, floored, s, predictions, multiplicities, rng);
        }
        served[slot * actions + a]++;
        if (doDr) {
            model.learn(row, slot);
        }
        rowsUsed++;
        decisions += s;
        rewardSum += s * r;
        if (row.has(LoggedDecision.REWARD_OBSERVED)) {
            observedRewardWeight += s;
        }
        rewardMin = Math.min(rewardMin, r);
        rewardMax = Math.max(rewardMax, r);
        return true;
    }

    /**
     * Counts a reward whose decision row is missing from the log (dropped when the decision ring was full). It does
     * not enter the estimates: the drop happened at decision time, before the reward existed, so the rows that remain
     * are not selected by reward; the count estimates the share of decisions missing and bounds how far their
     * absence may move the answer. Rewards of decisions left out by sampling ({@code decisionSampleRate < 1}) are
     * not missing: do not pass them.
     *
     * @param reward       the reward, finite
     * @param sampleWeight {@code 1 / decisionSampleRate} at the decision's time, at least 1
     */
    public void addMissingDecision(double reward, double sampleWeight) {
        if (!Double.isFinite(reward) || !(sampleWeight >= 1) || Double.isInfinite(sampleWeight)) {
            invalidRows++;
            return;
        }
        missingDecisions++;
        missingWeight += sampleWeight;
        rewardMin = Math.min(rewardMin, reward);
        rewardMax = Math.max(rewardMax, reward);
    }

    /**
     * Tells the evaluation how many decision rows of the window are known to be missing (for example from drop
     * counters kept per minute). When given, the share of decisions missing is computed from it instead of being
     * estimated from the rewards without a decision row, which assumes the dropped decisions were rewarded as often
     * as the kept ones.
     *
     * @param decisions dropped decisions that would have been logged, each counted as its sample weight; at least 0
     */
    public void addDroppedDecisions(double decisions) {
        if (!(decisions >= 0) || Double.isInfinite(decisions)) {
            throw new IllegalArgumentException("decisions must be finite and at least 0, was " + decisions);
        }
        droppedDecisions += decisions;
    }

    /** The estimates so far. Allocates; costs {@code O(B log B + keys x actions)} per candidate. */
    public EvaluationResult result() {
        final double missingFraction;
        if (droppedDecisions > 0) {
            missingFraction = droppedDecisions / (droppedDecisions + decisions);
        } else if (missingDecisions == 0) {
            missingFraction = 0.0;
        } else {
            missingFraction = observedRewardWeight > 0 ? missingWeight / (missingWeight + observedRewardWeight)
                : Double.NaN;
        }
        final Results results = new Results(config, served, bootDecisions, decisions, missingFraction,
            rewardMin, rewardMax);
        final List<Warning> global = results.globalWarnings(rowsUsed, invalidRows, outOfOrderRows, flooredRows,
            missingDecisions, droppedDecisions, keys);
        final List<CandidateResult> out = new ArrayList<>(candidates.length);
        for (final CandidateAccumulator c : candidates) {
            out.add(results.candidate(c, global));
        }
        return new EvaluationResult(rowsRead, rowsUsed, holdoutRows, invalidRows, outOfOrderRows, flooredRows,
            decisions, decisions > 0 ? rewardSum / decisions : Double.NaN, missingDecisions, droppedDecisions,
            missingFraction,
            rewardMin, rewardMax, keys.size(), keys.overflowRows(), List.copyOf(out), global);
    }

    /** Rows offered so far (for progress lines). */
    public long rowsRead() {
        return rowsRead;
    }

    public EvaluationConfig config() {
        return config;
    }
}
