package io.arbiter.server.ops;

import io.arbiter.server.http.Answer;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.outcome.PipelineStatus;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Operations endpoints: {@code GET /health} (the process is alive), {@code GET /ready} (it can serve: started and the
 * outcome journal accepting; 503 otherwise) and {@code GET /metrics} (Prometheus text format). While Postgres is away
 * the server still serves (outcomes wait in the journal), so /ready stays 200 but says "degraded" and shows the lag.
 * /health and /ready answer {@code HEAD} too (load balancers' checks use either; Vert.x leaves the body out).
 */
public final class OpsModule implements Module {
    private static final Future<Answer> UP = Future.succeededFuture(Answer.json(200, "{\"status\":\"up\"}"));

    private final Metrics metrics;
    private final OutcomeLog outcomes;
    private final BooleanSupplier started;

    public OpsModule(Metrics metrics, OutcomeLog outcomes, BooleanSupplier started) {
        this.metrics = Objects.requireNonNull(metrics);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.started = Objects.requireNonNull(started);
    }

    @Override
    public void declareRoutes(RouteTable routes) {
        for (final HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
            routes.route(method, "/health", "health", Access.PUBLIC, Exposure.SAME_ORIGIN, ctx -> UP);
            routes.route(method, "/ready", "ready", Access.PUBLIC, Exposure.SAME_ORIGIN, ctx -> {
                final JsonObject body = readiness();
                return Future.succeededFuture(Answer.json("ready".equals(body.getString("status")) ? 200 : 503,
                    body));
            });
        }
        routes.route(HttpMethod.GET, "/metrics", "metrics", Access.PUBLIC, Exposure.SAME_ORIGIN,
            ctx -> Future.succeededFuture(new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape())));
    }

    JsonObject readiness() {
        final PipelineStatus status = outcomes.status();
        final boolean ready = started.getAsBoolean() && !status.journalFull();
        return new JsonObject()
            .put("status", ready ? "ready" : "not ready")
            .put("degraded", !status.postgresUp())
            .put("started", started.getAsBoolean())
            .put("postgres", new JsonObject().put("up", status.postgresUp()))
            .put("outcomePipeline", new JsonObject()
                .put("ringDepth", status.ringDepth())
                .put("journalBytes", status.journalBytes())
                .put("journalEvents", status.journalEvents())
                .put("lagMillis", status.lagMillis())
                .put("journalFull", status.journalFull()));
    }
}
