package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cross-origin resource sharing (the Fetch standard's CORS protocol) for the routes the {@link RouteTable} declares
 * {@link RouteTable.Exposure#CROSS_ORIGIN}: decide and reward, which a web page on another origin may call directly.
 * Applied by the table, never by a handler; never on a {@link RouteTable.Exposure#SAME_ORIGIN} route (the admin API,
 * the bid path), whose preflights are refused with a 403 that says so, so a browser never lets another origin's
 * script read them (and never sends an admin request at all: the bearer header needs a preflight).
 *
 * <ul>
 *   <li><b>Preflight</b> ({@code OPTIONS} with {@code Access-Control-Request-Method}): 204 with the allowed origin,
 *       {@code POST}, the request headers a client may send and {@code Access-Control-Max-Age}; 403 naming the
 *       problem for an origin not allowed or another method.</li>
 *   <li><b>Actual request</b> with an {@code Origin}: the allowed origin header is added before the handler runs (so
 *       errors are readable by the page too); an origin not in the allow-list is answered 403 and the handler never
 *       runs, so nothing is counted for a refused origin.</li>
 * </ul>
 * With the allow-list {@code *} (the default) any origin is allowed and the answer is the constant {@code *}; with a
 * list the request's origin is echoed with {@code Vary: Origin}. No credentials (cookies) are ever allowed: the
 * endpoints need none. The header values are built once; applying them allocates nothing.
 */
public final class Cors {
    static final CharSequence ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
    static final CharSequence VARY = HttpHeaders.createOptimized("Vary");
    private static final CharSequence ORIGIN = HttpHeaders.createOptimized("Origin");
    private static final CharSequence ANY = HttpHeaders.createOptimized("*");
    private static final CharSequence ORIGIN_VALUE = HttpHeaders.createOptimized("Origin");
    private static final String REQUEST_METHOD = "Access-Control-Request-Method";
    private static final CharSequence ALLOW_METHODS = HttpHeaders.createOptimized("Access-Control-Allow-Methods");
    private static final CharSequence ALLOW_HEADERS = HttpHeaders.createOptimized("Access-Control-Allow-Headers");
    private static final CharSequence MAX_AGE = HttpHeaders.createOptimized("Access-Control-Max-Age");
    private static final CharSequence METHODS = HttpHeaders.createOptimized("POST, OPTIONS");
    private static final CharSequence HEADERS = HttpHeaders.createOptimized("Content-Type, Content-Encoding");

    private final boolean anyOrigin;
    private final Set<String> origins;
    private final CharSequence maxAge;

    /**
     * @param allowedOrigins {@code *} for any origin, or the origins allowed, in lower case
     *                       ({@code https://shop.example}), as the configuration reads them
     * @param maxAgeSeconds  how long a browser may cache a preflight's answer
     */
    public Cors(List<String> allowedOrigins, long maxAgeSeconds) {
        if (allowedOrigins.isEmpty()) {
            throw new IllegalArgumentException("no allowed origin: use * for any");
        }
        this.anyOrigin = allowedOrigins.contains("*");
        this.origins = Collections.unmodifiableSet(new LinkedHashSet<>(allowedOrigins));
        if (maxAgeSeconds < 0) {
            throw new IllegalArgumentException("maxAgeSeconds must be >= 0, was " + maxAgeSeconds);
        }
        this.maxAge = HttpHeaders.createOptimized(Long.toString(maxAgeSeconds));
    }

    /** Whether any origin is allowed. */
    public boolean anyOrigin() {
        return anyOrigin;
    }

    /**
     * For an actual request to a cross-origin route: adds the allowed-origin header when the request has an allowed
     * {@code Origin}; returns false, having answered 403, when it has one that is not allowed (the handler must not
     * run). A request without {@code Origin} (a server, a same-origin GET) is left alone.
     */
    public boolean applyToRequest(HttpServerRequest request, ErrorMapper errors) {
        final String origin = request.getHeader(ORIGIN);
        if (origin == null) {
            return true;
        }
        final HttpServerResponse response = request.response();
        if (anyOrigin) {
            response.putHeader(ALLOW_ORIGIN, ANY);
            return true;
        }
        response.putHeader(VARY, ORIGIN_VALUE);
        if (allowed(origin)) {
            response.putHeader(ALLOW_ORIGIN, origin);
            return true;
        }
        errors.respond(request, refusedOrigin(origin));
        return false;
    }

    /** Answers a preflight to a cross-origin route (any {@code OPTIONS} there). */
    public void preflight(RoutingContext ctx, ErrorMapper errors) {
        final HttpServerRequest request = ctx.request();
        final String origin = request.getHeader(ORIGIN);
        final HttpServerResponse response = request.response();
        if (!anyOrigin) {
            response.putHeader(VARY, ORIGIN_VALUE);
        }
        if (origin != null && !anyOrigin && !allowed(origin)) {
            errors.respond(request, refusedOrigin(origin));
            return;
        }
        final String method = request.getHeader(REQUEST_METHOD);
        if (method != null && !method.trim().equals("POST")) {
            errors.respond(request, new ApiException(403, "method " + method.trim() + " is not allowed cross-origin on "
                + request.path() + ": use POST", REQUEST_METHOD));
            return;
        }
        if (origin != null) {
            response.putHeader(ALLOW_ORIGIN, anyOrigin ? ANY : origin);
        }
        response.putHeader(ALLOW_METHODS, METHODS)
            .putHeader(ALLOW_HEADERS, HEADERS)
            .putHeader(MAX_AGE, maxAge)
            .putHeader(HttpHeaders.ALLOW, METHODS)
            .setStatusCode(204)
            .end();
    }

    /** Whether {@code request} is a CORS preflight (an {@code OPTIONS} with {@code Access-Control-Request-Method}). */
    public static boolean isPreflight(HttpServerRequest request) {
        return request.getHeader(REQUEST_METHOD) != null;
    }

    /** Answers a preflight to a same-origin route: 403 saying the endpoint is not open to other origins. */
    public static void refusePreflight(RoutingContext ctx, ErrorMapper errors) {
        errors.respond(ctx.request(), new ApiException(403, ctx.request().path() + " is not available to pages on "
            + "other origins: only POST /v1/decide, /v1/reward and /v1/reward/batch are (CORS)", "Origin"));
    }

    private boolean allowed(String origin) {
        return origins.contains(origin) || origins.contains(origin.toLowerCase(Locale.ROOT));
    }

    private static ApiException refusedOrigin(String origin) {
        return new ApiException(403, "origin '" + origin + "' is not allowed: add it to http.cors.allowedOrigins "
            + "(CORS_ALLOWED_ORIGINS)", "Origin");
    }
}
