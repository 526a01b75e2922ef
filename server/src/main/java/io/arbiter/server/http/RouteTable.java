package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One event loop's routes, declared by the modules ({@link Module#declareRoutes}) and served by that loop's HTTP
 * server: per-impression {@code POST}s go to {@link HotRoutes} (no router, no per-request allocation), everything
 * else to the vertx-web router. Each route carries what the table applies to it, so no handler does it itself:
 * <ul>
 *   <li>the one {@link Endpoint} wrapper of its endpoint name (answer once, time by status, errors mapped);</li>
 *   <li>its {@link Access}: an {@link Access#ADMIN} route is answered 403/401 by the table unless the request has
 *       the admin bearer token ({@link AdminAuth}), before its handler runs;</li>
 *   <li>its {@link Exposure}: whether a browser page on another origin may call it; for a
 *       {@link Exposure#CROSS_ORIGIN} route the table answers preflights and adds the cross-origin headers to actual
 *       requests ({@link Cors}), for a {@link Exposure#SAME_ORIGIN} one it never does.</li>
 * </ul>
 */
public final class RouteTable {

    /** Who may call a route. */
    public enum Access {
        /** Anyone (decisions, rewards, bids, notices, health). */
        PUBLIC,
        /** Only a request with the admin bearer token. */
        ADMIN
    }

    /** Whether a browser page on another origin may call a route. */
    public enum Exposure {
        /** Servers and same-origin pages only. */
        SAME_ORIGIN,
        /** Also pages on other origins (a web page asking for its variant directly). */
        CROSS_ORIGIN
    }

    /**
     * A declared route.
     *
     * @param method   the HTTP method
     * @param path     the path ({@code :name} segments are parameters)
     * @param endpoint the endpoint name (metrics tag)
     * @param access   who may call it
     * @param exposure whether other origins may call it
     * @param hot      whether {@link HotRoutes} dispatches it without the router
     */
    public record Route(HttpMethod method, String path, String endpoint, Access access, Exposure exposure,
                        boolean hot) {
    }

    private final Vertx vertx;
    private final Router router;
    private final HotRoutes hot;
    private final ErrorMapper errors;
    private final Metrics metrics;
    private final AdminAuth adminAuth;
    private final Cors cors;
    private final SplittableRandom seeds;
    private final Set<String> preflightPaths = new HashSet<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final List<Route> routes = new ArrayList<>();

    /**
     * @param seed this event loop's seed, from which {@link #newSeed()} draws the seeds of per-loop state
     */
    public RouteTable(Vertx vertx, Router router, HotRoutes hot, ErrorMapper errors, Metrics metrics,
                      AdminAuth adminAuth, Cors cors, long seed) {
        this.vertx = Objects.requireNonNull(vertx);
        this.router = Objects.requireNonNull(router);
        this.hot = Objects.requireNonNull(hot);
        this.errors = Objects.requireNonNull(errors);
        this.metrics = Objects.requireNonNull(metrics);
        this.adminAuth = Objects.requireNonNull(adminAuth);
        this.cors = Objects.requireNonNull(cors);
        this.seeds = new SplittableRandom(seed);
    }

    /** The Vert.x instance of this loop (for work that must leave the event loop). */
    public Vertx vertx() {
        return vertx;
    }

    /** A seed for one piece of this loop's own state; each call gives another. */
    public long newSeed() {
        return seeds.nextLong();
    }

    /** Declares a per-impression {@code POST} route, public, dispatched by {@link HotRoutes} without the router. */
    public RouteTable hotPost(String path, String endpoint, Exposure exposure, BodyHandler handler) {
        Objects.requireNonNull(handler);
        final Endpoint wrapper = endpoint(endpoint);
        final boolean crossOrigin = Objects.requireNonNull(exposure) == Exposure.CROSS_ORIGIN;
        hot.post(path, new HotRoute(handler, wrapper, crossOrigin ? cors : null, errors));
        routes.add(new Route(HttpMethod.POST, path, endpoint, Access.PUBLIC, exposure, true));
        options(path, crossOrigin);
        return this;
    }

    /** Declares a route served through the router. */
    public RouteTable route(HttpMethod method, String path, String endpoint, Access access, Exposure exposure,
                            RouteHandler handler) {
        Objects.requireNonNull(handler);
        final Endpoint wrapper = endpoint(endpoint);
        final boolean admin = Objects.requireNonNull(access) == Access.ADMIN;
        final boolean crossOrigin = Objects.requireNonNull(exposure) == Exposure.CROSS_ORIGIN;
        if (crossOrigin && admin) {
            throw new IllegalArgumentException(path + ": an admin route is never open to other origins");
        }
        router.route(method, path).handler(ctx -> {
            if (!crossOrigin || cors.applyToRequest(ctx.request(), errors)) {
                handle(ctx, admin, handler, wrapper);
            }
        });
        routes.add(new Route(method, path, endpoint, access, exposure, false));
        options(path, crossOrigin);
        return this;
    }

    /**
     * {@code OPTIONS} on a route's path, once per path: a cross-origin route's preflights are answered
     * ({@link Cors#preflight}); a same-origin route's are refused with a 403 that says why, and a plain
     * {@code OPTIONS} there gets the 405 with {@code Allow} it always had.
     */
    private void options(String path, boolean crossOrigin) {
        if (!preflightPaths.add(path)) {
            return;
        }
        if (crossOrigin) {
            router.options(path).handler(ctx -> cors.preflight(ctx, errors));
            return;
        }
        router.options(path).handler(ctx -> {
            if (Cors.isPreflight(ctx.request())) {
                Cors.refusePreflight(ctx, errors);
                return;
            }
            final String allowed = AllowedMethods.of(router, ctx.normalizedPath());
            if (!allowed.isEmpty()) {
                ctx.response().putHeader("Allow", allowed);
            }
            errors.respond(ctx, new ApiException(405, "method OPTIONS is not allowed on " + ctx.request().path()
                + (allowed.isEmpty() ? "" : ": use " + allowed)));
        });
    }

    /** Every route declared so far, in order. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    private Endpoint endpoint(String name) {
        return endpoints.computeIfAbsent(Objects.requireNonNull(name),
            n -> new Endpoint(errors, metrics.endpoint(n)));
    }

    private void handle(RoutingContext ctx, boolean admin, RouteHandler handler, Endpoint endpoint) {
        final long start = System.nanoTime();
        final HttpServerRequest request = ctx.request();
        Future<Answer> answer;
        try {
            if (admin) {
                adminAuth.check(ctx);
            }
            answer = handler.handle(ctx);
        } catch (Throwable e) {
            answer = Future.failedFuture(e);
        }
        endpoint.complete(request, answer, start);
    }

    /** A hot route: the body handler behind its endpoint wrapper (one per route and loop). */
    private static final class HotRoute implements BodyEndpoint {
        private final BodyHandler handler;
        private final Endpoint endpoint;
        private final Cors cors;
        private final ErrorMapper errors;

        /** @param cors the cross-origin rules, or null for a same-origin route */
        HotRoute(BodyHandler handler, Endpoint endpoint, Cors cors, ErrorMapper errors) {
            this.handler = handler;
            this.endpoint = endpoint;
            this.cors = cors;
            this.errors = errors;
        }

        @Override
        public void handle(HttpServerRequest request, Buffer body) {
            final long start = System.nanoTime();
            if (cors != null && !cors.applyToRequest(request, errors)) {
                return;
            }
            try {
                handler.handle(request, body, endpoint, start);
            } catch (Throwable failure) {
                endpoint.fail(request, failure, start);
            }
        }
    }
}
