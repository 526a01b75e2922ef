package io.arbiter.server.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * An endpoint that needs the whole request body and nothing of the web router: the hot paths ({@code /v1/decide},
 * {@code /v1/reward}, {@code /openrtb2/bid}) are dispatched to one straight from the HTTP server by
 * {@link HotRoutes}, with the body already read, decoded and within the size limit ({@link RequestBodies}).
 */
@FunctionalInterface
public interface BodyEndpoint {
    /** Handles one request; must end its response, now or later. {@code body} is empty, never null, for none. */
    void handle(HttpServerRequest request, Buffer body);
}
