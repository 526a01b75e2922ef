package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One HTTP server verticle; deployed once per event loop ({@link #deploy}), all sharing the port. Each instance
 * builds its own {@link RouteTable} from the modules, so every handler and its per-loop state (workspace, bidder)
 * belongs to one loop; the per-impression endpoints are dispatched by {@link HotRoutes} without the web router,
 * everything else goes through the router. It knows no module by name.
 */
public final class HttpVerticle extends VerticleBase {
    private final ServerConfig config;
    private final Metrics metrics;
    private final AdminAuth adminAuth;
    private final Cors cors;
    private final List<Module> modules;
    private final long seed;
    private HttpServer server;
    private List<RouteTable.Route> routes = List.of();

    HttpVerticle(ServerConfig config, Metrics metrics, AdminAuth adminAuth, Cors cors, List<Module> modules,
                 long seed) {
        this.config = Objects.requireNonNull(config);
        this.metrics = Objects.requireNonNull(metrics);
        this.adminAuth = Objects.requireNonNull(adminAuth);
        this.cors = Objects.requireNonNull(cors);
        this.modules = List.copyOf(modules);
        this.seed = seed;
    }

    /** The deployed verticles and the port they listen on. */
    public record Deployment(List<String> ids, int port, List<RouteTable.Route> routes) {
    }

    /**
     * Deploys one verticle per event loop ({@code loops}), serving {@code modules}; completes once every one listens.
     * The admin bearer token and the cross-origin rules are read once, here, for all of them.
     *
     * @param seed the seed from which each loop's seed is drawn
     */
    public static Future<Deployment> deploy(Vertx vertx, ServerConfig config, Metrics metrics, List<Module> modules,
                                            int loops, long seed) {
        final AdminAuth adminAuth = new AdminAuth(config.adminToken);
        final Cors cors = new Cors(config.corsAllowedOrigins, config.corsMaxAgeSeconds);
        final SplittableRandom seeds = new SplittableRandom(seed);
        final List<String> ids = new ArrayList<>();
        final HttpVerticle[] verticles = new HttpVerticle[loops];
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < loops; i++) {
            final HttpVerticle verticle = new HttpVerticle(config, metrics, adminAuth, cors, modules,
                seeds.nextLong());
            verticles[i] = verticle;
            chain = chain.compose(v -> vertx.deployVerticle(verticle).map(id -> {
                ids.add(id);
                return null;
            }));
        }
        return chain.map(v -> new Deployment(List.copyOf(ids), verticles[0].server.actualPort(),
            verticles[0].routes));
    }

    @Override
    public Future<?> start() {
        final ErrorMapper errors = new ErrorMapper(metrics);
        final Router router = Router.router(vertx);
        final RequestBodies bodies = new RequestBodies(errors, config.maxBodyBytes);
        router.route().handler(bodies.routerHandler());
        final HotRoutes hot = new HotRoutes(bodies);
        final RouteTable table = new RouteTable(vertx, router, hot, errors, metrics, adminAuth, cors, seed);
        for (final Module module : modules) {
            module.declareRoutes(table);
        }
        routes = table.routes();
        router.errorHandler(404, ctx -> notFound(ctx, errors));
        router.errorHandler(405, ctx -> notAllowed(ctx, errors, AllowedMethods.of(router, ctx.normalizedPath())));
        router.route().failureHandler(ctx -> errors.respond(ctx, ctx.failure()));

        server = vertx.createHttpServer(serverOptions(config)).requestHandler(hot.fallback(router, errors));
        return server.listen();
    }

    private static void notFound(RoutingContext ctx, ErrorMapper errors) {
        errors.respond(ctx, new ApiException(404, "no such endpoint: " + ctx.request().method() + " "
            + ctx.request().path()));
    }

    private static void notAllowed(RoutingContext ctx, ErrorMapper errors, String allowed) {
        if (!allowed.isEmpty()) {
            ctx.response().putHeader("Allow", allowed);
        }
        errors.respond(ctx, new ApiException(405, "method " + ctx.request().method() + " is not allowed on "
            + ctx.request().path() + (allowed.isEmpty() ? "" : ": use " + allowed)));
    }

    static HttpServerOptions serverOptions(ServerConfig config) {
        final HttpServerOptions options = new HttpServerOptions()
            .setHost(config.httpHost)
            .setPort(config.httpPort)
            .setCompressionSupported(true) // request bodies are decompressed by RequestBodies, not here
            .setHttp2ClearTextEnabled(true)
            .setTcpNoDelay(true);
        if (config.tlsEnabled()) {
            options.setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setSslEngineOptions(new OpenSSLEngineOptions())
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCertPath)
                    .setKeyPath(config.tlsKeyPath));
        }
        return options;
    }
}
