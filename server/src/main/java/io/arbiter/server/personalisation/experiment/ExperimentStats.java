package io.arbiter.server.personalisation.experiment;

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
        final JsonObject report = ExperimentRegistry.storedForm(experiment).put("variantStats", variants);
        GuardStats.addTo(report, experiment, table);
        return report;
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
