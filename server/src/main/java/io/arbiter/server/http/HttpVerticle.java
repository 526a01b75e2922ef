package io.arbiter.server.http;

import io.arbiter.bandits.policy.Workspace;
import io.arbiter.server.ServerServices;
import io.arbiter.server.admin.ExperimentAdminHandler;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.decide.DecideHandler;
import io.arbiter.server.ops.OpsHandlers;
import io.arbiter.server.reward.RewardBatchHandler;
import io.arbiter.server.reward.RewardHandler;
import io.arbiter.server.reward.RewardService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;

import java.util.List;
import java.util.Objects;

/**
 * One HTTP server verticle; deployed once per event loop, all sharing the port. Each instance has its own routes,
 * handlers and {@link Workspace}: the per-request endpoints (decide, reward, bid) are dispatched by {@link HotRoutes}
 * without the web router, everything else goes through the router. Nothing on the request path is shared between
 * loops except the lock-free table, the immutable registry snapshot and the outcome pipeline.
 */
public final class HttpVerticle extends VerticleBase {
    private final ServerServices services;
    private final long seed;
    private HttpServer server;

    public HttpVerticle(ServerServices services, long seed) {
        this.services = Objects.requireNonNull(services);
        this.seed = seed;
    }

    @Override
    public Future<?> start() {
        final ServerConfig config = services.config();
        final ErrorMapper errors = new ErrorMapper(services.metrics());
        final Router router = Router.router(vertx);
        final RequestBodies bodies = new RequestBodies(errors, config.maxBodyBytes);
        router.route().handler(bodies.routerHandler());

        final HotRoutes hot = new HotRoutes(bodies);
        final Workspace workspace = new Workspace(seed, config.maxVariants);
        hot.post("/v1/decide", new DecideHandler(services.registry(), services.tokens(),
            services.outcomes(), workspace, services.clock(), services.metrics(), errors));
        final RewardService rewards = new RewardService(services.registry(), services.tokens(), services.outcomes(),
            services.duplicates(), services.clock(), config.attributionWindowMillis, services.metrics());
        hot.post("/v1/reward", new RewardHandler(rewards, services.metrics(), errors));
        hot.post("/v1/reward/batch", new RewardBatchHandler(rewards, config.maxRewardBatch,
            services.metrics(), errors));
        new ExperimentAdminHandler(vertx, services.registry(), services.experimentStore(), services.traffic(),
            services.adminAuth(), errors, services.clock(), config.maxVariants, services.metrics()).mount(router);
        new OpsHandlers(services.metrics(), services.outcomes(), services.started()).mount(router);
        if (services.extension() != null) {
            services.extension().mount(vertx, router, hot, seed ^ 0x5DEECE66DL);
        }
        router.errorHandler(404, ctx -> errors.respond(ctx, new ApiException(404,
            "no such endpoint: " + ctx.request().method() + " " + ctx.request().path())));
        router.errorHandler(405, ctx -> {
            final String allowed = AllowedMethods.of(router, ctx.normalizedPath());
            if (!allowed.isEmpty()) {
                ctx.response().putHeader("Allow", allowed);
            }
            errors.respond(ctx, new ApiException(405, "method " + ctx.request().method() + " is not allowed on "
                + ctx.request().path() + (allowed.isEmpty() ? "" : ": use " + allowed)));
        });
        router.route().failureHandler(ctx -> errors.respond(ctx, ctx.failure()));

        server = vertx.createHttpServer(serverOptions(config)).requestHandler(hot.fallback(router));
        return server.listen();
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

    /** The port actually bound (useful when configured as 0). */
    public int actualPort() {
        return server.actualPort();
    }
}
