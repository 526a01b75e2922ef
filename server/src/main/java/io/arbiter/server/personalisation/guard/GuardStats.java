package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailEvidence;
import io.arbiter.bandits.guard.Lift;
import io.arbiter.bandits.guard.LiftEstimator;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.RewardModel;
import io.arbiter.server.personalisation.guard.GuardCounters.Group;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The safeguards' part of {@code GET /v1/experiments/{id}}: the lift of the bandit-served group over the holdout,
 * each guardrail's evidence per variant, and the suspensions. For the admin path (a lift estimate is about 2 ms of
 * posterior draws).
 */
public final class GuardStats {
    private GuardStats() {
    }

    /** Adds {@code lift} (when the experiment has or had a holdout), {@code guardrails} and {@code suspensions}. */
    public static void addTo(JsonObject report, Experiment experiment, PosteriorTable table) {
        final ExperimentGuard guard = experiment.guard();
        final GuardCounters counters = guard.counters();
        if (guard.hasHoldout() || counters.holdoutDecisions() > 0) {
            report.put("lift", lift(experiment, table));
        }
        if (guard.guardrails() > 0) {
            final JsonArray guardrails = new JsonArray();
            for (int g = 0; g < guard.guardrails(); g++) {
                guardrails.add(guardrail(experiment, table, g));
            }
            report.put("guardrails", guardrails);
        }
        final JsonArray suspensions = new JsonArray();
        guard.state().suspended().values().stream().sorted((a, b) -> a.variant().compareTo(b.variant()))
            .forEach(s -> suspensions.add(s.toJson()));
        report.put("suspensions", suspensions);
    }

    /**
     * The bandit-served group (every variant's bandit decisions and primary rewards, from the posterior table)
     * against the holdout group (its own counters): counts, means, absolute and relative lift with 95% credible
     * intervals, and the probability that the lift is positive ({@link LiftEstimator}).
     */
    public static JsonObject lift(Experiment experiment, PosteriorTable table) {
        long decisions = 0;
        long rewards = 0;
        long successes = 0;
        double sum = 0;
        double squareSum = 0;
        for (final int arm : experiment.armByVariant().values()) {
            decisions += table.decisions(arm);
            rewards += table.trials(arm);
            successes += table.successes(arm);
            sum += table.rewardSum(arm);
            squareSum += table.rewardSquareSum(arm);
        }
        final double[] holdoutSums = new double[2];
        final long[] holdout = experiment.guard().counters().totals(Group.HOLDOUT, "", holdoutSums);
        final LiftEstimator estimator = new LiftEstimator();
        final Lift lift = experiment.rewardModel() == RewardModel.BERNOULLI
            ? estimator.bernoulli(decisions, successes, holdout[0], holdout[2])
            : estimator.gaussian(decisions, sum, squareSum, holdout[0], holdoutSums[0], holdoutSums[1]);
        return new JsonObject()
            .put("treatment", group(decisions, rewards, lift.treatmentMean()))
            .put("holdout", group(holdout[0], holdout[1], lift.holdoutMean()))
            .put("absolute", new JsonObject().put("estimate", finite(lift.absolute()))
                .put("credibleInterval95", interval(lift.absoluteLower(), lift.absoluteUpper())))
            .put("relative", new JsonObject().put("estimate", finite(lift.relative()))
                .put("credibleInterval95", interval(lift.relativeLower(), lift.relativeUpper())))
            .put("probabilityPositive", finite(lift.probabilityPositive()));
    }

    private static JsonObject guardrail(Experiment experiment, PosteriorTable table, int g) {
        final ExperimentGuard guard = experiment.guard();
        final boolean againstHoldout = guard.hasHoldout();
        final String control = experiment.spec().defaultVariant();
        final GuardCounters counters = guard.counters();
        final long controlDecisions;
        final long controlEvents;
        if (againstHoldout) {
            controlDecisions = counters.holdoutDecisions();
            controlEvents = counters.successes(guard.holdoutScope(g));
        } else {
            controlDecisions = table.decisions(experiment.armByVariant().get(control));
            controlEvents = counters.successes(guard.treatmentScope(g), control);
        }
        final JsonArray variants = new JsonArray();
        final List<String> order = new ArrayList<>(experiment.spec().variants());
        for (final String variant : order) {
            if (!againstHoldout && variant.equals(control)) {
                continue;
            }
            final int arm = experiment.armByVariant().get(variant);
            long decisions = table.decisions(arm);
            long events = counters.successes(guard.treatmentScope(g), variant);
            final GuardState.Baseline baseline = guard.state().baseline(variant);
            if (baseline != null) {
                decisions = Math.max(0, decisions - baseline.decisions());
                events = Math.max(0, events - baseline.events(guard.metric(g)));
            }
            final GuardrailEvidence evidence = new GuardrailEvidence();
            guard.rule(g).evaluate(decisions, Math.min(events, decisions), controlDecisions,
                Math.min(controlEvents, controlDecisions), evidence);
            variants.add(GuardrailMonitor.evidenceJson(evidence, "").put("name", variant)
                .put("suspended", guard.state().isSuspended(variant)));
        }
        final GuardSpec.GuardrailSpec spec = guard.spec().guardrails().get(g);
        return new JsonObject().put("metric", spec.metric()).put("direction", spec.direction().wireName())
            .put("maxRelativeHarm", spec.maxRelativeHarm()).put("confidence", spec.confidence())
            .put("control", againstHoldout ? "holdout" : "variant " + control)
            .put("variants", variants);
    }

    private static JsonObject group(long decisions, long rewards, double mean) {
        return new JsonObject().put("decisions", decisions).put("rewards", rewards).put("mean", finite(mean));
    }

    private static JsonArray interval(double lower, double upper) {
        return new JsonArray().add(finite(lower)).add(finite(upper));
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
