package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.BodyHandler;
import io.arbiter.server.http.Endpoint;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.token.DecisionTokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@code POST /v1/decide}: which variant should this unit see?
 *
 * <pre>
 * {"experiment": "hero", "unit": "user-123", "count": 1, "context": {"device": "mobile"},
 *  "features": {"recency_days": 3}, "eligible": ["A", "C"]}
 *   -> 200 {"decisionId": "d2...", "experiment": "hero", "variant": "C", "propensity": 0.71}
 * </pre>
 * With {@code count > 1} the answer also has {@code "variants"}: distinct eligible variants ranked by their posterior
 * draws, the first being the one the decision id attributes rewards to.
 *
 * <p>The body is parsed with its limits ({@link DecideRequestParser}), the experiment looked up (404), and the
 * {@link DecisionPipeline} runs its slots in the layer order. One instance per event loop: the {@link Decision} and
 * every stage's scratch state are this loop's own, so deciding locks nothing.
 */
public final class DecideHandler implements BodyHandler {
    private final ExperimentRegistry registry;
    private final Clock clock;
    private final DecideRequestParser parser;
    private final Decision decision;
    private final DecisionPipeline pipeline;

    /**
     * @param extensions sets the stages of the extension slots (HOLDOUT, BURN_IN, SHARE_BOUNDS; STICKY may be
     *                   replaced) on this loop's pipeline builder, after the standard stages are in place
     */
    public DecideHandler(ExperimentRegistry registry, DecisionTokens tokens, OutcomeLog outcomes, Workspace workspace,
                         Clock clock, Metrics metrics, ContextLimits limits, int maxVariants,
                         StickyAssignments assignments, Consumer<DecisionPipeline.Builder> extensions) {
        this.registry = Objects.requireNonNull(registry);
        this.clock = Objects.requireNonNull(clock);
        this.parser = new DecideRequestParser(limits);
        this.decision = new Decision(Objects.requireNonNull(workspace), limits, maxVariants);
        final StickyStage sticky = new StickyStage(Objects.requireNonNull(assignments));
        final DecisionPipeline.Builder builder = DecisionPipeline.builder()
            .with(DecisionSlot.CONTEXT, new ContextStage())
            .with(DecisionSlot.ELIGIBILITY, new EligibilityStage())
            .with(DecisionSlot.STICKY, sticky)
            .with(DecisionSlot.CHOICE, new ChoiceStage())
            .with(DecisionSlot.SHADOW, new ShadowStage(maxVariants))
            .with(DecisionSlot.LOG, new LogStage(tokens, outcomes, metrics, sticky));
        extensions.accept(builder);
        this.pipeline = builder.build();
    }

    @Override
    public void handle(HttpServerRequest request, Buffer body, Endpoint endpoint, long startNanos) throws Exception {
        JsonBodies.requireJson(request);
        final String answer = decide(body);
        if (answer == null) {
            endpoint.respondEmpty(request, 204, startNanos); // every variant capped, "whenAllCapped": "noContent"
        } else {
            endpoint.respond(request, 200, answer, startNanos);
        }
    }

    /**
     * Decides for a body already read: parse, look the experiment up, run the pipeline; returns the JSON answer, or
     * null for a 204 (every eligible variant capped for the unit, {@code "whenAllCapped": "noContent"}).
     * {@link io.arbiter.server.api.ApiException} for a bad request (nothing counted then).
     */
    public String decide(Buffer body) throws IOException {
        final Decision d = decision;
        d.reset();
        parser.parse(body, d);
        final Experiment experiment = registry.get(d.experimentId);
        if (experiment == null) {
            throw new ApiException(404, "unknown experiment '" + d.experimentId + "'", "experiment");
        }
        d.experiment = experiment;
        d.nowMillis = clock.millis();
        pipeline.run(d);
        return d.answer;
    }
}
