package io.arbiter.server.ops;

import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.outcome.PipelineStatus;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health} (the process is alive), {@code GET /ready} (it can serve: started and the outcome journal
 * accepting; 503 otherwise) and {@code GET /metrics} (Prometheus text format). While Postgres is away the server
 * still serves (outcomes wait in the journal), so /ready stays 200 but says "degraded" and shows the lag.
 */
public final class OpsHandlers {
    private final Metrics metrics;
    private final OutcomeLog outcomes;
    private final BooleanSupplier started;

    public OpsHandlers(Metrics metrics, OutcomeLog outcomes, BooleanSupplier started) {
        this.metrics = Objects.requireNonNull(metrics);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.started = Objects.requireNonNull(started);
    }

    public void mount(Router router) {
        // GET and HEAD (load balancers' health checks use either; Vert.x leaves the body out of a HEAD answer)
        for (final HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
            router.route(method, "/health").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").end("{\"status\":\"up\"}"));
            router.route(method, "/ready").handler(ctx -> {
                final JsonObject body = readiness();
                ctx.response().setStatusCode("ready".equals(body.getString("status")) ? 200 : 503)
                    .putHeader("Content-Type", "application/json").end(body.encode());
            });
        }
        router.get("/metrics").handler(ctx -> ctx.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(metrics.scrape()));
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
