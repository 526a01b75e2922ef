package io.arbiter.server.http;

import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * Base of the JSON endpoints: times each request into the endpoint's histogram and sends every failure, thrown or
 * asynchronous, through the one {@link ErrorMapper}.
 */
public abstract class JsonEndpoint implements Handler<RoutingContext> {
    private final ErrorMapper errors;
    private final Metrics.EndpointTimers timers;

    protected JsonEndpoint(ErrorMapper errors, Metrics.EndpointTimers timers) {
        this.errors = Objects.requireNonNull(errors);
        this.timers = Objects.requireNonNull(timers);
    }

    @Override
    public final void handle(RoutingContext ctx) {
        final long start = System.nanoTime();
        try {
            handle(ctx, start);
        } catch (Throwable failure) {
            fail(ctx, failure, start);
        }
    }

    /** Handles the request; must end with {@link #respond} or {@link #fail}, now or later. */
    protected abstract void handle(RoutingContext ctx, long startNanos) throws Exception;

    protected final void respond(RoutingContext ctx, int status, String json, long startNanos) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
        timers.record(status, System.nanoTime() - startNanos);
    }

    protected final void fail(RoutingContext ctx, Throwable failure, long startNanos) {
        final int status = errors.respond(ctx, failure);
        timers.record(status, System.nanoTime() - startNanos);
    }
}
