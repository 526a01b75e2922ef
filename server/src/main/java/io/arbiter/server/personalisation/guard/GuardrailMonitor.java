package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailEvidence;
import io.arbiter.bandits.guard.GuardrailRule;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Watches the guardrails: after every guardrail reward, the {@link GuardrailRule} of that metric compares the
 * variant's event rate with the control's (the holdout group's, or without a holdout the default variant's), and a
 * variant shown harmful is suspended: it gets no more traffic (the experiment is rebuilt without it, so its floor no
 * longer applies), the event is logged with the evidence, counted ({@code arbiter.guardrail.suspensions}), stored
 * and shown in the experiment's stats. The rule is a pair of time-uniform confidence sequences, valid however often
 * it is checked (docs/guardrails.md).
 *
 * <p>The variant's counts are its bandit-served decisions (the posterior table's) and its events since it was last
 * resumed; the control's are the holdout group's decisions and events, or the default variant's. The last variant an
 * experiment serves is never suspended (there would be nothing left to serve): that is logged instead. Thread-safe:
 * called from any event loop; a check allocates nothing unless it suspends.
 */
public final class GuardrailMonitor {
    private static final System.Logger LOG = System.getLogger(GuardrailMonitor.class.getName());

    private final ExperimentRegistry registry;
    private final BiFunction<String, Suspension, Future<Void>> store;
    private final Metrics metrics;
    private final Clock clock;

    /**
     * @param store stores a suspension of an experiment ({@link GuardStore#insert} in the server)
     */
    public GuardrailMonitor(ExperimentRegistry registry, BiFunction<String, Suspension, Future<Void>> store,
                            Metrics metrics, Clock clock) {
        this.registry = Objects.requireNonNull(registry);
        this.store = Objects.requireNonNull(store);
        this.metrics = Objects.requireNonNull(metrics);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * A reward of guardrail {@code guardrail} was taken for a decision of {@code variant}: checks that variant, or
     * every served variant when the reward was the holdout group's (the control moved).
     */
    public void afterReward(Experiment experiment, int guardrail, String variant, boolean holdout) {
        if (!holdout) {
            check(experiment, guardrail, variant);
            return;
        }
        for (final String served : experiment.variants()) {
            check(experiment, guardrail, served);
        }
    }

    /** Checks one variant on one guardrail; suspends it if the rule says it is harmful. */
    public void check(Experiment experiment, int guardrail, String variant) {
        final ExperimentGuard guard = experiment.guard();
        final boolean againstHoldout = guard.hasHoldout();
        final String control = experiment.spec().defaultVariant();
        if (!againstHoldout && variant.equals(control)) {
            return; // the control cannot harm itself
        }
        final Integer arm = experiment.armByVariant().get(variant);
        if (arm == null || guard.state().isSuspended(variant)) {
            return;
        }
        final long[] counts = counts(experiment, guardrail, variant, arm, againstHoldout, control);
        if (counts != null && guard.rule(guardrail).isHarmful(counts[0], counts[1], counts[2], counts[3])) {
            suspend(experiment, guardrail, variant, counts);
        }
    }

    /** {variant decisions, variant events, control decisions, control events}, or null without a control. */
    private long[] counts(Experiment experiment, int guardrail, String variant, int arm, boolean againstHoldout,
                          String control) {
        final ExperimentGuard guard = experiment.guard();
        final GuardCounters counters = guard.counters();
        final PosteriorTable table = registry.table();
        final String treatmentScope = guard.treatmentScope(guardrail);
        long variantDecisions = table.decisions(arm);
        long variantEvents = counters.successes(treatmentScope, variant);
        final GuardState.Baseline baseline = guard.state().baseline(variant);
        if (baseline != null) {
            variantDecisions = Math.max(0, variantDecisions - baseline.decisions());
            variantEvents = Math.max(0, variantEvents - baseline.events(guard.metric(guardrail)));
        }
        final long controlDecisions;
        final long controlEvents;
        if (againstHoldout) {
            controlDecisions = counters.holdoutDecisions();
            controlEvents = counters.successes(guard.holdoutScope(guardrail));
        } else {
            final Integer controlArm = experiment.armByVariant().get(control);
            if (controlArm == null) {
                return null;
            }
            controlDecisions = table.decisions(controlArm);
            controlEvents = counters.successes(treatmentScope, control);
        }
        // The check runs once per reward: allocation here is a few words, only on the guardrail path, not on decide.
        return new long[] {variantDecisions, Math.min(variantEvents, variantDecisions), controlDecisions,
            Math.min(controlEvents, controlDecisions)};
    }

    private void suspend(Experiment experiment, int guardrail, String variant, long[] counts) {
        final ExperimentGuard guard = experiment.guard();
        final GuardrailEvidence evidence = new GuardrailEvidence();
        if (!guard.rule(guardrail).evaluate(counts[0], counts[1], counts[2], counts[3], evidence)) {
            return;
        }
        final String metric = guard.metric(guardrail);
        final String id = experiment.id();
        synchronized (guard.state()) {
            final Experiment current = registry.get(id);
            if (current == null || current.variants().length <= 1 || guard.state().isSuspended(variant)) {
                if (current != null && current.variants().length <= 1) {
                    LOG.log(System.Logger.Level.WARNING, "guardrail ''{0}'' of experiment ''{1}'' shows harm by "
                        + "variant ''{2}'', the last one served: not suspended. Evidence: {3}", metric, id, variant,
                        evidence);
                }
                return;
            }
            final Suspension suspension = new Suspension(variant, metric, clock.millis(), evidenceJson(evidence,
                guard.hasHoldout() ? "holdout" : "variant " + current.spec().defaultVariant()));
            if (!guard.state().suspend(suspension)) {
                return;
            }
            registry.rebuild(id);
            metrics.variantSuspended(id, metric);
            LOG.log(System.Logger.Level.WARNING, "guardrail ''{0}'' suspended variant ''{1}'' of experiment ''{2}'': "
                + "{3}", metric, variant, id, evidence);
            store.apply(id, suspension).onFailure(failure -> LOG.log(System.Logger.Level.ERROR,
                "could not store the suspension of variant ''{0}'' of ''{1}'' (in effect until restart; the guardrail "
                    + "will find it again from the restored counts): {2}", variant, id, failure.toString()));
        }
    }

    /** The evidence as the stats and the suspension row show it. */
    public static JsonObject evidenceJson(GuardrailEvidence e, String control) {
        return new JsonObject()
            .put("control", control)
            .put("direction", e.direction().wireName())
            .put("maxRelativeHarm", e.maxRelativeHarm())
            .put("confidence", e.confidence())
            .put("variant", group(e.variantDecisions(), e.variantEvents(), e.variantLower(), e.variantUpper()))
            .put("controlGroup", group(e.controlDecisions(), e.controlEvents(), e.controlLower(), e.controlUpper()))
            .put("harmLowerBound", finite(e.harmLowerBound()));
    }

    private static JsonObject group(long decisions, long events, double lower, double upper) {
        return new JsonObject().put("decisions", decisions).put("events", events)
            .put("rate", decisions == 0 ? null : (double) events / decisions)
            .put("confidenceSequence", new io.vertx.core.json.JsonArray().add(finite(lower)).add(finite(upper)));
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
