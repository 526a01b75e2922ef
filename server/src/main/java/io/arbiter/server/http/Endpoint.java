package io.arbiter.server.http;

import io.arbiter.server.metrics.EndpointTimer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.Objects;

/**
 * The one endpoint wrapper, for the per-impression routes and the router's alike: every answer is written once, its
 * time recorded into the endpoint's histogram by status ({@code arbiter.http.requests}), and every failure, thrown or
 * asynchronous, goes through the one {@link ErrorMapper}. One instance per endpoint name and event loop, made by the
 * {@link RouteTable}; recording allocates nothing.
 */
public final class Endpoint {
    private final ErrorMapper errors;
    private final EndpointTimer timer;

    Endpoint(ErrorMapper errors, EndpointTimer timer) {
        this.errors = Objects.requireNonNull(errors);
        this.timer = Objects.requireNonNull(timer);
    }

    /** The endpoint's name (its metrics tag). */
    public String name() {
        return timer.endpoint();
    }

    /** Answers {@code status} with a JSON body, unless the request was answered already. */
    public void respond(HttpServerRequest request, int status, String json, long startNanos) {
        respond(request, status, Answer.JSON, json, startNanos);
    }

    /** Answers {@code status} with no body (a 204), unless the request was answered already. */
    public void respondEmpty(HttpServerRequest request, int status, long startNanos) {
        final HttpServerResponse response = request.response();
        if (!response.ended()) {
            response.setStatusCode(status).end();
            timer.record(status, System.nanoTime() - startNanos);
        }
    }

    /** Answers with {@code answer}, unless the request was answered already. */
    public void respond(HttpServerRequest request, Answer answer, long startNanos) {
        respond(request, answer.status(), answer.contentType(), answer.body(), startNanos);
    }

    private void respond(HttpServerRequest request, int status, String contentType, String body, long startNanos) {
        final HttpServerResponse response = request.response();
        if (!response.ended()) {
            response.setStatusCode(status).putHeader("Content-Type", contentType).end(body);
            timer.record(status, System.nanoTime() - startNanos);
        }
    }

    /** Answers {@code failure} through the error mapper, unless the request was answered already. */
    public void fail(HttpServerRequest request, Throwable failure, long startNanos) {
        if (!request.response().ended()) {
            final int status = errors.respond(request, failure);
            timer.record(status, System.nanoTime() - startNanos);
        }
    }

    /** Answers when {@code answer} completes: with it, or with its failure. */
    public void complete(HttpServerRequest request, Future<Answer> answer, long startNanos) {
        answer.onComplete(done -> {
            if (done.succeeded()) {
                respond(request, done.result(), startNanos);
            } else {
                fail(request, done.cause(), startNanos);
            }
        });
    }
}
