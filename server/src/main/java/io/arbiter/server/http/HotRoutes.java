package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP server's request handler: {@code POST}s to the few per-impression endpoints go straight to their
 * {@link BodyEndpoint}, everything else to the web router ({@code fallback}).
 *
 * <p>Why: the router and its body handling allocate a routing context, match routes and copy the body per request
 * (measured in docs/BENCHMARKS.md); this does the one thing those endpoints need from them, read the body
 * ({@link RequestBodies}: size limit, content coding, a one-chunk body kept without a copy). Exact paths only; a
 * query string is ignored, as by the router.
 */
public final class HotRoutes implements Handler<HttpServerRequest> {
    private final Map<String, BodyEndpoint> posts = new HashMap<>();
    private final RequestBodies bodies;
    private Handler<HttpServerRequest> fallback;

    public HotRoutes(RequestBodies bodies) {
        this.bodies = Objects.requireNonNull(bodies);
    }

    /** Routes {@code POST path} to {@code endpoint}. */
    public HotRoutes post(String path, BodyEndpoint endpoint) {
        if (posts.putIfAbsent(path, Objects.requireNonNull(endpoint)) != null) {
            throw new IllegalStateException("POST " + path + " is routed twice");
        }
        return this;
    }

    /** Where every other request goes. */
    public HotRoutes fallback(Handler<HttpServerRequest> fallback) {
        this.fallback = Objects.requireNonNull(fallback);
        return this;
    }

    /**
     * Where every other request goes: the web router, which also gets every hot route (added now, so call this after
     * the last {@link #post}). The exact paths never reach it; what does is what the router matches more loosely
     * than an exact lookup (a trailing slash) and what it answers better (another method on a hot path: 405). A
     * target with a malformed percent-encoding never reaches it either: the router would fail decoding it, so it is
     * answered 400 here ({@link RequestTargets}).
     */
    public HotRoutes fallback(Router router, ErrorMapper errors) {
        Objects.requireNonNull(errors);
        posts.forEach((path, endpoint) -> router.post(path).handler(ctx -> {
            final Buffer body = ctx.body().buffer();
            endpoint.handle(ctx.request(), body == null ? Buffer.buffer(0) : body);
        }));
        return fallback(request -> {
            if (RequestTargets.wellFormed(request.uri())) {
                router.handle(request);
            } else {
                errors.respond(request, ApiException.badField("target", "malformed percent-encoding in the request "
                    + "target: every % must start two hex digits"));
            }
        });
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (request.method() == HttpMethod.POST) {
            final BodyEndpoint endpoint = posts.get(request.path());
            if (endpoint != null) {
                bodies.read(request, endpoint);
                return;
            }
        }
        fallback.handle(request);
    }
}
