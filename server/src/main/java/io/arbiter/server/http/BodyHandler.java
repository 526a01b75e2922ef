package io.arbiter.server.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A per-impression endpoint ({@code /v1/decide}, {@code /v1/reward}, {@code /openrtb2/bid}): dispatched by
 * {@link HotRoutes} without the router, with the body already read, decoded and within the size limit. It answers
 * through its {@link Endpoint} ({@link Endpoint#respond}, {@link Endpoint#fail}), now or later; anything it throws
 * is answered by the endpoint. The arguments are passed, not captured, so dispatching allocates nothing.
 */
@FunctionalInterface
public interface BodyHandler {
    /**
     * Handles one request.
     *
     * @param request    the request
     * @param body       the decoded body; empty, never null, for none
     * @param endpoint   this route's wrapper: answers, errors and timing
     * @param startNanos {@link System#nanoTime()} when the body was complete, for the endpoint's timer
     */
    void handle(HttpServerRequest request, Buffer body, Endpoint endpoint, long startNanos) throws Exception;
}
