package io.arbiter.server.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP server's request handler: {@code POST}s to the few per-impression endpoints go straight to their
 * {@link BodyEndpoint}, everything else to the web router ({@code fallback}).
 *
 * <p>Why: the router and its body handler cost several microseconds and about a kilobyte of garbage per request (a
 * routing context, route matching, a body copy), which at tens of thousands of requests per second is a sizeable
 * share of the event loop and of the GC's work. This does the one thing those endpoints need from them: read the
 * body, at most {@code maxBodyBytes} after decompression (413 otherwise, as the body handler did), keeping a
 * single-chunk body as it came without copying it. Exact paths only; a query string is ignored, as by the router.
 */
public final class HotRoutes implements Handler<HttpServerRequest> {
    private static final Buffer EMPTY = Buffer.buffer(0);

    private final Map<String, BodyEndpoint> posts = new HashMap<>();
    private final ErrorMapper errors;
    private final int maxBodyBytes;
    private Handler<HttpServerRequest> fallback;

    public HotRoutes(ErrorMapper errors, int maxBodyBytes) {
        this.errors = Objects.requireNonNull(errors);
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive");
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Routes {@code POST path} to {@code endpoint}. */
    public HotRoutes post(String path, BodyEndpoint endpoint) {
        if (posts.putIfAbsent(path, Objects.requireNonNull(endpoint)) != null) {
            throw new IllegalStateException("POST " + path + " is routed twice");
        }
        return this;
    }

    /** Where every other request goes (the web router). */
    public HotRoutes fallback(Handler<HttpServerRequest> fallback) {
        this.fallback = Objects.requireNonNull(fallback);
        return this;
    }

    /** Whether {@code POST path} is one of these routes (others go to the fallback). */
    public boolean routes(String path) {
        return posts.containsKey(path);
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (request.method() == HttpMethod.POST) {
            final BodyEndpoint endpoint = posts.get(request.path());
            if (endpoint != null) {
                read(request, endpoint);
                return;
            }
        }
        fallback.handle(request);
    }

    private void read(HttpServerRequest request, BodyEndpoint endpoint) {
        final String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && request.getHeader(HttpHeaders.CONTENT_ENCODING) == null && tooLong(length)) {
            tooLarge(request);
            return;
        }
        new BodyReader(request, endpoint).start();
    }

    private boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // Netty's decoder has already refused a malformed length
        }
    }

    private void tooLarge(HttpServerRequest request) {
        errors.respond(request, new ApiException(413, "request body too large: at most " + maxBodyBytes
            + " bytes"));
    }

    /** One request's body: the first chunk as it came, a copy only when a second arrives. */
    private final class BodyReader implements Handler<Buffer> {
        private final HttpServerRequest request;
        private final BodyEndpoint endpoint;
        private Buffer first;
        private Buffer joined;
        private long size;
        private boolean refused;

        BodyReader(HttpServerRequest request, BodyEndpoint endpoint) {
            this.request = request;
            this.endpoint = endpoint;
        }

        void start() {
            request.handler(this);
            request.endHandler(ignored -> end());
        }

        @Override
        public void handle(Buffer chunk) {
            if (refused) {
                return; // the rest of a refused body is read and dropped, so the connection stays usable
            }
            size += chunk.length();
            if (size > maxBodyBytes) {
                refused = true;
                first = null;
                joined = null;
                tooLarge(request);
                return;
            }
            if (first == null) {
                first = chunk;
            } else {
                if (joined == null) {
                    joined = Buffer.buffer((int) Math.min(maxBodyBytes, 2L * size)).appendBuffer(first);
                }
                joined.appendBuffer(chunk);
            }
        }

        private void end() {
            if (!refused) {
                endpoint.handle(request, joined != null ? joined : first != null ? first : EMPTY);
            }
        }
    }
}
