package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.personalisation.guard.GuardStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/**
 * The report behind {@code GET /v1/experiments/{id}}: per variant the counts, the posterior mean, a 95% credible
 * interval (2.5% and 97.5% quantiles of {@value #DRAWS} posterior draws, so each bound carries a Monte-Carlo error of
 * roughly 0.1 posterior standard deviations), the probability of being best (Monte Carlo, as for propensities) and
 * the share of recent traffic; then the safeguards' part ({@link GuardStats}: lift, guardrails, suspensions).
 */
public final class ExperimentStats {
    static final int DRAWS = 4_000;
    /** Segments listed in a report, the busiest first. */
    static final int SEGMENTS_LISTED = 20;
    static final int SEGMENT_DRAWS = 1_000;
    /** A table with one empty arm: the prior alone, for a variant a segment has no record of yet. */
    private static final PosteriorTable EMPTY = PosteriorTable.allocateHeap(1, 0);

    /** The uniform prior of the matched estimate's interval (not the challenger's own prior). */
    private static final ThompsonPolicy FLAT = new BetaBernoulliThompson(1, 1, 0, 1);

    static {
        EMPTY.allocateArm();
    }

    private ExperimentStats() {
    }

    public static JsonObject report(Experiment experiment, PosteriorTable table, RecentTraffic traffic,
                                    Workspace workspace, long nowMillis) {
        final ThompsonPolicy policy = experiment.policy();
        final int[] arms = experiment.arms();
        final double[] best = new double[arms.length];
        policy.choiceProbabilities(table, arms, workspace, nowMillis, best);
        long recentTotal = 0;
        for (final int arm : arms) {
            recentTotal += traffic.recentDecisions(arm);
        }
        final JsonArray variants = new JsonArray();
        final double[] draws = new double[DRAWS];
        // Active variants in their defined order, then retired ones by name: stable across restarts.
        final java.util.List<String> order = new java.util.ArrayList<>(java.util.List.of(experiment.variants()));
        experiment.armByVariant().keySet().stream().filter(v -> !order.contains(v)).sorted().forEach(order::add);
        for (final String variant : order) {
            final int arm = experiment.armByVariant().get(variant);
            final int position = indexOf(arms, arm);
            for (int i = 0; i < DRAWS; i++) {
                draws[i] = policy.samplePosterior(table, arm, workspace, nowMillis);
            }
            Arrays.sort(draws);
            final long recent = traffic.recentDecisions(arm);
            final JsonObject v = new JsonObject()
                .put("variant", variant)
                .put("active", position >= 0)
                .put("suspended", experiment.guard().state().isSuspended(variant))
                .put("decisions", table.decisions(arm))
                .put("rewards", table.trials(arm))
                .put("rewardSum", table.rewardSum(arm))
                .put("posteriorMean", policy.posteriorMean(table, arm, workspace, nowMillis))
                .put("credibleInterval95", new JsonArray().add(draws[(int) (0.025 * DRAWS)])
                    .add(draws[(int) (0.975 * DRAWS) - 1]))
                .put("probabilityBest", position >= 0 ? best[position] : 0.0)
                .put("recentTrafficShare", position >= 0 && recentTotal > 0 ? (double) recent / recentTotal : 0.0);
            if (experiment.rewardModel() == RewardModel.BERNOULLI) {
                v.put("successes", table.successes(arm));
            }
            variants.add(v);
        }
        final JsonObject report = ExperimentRegistry.adminForm(experiment).put("variantStats", variants);
        GuardStats.addTo(report, experiment, table);
        report.put("champion", champion(experiment, table));
        if (experiment.challenger() != null) {
            report.put("challenger", challenger(experiment, workspace));
        }
        if (experiment.segments().spec().attributeCount() > 0) {
            report.put("segments", segments(experiment, workspace, nowMillis));
        }
        if (experiment.linear() != null) {
            report.put("linear", linear(experiment));
        }
        return report;
    }

    /**
     * The linear model's published posterior per variant: the observations it holds (this node's rewards and the other
     * nodes' it replayed) and the mean of its coefficients, in the order of the model's features (the intercept, the
     * declared features, then each attribute's buckets).
     */
    static JsonObject linear(Experiment experiment) {
        final io.arbiter.bandits.linear.LinearModelTable model = experiment.linear().table();
        final int d = model.dimension();
        final double[] mean = new double[d];
        final double[] covariance = new double[d * d];
        final JsonArray variants = new JsonArray();
        for (final String variant : experiment.armByVariant().keySet()) {
            final int ordinal = experiment.ordinalOf(variant);
            if (ordinal < 0 || ordinal >= model.variantCapacity()) {
                continue;
            }
            final long observations = model.copyPublished(ordinal, mean, covariance);
            final JsonArray coefficients = new JsonArray();
            for (final double m : mean) {
                coefficients.add(m);
            }
            variants.add(new JsonObject().put("variant", variant).put("observations", observations)
                .put("mean", coefficients));
        }
        return new JsonObject().put("dimension", d).put("pendingBytes", model.pendingBytes())
            .put("variants", variants);
    }

    /**
     * The champion's overall mean: every primary reward of the experiment's bandit-served decisions, all variants
     * together, per reward received ({@code mean}, as the posteriors count) and per decision ({@code meanPerDecision},
     * a decision without a reward counting as 0).
     */
    static JsonObject champion(Experiment experiment, PosteriorTable table) {
        long decisions = 0;
        long rewards = 0;
        double sum = 0;
        for (final int arm : experiment.armByVariant().values()) {
            decisions += table.decisions(arm);
            rewards += table.trials(arm);
            sum += table.rewardSum(arm);
        }
        return new JsonObject().put("decisions", decisions).put("rewards", rewards).put("rewardSum", sum)
            .put("mean", rewards == 0 ? null : sum / rewards)
            .put("meanPerDecision", decisions == 0 ? null : sum / decisions);
    }

    /**
     * The shadow challenger: its configuration, how often it chose each variant and agreed with the champion, and the
     * matched estimate of its value (the mean reward of the decisions it agreed with, whose rewards it would have
     * seen: per reward received, and per agreed decision) with a 95% interval for the former: for Bernoulli rewards
     * the equal-tailed interval of the Beta(1 + successes, 1 + failures) posterior ({@value #DRAWS} draws), otherwise
     * mean &plusmn; 1.96 standard errors.
     */
    static JsonObject challenger(Experiment experiment, Workspace workspace) {
        final Challenger challenger = experiment.challenger();
        final PosteriorTable arms = challenger.table();
        final JsonArray variants = new JsonArray();
        long decisions = 0;
        long agreements = 0;
        long rewards = 0;
        double sum = 0;
        double squares = 0;
        int ordinal = 0;
        for (final String variant : experiment.armByVariant().keySet()) {
            if (ordinal >= challenger.capacity()) {
                break;
            }
            decisions += challenger.chosen(ordinal);
            agreements += arms.decisions(ordinal);
            rewards += arms.trials(ordinal);
            sum += arms.rewardSum(ordinal);
            squares += arms.rewardSquareSum(ordinal);
            variants.add(new JsonObject().put("variant", variant).put("chosen", challenger.chosen(ordinal))
                .put("agreements", arms.decisions(ordinal)).put("rewards", arms.trials(ordinal))
                .put("rewardSum", arms.rewardSum(ordinal)));
            ordinal++;
        }
        final JsonObject matched = new JsonObject().put("rewards", rewards).put("rewardSum", sum)
            .put("mean", rewards == 0 ? null : sum / rewards)
            .put("meanPerDecision", agreements == 0 ? null : sum / agreements)
            .put("credibleInterval95", rewards == 0 ? null
                : matchedInterval(experiment.rewardModel(), rewards, sum, squares, workspace));
        return new JsonObject()
            .put("config", challenger.spec().toJson(experiment.rewardModel()))
            .put("generation", challenger.generation())
            .put("staleRewards", challenger.staleRewards())
            .put("contextLost", challenger.contextLost())
            .put("decisions", decisions)
            .put("agreements", agreements)
            .put("matched", matched)
            .put("variantStats", variants);
    }

    private static JsonArray matchedInterval(RewardModel model, long n, double sum, double squares,
                                             Workspace workspace) {
        if (model != RewardModel.BERNOULLI) {
            final double mean = sum / n;
            final double variance = n < 2 ? 0 : Math.max(0, (squares - n * mean * mean) / (n - 1));
            final double half = 1.96 * Math.sqrt(variance / n);
            return new JsonArray().add(mean - half).add(mean + half);
        }
        final double[] draws = new double[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            draws[i] = FLAT.sampleStatistics(n, sum, squares, workspace, 0);
        }
        Arrays.sort(draws);
        return new JsonArray().add(draws[(int) (0.025 * DRAWS)]).add(draws[(int) (0.975 * DRAWS) - 1]);
    }

    /**
     * The segment report: how many segments the experiment has, how many decisions were served by a parent because a
     * segment did not fit ({@code maxSegments} or the store full), and the {@value #SEGMENTS_LISTED} busiest segments
     * (by decisions) with, per active variant, its decisions and rewards in the segment and the posterior of the
     * segment's own data (mean, 95% credible interval, probability best; the back-off prior is not included).
     */
    static JsonObject segments(Experiment experiment, Workspace workspace, long nowMillis) {
        final SegmentedThompson model = experiment.segments();
        final SegmentStore store = model.store();
        final ContextSpec spec = model.spec();
        final java.util.List<Integer> slots = new java.util.ArrayList<>();
        store.forEachSegment(model.experimentKey(), slots::add);
        slots.sort((a, b) -> Long.compare(store.decisions(b), store.decisions(a)));
        final JsonArray busiest = new JsonArray();
        for (final int slot : slots.subList(0, Math.min(SEGMENTS_LISTED, slots.size()))) {
            busiest.add(segment(experiment, slot, levelAttributes(spec, store.levelKey(slot)), workspace, nowMillis));
        }
        return new JsonObject()
            .put("count", store.segments(model.experimentKey()))
            .put("parentFallbacks", store.capacityFallbacks(model.experimentKey()))
            .put("busiest", busiest);
    }

    private static JsonObject segment(Experiment experiment, int slot, JsonArray attributes, Workspace workspace,
                                      long nowMillis) {
        final SegmentedThompson model = experiment.segments();
        final SegmentStore store = model.store();
        final PosteriorTable arms = store.arms();
        final ThompsonPolicy policy = experiment.policy();
        final int n = model.arms();
        final double[][] draws = new double[n][SEGMENT_DRAWS];
        final int[] wins = new int[n];
        for (int i = 0; i < SEGMENT_DRAWS; i++) {
            int best = 0;
            for (int p = 0; p < n; p++) {
                final int arm = store.arm(slot, model.ordinal(p));
                draws[p][i] = arm < 0 ? policy.samplePosterior(EMPTY, 0, workspace, nowMillis)
                    : policy.samplePosterior(arms, arm, workspace, nowMillis);
                if (draws[p][i] > draws[best][i]) {
                    best = p;
                }
            }
            wins[best]++;
        }
        final JsonArray variants = new JsonArray();
        for (int p = 0; p < n; p++) {
            final int arm = store.arm(slot, model.ordinal(p));
            Arrays.sort(draws[p]);
            variants.add(new JsonObject()
                .put("variant", experiment.variants()[p])
                .put("decisions", arm < 0 ? 0 : arms.decisions(arm))
                .put("rewards", arm < 0 ? 0 : arms.trials(arm))
                .put("rewardSum", arm < 0 ? 0.0 : arms.rewardSum(arm))
                .put("posteriorMean", arm < 0 ? policy.posteriorMean(EMPTY, 0, workspace, nowMillis)
                    : policy.posteriorMean(arms, arm, workspace, nowMillis))
                .put("credibleInterval95", new JsonArray().add(draws[p][(int) (0.025 * SEGMENT_DRAWS)])
                    .add(draws[p][(int) (0.975 * SEGMENT_DRAWS) - 1]))
                .put("probabilityBest", (double) wins[p] / SEGMENT_DRAWS));
        }
        return new JsonObject()
            .put("key", Long.toHexString(store.key(slot)))
            .put("attributes", attributes)
            .put("decisions", store.decisions(slot))
            .put("rewards", store.rewards(slot))
            .put("variantStats", variants);
    }

    private static JsonArray levelAttributes(ContextSpec spec, long levelKey) {
        final JsonArray names = new JsonArray();
        for (int level = 1; level < spec.levelCount(); level++) {
            if (spec.levelKey(level) == levelKey) {
                for (final int a : spec.levelAttributes(level)) {
                    names.add(spec.attribute(a));
                }
            }
        }
        return names;
    }

    private static int indexOf(int[] arms, int arm) {
        for (int i = 0; i < arms.length; i++) {
            if (arms[i] == arm) {
                return i;
            }
        }
        return -1;
    }
}
