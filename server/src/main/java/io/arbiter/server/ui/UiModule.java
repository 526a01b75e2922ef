package io.arbiter.server.ui;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard and the browser client, served from the jar on the server's own port:
 * <ul>
 *   <li>{@code /ui/} and {@code /ui/{page}}: the pages (experiments, one experiment, campaigns, the demo), their
 *       script and style sheet, and the chart library (uPlot, from its WebJar: nothing is fetched at run time);</li>
 *   <li>{@code /sdk/arbiter.js}: the dependency-free browser client.</li>
 * </ul>
 * The files are public (the data they show comes from the admin API, with the bearer token the page keeps in
 * {@code sessionStorage}); each is read once at start and served with an ETag ({@code If-None-Match} gets a 304) and
 * {@code Cache-Control: no-cache}, so a new jar is picked up at once. Pages carry a Content-Security-Policy that allows
 * only the server's own scripts, styles and API ({@code 'self'}, no inline script). Any other name is a 404.
 */
public final class UiModule implements Module {
    /** uPlot's version, the WebJar's folder; kept equal to the pom's. */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final String BASE = "io/arbiter/server/ui/";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";

    private final Map<String, StaticAsset> pages = new LinkedHashMap<>();
    private final StaticAsset sdk;

    public UiModule() {
        for (final String page : new String[] {"index.html", "experiment.html", "campaigns.html", "demo.html"}) {
            pages.put(page, StaticAsset.load(BASE + page, HTML));
        }
        pages.put("app.js", StaticAsset.load(BASE + "app.js", JS));
        pages.put("charts.js", StaticAsset.load(BASE + "charts.js", JS));
        pages.put("demo.js", StaticAsset.load(BASE + "demo.js", JS));
        pages.put("app.css", StaticAsset.load(BASE + "app.css", CSS));
        pages.put("uPlot.iife.min.js", StaticAsset.load(UPLOT + "uPlot.iife.min.js", JS));
        pages.put("uPlot.min.css", StaticAsset.load(UPLOT + "uPlot.min.css", CSS));
        sdk = StaticAsset.load(BASE + "arbiter.js", JS);
    }

    /** The names served under {@code /ui/}. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(pages.keySet());
    }

    @Override
    public void declareRoutes(RouteTable routes) {
        for (final HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
            routes.route(method, "/ui/", "ui", Access.PUBLIC, Exposure.SAME_ORIGIN,
                ctx -> serve(ctx, pages.get("index.html")));
            // declared after /ui/, which the router would otherwise send here: relative links need the slash
            routes.route(method, "/ui", "ui", Access.PUBLIC, Exposure.SAME_ORIGIN, ctx -> {
                ctx.response().putHeader("Location", "/ui/");
                return Future.succeededFuture(new Answer(308, "text/plain; charset=utf-8", ""));
            });
            routes.route(method, "/ui/:name", "ui", Access.PUBLIC, Exposure.SAME_ORIGIN, ctx -> {
                final StaticAsset asset = pages.get(ctx.pathParam("name"));
                if (asset == null) {
                    throw new ApiException(404, "no such page: " + ctx.request().path()
                        + " (the dashboard starts at /ui/)");
                }
                return serve(ctx, asset);
            });
            routes.route(method, "/sdk/arbiter.js", "sdk", Access.PUBLIC, Exposure.SAME_ORIGIN,
                ctx -> serve(ctx, sdk));
        }
    }

    private static Future<Answer> serve(RoutingContext ctx, StaticAsset asset) {
        final HttpServerResponse response = ctx.response();
        response.putHeader("ETag", asset.etag())
            .putHeader("Cache-Control", "no-cache")
            .putHeader("X-Content-Type-Options", "nosniff");
        if (asset.html()) {
            response.putHeader("Content-Security-Policy", CSP)
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Frame-Options", "DENY");
        }
        if (asset.matches(ctx.request().getHeader("If-None-Match"))) {
            return Future.succeededFuture(new Answer(304, asset.contentType(), ""));
        }
        return Future.succeededFuture(new Answer(200, asset.contentType(), asset.body()));
    }
}
