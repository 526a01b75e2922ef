package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.ErrorMapper;
import io.arbiter.server.http.HotRoutes;
import io.arbiter.server.http.RequestBodies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * A bid-only server for loopback load tests until the persistence branch is merged: the bid module on one Vert.x
 * event loop (same server options as the application: compression, decompression), the demo campaigns with their
 * budgets raised so the run measures bidding rather than budget exhaustion, plus the 20-creative benchmark
 * campaign, an in-memory outcome log and the system clock. Usage: {@code BidServerMain [port]}.
 */
public final class BidServerMain {
    public static void main(String[] args) {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        final io.arbiter.server.config.ServerConfig config = BidFixture.demoConfig();
        final JsonArray campaigns = new JsonArray();
        for (final Object raw : config.campaigns) {
            final JsonObject c = ((JsonObject) raw).copy();
            c.put("budget", new JsonObject().put("daily", 1_000_000_000));
            c.remove("frequencyCap");
            campaigns.add(c);
        }
        campaigns.add(BidPathBenchmark.twentyCreatives());
        final BidFixture fixture = new BidFixture(BiddingConfig.read(config.bidding), campaigns);
        fixture.clock.set(System.currentTimeMillis());
        final Vertx vertx = Vertx.vertx();
        vertx.setPeriodic(1, id -> fixture.clock.set(System.currentTimeMillis()));
        final Router router = Router.router(vertx);
        final ErrorMapper errors = new ErrorMapper(fixture.metrics);
        final RequestBodies bodies = new RequestBodies(errors, 65536);
        router.route().handler(bodies.routerHandler());
        final HotRoutes hot = new HotRoutes(bodies);
        fixture.module.mount(vertx, router, hot, 42);
        router.get("/metrics").handler(ctx -> ctx.response().end(fixture.metrics.scrape()));
        router.route().last().handler(ctx -> errors.respond(ctx, new ApiException(404, "no such endpoint")));
        router.route().failureHandler(ctx -> errors.respond(ctx, ctx.failure()));
        BidFixture.await(vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1")
            .setCompressionSupported(true).setTcpNoDelay(true))
            .requestHandler(hot.fallback(router)).listen());
        System.out.println("bid server listening on 127.0.0.1:" + port);
    }
}
