package io.arbiter.server.admin;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.ErrorMapper;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.metrics.EndpointTimer;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * What every admin route shares (experiments, campaigns): the bearer-token check, a JSON answer or a mapped error,
 * and the endpoint's latency timer. A route is an {@link Action} that answers with a status and a JSON object, or
 * throws / fails with an {@link ApiException} (or anything {@link ErrorMapper} knows).
 */
public final class AdminEndpoint {

    /** One admin route's work. */
    public interface Action {
        Future<Answer> run(RoutingContext ctx);
    }

    /** A successful answer: status and JSON body. */
    public record Answer(int status, JsonObject body) {
    }

    private final AdminAuth auth;
    private final ErrorMapper errors;
    private final EndpointTimer timers;

    public AdminEndpoint(AdminAuth auth, ErrorMapper errors, EndpointTimer timers) {
        this.auth = Objects.requireNonNull(auth, "auth");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.timers = Objects.requireNonNull(timers, "timers");
    }

    /** Runs the action if the request is authorised, answers, and times it. */
    public void handle(RoutingContext ctx, Action action) {
        final long start = System.nanoTime();
        Future<Answer> answer;
        try {
            auth.check(ctx);
            answer = action.run(ctx);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        answer.onComplete(result -> {
            final int status;
            if (result.succeeded()) {
                status = result.result().status();
                ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(result.result().body().encode());
            } else {
                status = errors.respond(ctx, result.cause());
            }
            timers.record(status, System.nanoTime() - start);
        });
    }

    /** The request's JSON object body: 415 unless JSON, 400 naming {@code what} was expected if it is not one. */
    public static JsonObject objectBody(RoutingContext ctx, String what) {
        JsonBodies.requireJson(ctx);
        final JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw new ApiException(400, "malformed JSON: expected " + what);
        }
        if (body == null) {
            throw new ApiException(400, "request body is empty: expected " + what);
        }
        return body;
    }
}
