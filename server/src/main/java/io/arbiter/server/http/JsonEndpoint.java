package io.arbiter.server.http;

import io.arbiter.server.metrics.EndpointTimer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.Objects;

/**
 * Base of the JSON endpoints: times each request into the endpoint's histogram and sends every failure, thrown or
 * asynchronous, through the one {@link ErrorMapper}.
 */
public abstract class JsonEndpoint implements BodyEndpoint {
    private final ErrorMapper errors;
    private final EndpointTimer timers;

    protected JsonEndpoint(ErrorMapper errors, EndpointTimer timers) {
        this.errors = Objects.requireNonNull(errors);
        this.timers = Objects.requireNonNull(timers);
    }

    @Override
    public final void handle(HttpServerRequest request, Buffer body) {
        final long start = System.nanoTime();
        try {
            handle(request, body, start);
        } catch (Throwable failure) {
            fail(request, failure, start);
        }
    }

    /** Handles the request; must end with {@link #respond} or {@link #fail}, now or later. */
    protected abstract void handle(HttpServerRequest request, Buffer body, long startNanos) throws Exception;

    protected final void respond(HttpServerRequest request, int status, String json, long startNanos) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
        timers.record(status, System.nanoTime() - startNanos);
    }

    protected final void fail(HttpServerRequest request, Throwable failure, long startNanos) {
        final int status = errors.respond(request, failure);
        timers.record(status, System.nanoTime() - startNanos);
    }
}
