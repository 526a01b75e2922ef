package io.arbiter.server.personalisation.decide;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.BodyHandler;
import io.arbiter.server.http.Endpoint;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.token.DecisionTokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.time.Clock;
import java.util.Objects;

/**
 * {@code POST /v1/decide}: which variant should this unit see?
 *
 * <pre>
 * {"experiment": "hero", "unit": "user-123", "count": 1}
 *   -> 200 {"decisionId": "...", "experiment": "hero", "variant": "B", "propensity": 0.71}
 * </pre>
 * With {@code count > 1} the answer also has {@code "variants"}: distinct variants ranked by their posterior draws,
 * the first being the one the decision id attributes rewards to. One instance per event loop: the {@link Workspace}
 * (random generator, scratch arrays) is this loop's own, so the choice itself allocates nothing and locks nothing.
 */
public final class DecideHandler implements BodyHandler {
    private final ExperimentRegistry registry;
    private final DecisionTokens tokens;
    private final OutcomeLog outcomes;
    private final Workspace workspace;
    private final Clock clock;
    private final Metrics metrics;
    private final StringBuilder json = new StringBuilder(256);

    public DecideHandler(ExperimentRegistry registry, DecisionTokens tokens, OutcomeLog outcomes, Workspace workspace,
                         Clock clock, Metrics metrics) {
        this.registry = Objects.requireNonNull(registry);
        this.tokens = Objects.requireNonNull(tokens);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.workspace = Objects.requireNonNull(workspace);
        this.clock = Objects.requireNonNull(clock);
        this.metrics = Objects.requireNonNull(metrics);
    }

    @Override
    public void handle(HttpServerRequest request, Buffer body, Endpoint endpoint, long startNanos) throws Exception {
        JsonBodies.requireJson(request);
        String experimentId = null;
        String unit = "";
        int count = 1;
        try (JsonParser parser = JsonBodies.openObject(body)) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "experiment" -> experimentId = JsonBodies.string(parser, "experiment");
                    case "unit" -> unit = JsonBodies.string(parser, "unit");
                    case "count" -> count = JsonBodies.integer(parser, "count", 1, 1000);
                    default -> parser.skipChildren();
                }
            }
            JsonBodies.requireEnd(parser);
        }
        JsonBodies.required(experimentId, "experiment");
        if (unit.length() > 256) {
            throw ApiException.badField("unit", "'unit' must be at most 256 characters");
        }
        if (unit.indexOf('\u0000') >= 0) {
            throw ApiException.badField("unit", "'unit' must not contain NUL characters");
        }
        final Experiment experiment = registry.get(experimentId);
        if (experiment == null) {
            throw new ApiException(404, "unknown experiment '" + experimentId + "'", "experiment");
        }
        endpoint.respond(request, 200, decide(experiment, unit, count), startNanos);
    }

    private String decide(Experiment experiment, String unit, int count) {
        final PosteriorTable table = registry.table();
        final int[] arms = experiment.arms();
        final String[] variants = experiment.variants();
        final long now = clock.millis();
        final int shown = Math.min(count, arms.length);
        final int first;
        final double propensity;
        if (experiment.paused()) {
            first = experiment.defaultPosition();
            propensity = 1.0;
        } else if (count == 1) {
            first = experiment.policy().choose(table, arms, workspace, now);
            propensity = experiment.propensities().propensity(first);
        } else {
            experiment.policy().rank(table, arms, shown, workspace, now);
            first = workspace.ranked(0);
            propensity = experiment.propensities().propensity(first);
        }
        final String token = tokens.issue(experiment.id(), variants[first], now, workspace.rng().nextLong());
        final StringBuilder out = json;
        out.setLength(0);
        out.append("{\"decisionId\":\"").append(token)
            .append("\",\"experiment\":\"").append(experiment.id())
            .append("\",\"variant\":\"").append(variants[first])
            .append("\",\"propensity\":").append(propensity);
        if (count > 1) {
            out.append(",\"variants\":[");
            for (int r = 0; r < shown; r++) {
                final int position = experiment.paused() ? pausedOrder(experiment, r) : workspace.ranked(r);
                if (r > 0) {
                    out.append(',');
                }
                out.append('"').append(variants[position]).append('"');
                table.recordDecision(arms[position]);
            }
            out.append(']');
        } else {
            table.recordDecision(arms[first]);
        }
        out.append('}');
        // a dropped row is counted once, by the pipeline (arbiter.outcome.decisions.dropped)
        outcomes.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, now, token, experiment.id(), variants[first],
            unit, propensity, 0));
        metrics.decisionMade(experiment.id());
        return out.toString();
    }

    /** A paused experiment's slate: the default first, then the others in their defined order. */
    private static int pausedOrder(Experiment experiment, int rank) {
        final int defaultPosition = experiment.defaultPosition();
        if (rank == 0) {
            return defaultPosition;
        }
        return rank <= defaultPosition ? rank - 1 : rank;
    }
}
