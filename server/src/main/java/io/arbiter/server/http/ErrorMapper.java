package io.arbiter.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.api.RetryLaterException;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * The one place that turns failures into HTTP answers. Client mistakes become 4xx with a JSON body naming the
 * problem; a request to retry later (a full journal) becomes 503 with Retry-After; anything unexpected becomes a
 * logged 500 with no details.
 */
public final class ErrorMapper {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private final Metrics metrics;

    public ErrorMapper(Metrics metrics) {
        this.metrics = Objects.requireNonNull(metrics);
    }

    /** Writes the error answer for a routed request's {@code failure} and returns its status. */
    public int respond(RoutingContext ctx, Throwable failure) {
        if (failure == null && ctx.statusCode() > 0) {
            return respond(ctx.request(), new ApiException(ctx.statusCode(), defaultMessage(ctx.statusCode())));
        }
        return respond(ctx.request(), failure);
    }

    /** Writes the error answer for {@code failure} and returns its status. */
    public int respond(HttpServerRequest request, Throwable failure) {
        final HttpServerResponse response = request.response();
        if (response.ended()) {
            return response.getStatusCode();
        }
        final int status;
        final JsonObject body = new JsonObject();
        if (failure instanceof ApiException api) {
            status = api.status();
            body.put("error", api.getMessage());
            if (api.field() != null) {
                body.put("field", api.field());
            }
        } else if (failure instanceof RetryLaterException later) {
            status = 503;
            body.put("error", later.clientMessage());
            response.putHeader("Retry-After", Integer.toString(later.retryAfterSeconds()));
        } else if (failure instanceof JsonProcessingException json) {
            status = 400;
            body.put("error", "malformed JSON: " + json.getOriginalMessage());
        } else if (failure instanceof java.io.CharConversionException) {
            status = 400;
            body.put("error", "request body is not valid UTF-8 JSON");
        } else if (failure instanceof java.io.IOException) {
            status = 503; // the journal cannot write: the outcome was not taken, so the client may retry elsewhere
            body.put("error", "outcome journal unavailable; retry later");
            response.putHeader("Retry-After", "5");
            LOG.log(System.Logger.Level.ERROR, "outcome journal failure", failure);
        } else {
            status = 500;
            body.put("error", "internal error");
            LOG.log(System.Logger.Level.ERROR, "unhandled failure on " + request.method() + " "
                + request.path(), failure);
        }
        metrics.requestRefused(status);
        response.setStatusCode(status)
            .putHeader("Content-Type", "application/json")
            .end(body.encode());
        return status;
    }

    private static String defaultMessage(int status) {
        return switch (status) {
            case 400 -> "bad request";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 413 -> "request body too large";
            case 415 -> "unsupported media type: send Content-Type: application/json";
            default -> "request failed";
        };
    }
}
