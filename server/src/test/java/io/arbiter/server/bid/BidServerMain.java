package io.arbiter.server.bid;

import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.ops.OpsModule;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * A bid-only server for loopback load tests (no Postgres): the bid module on one Vert.x event loop, served by the
 * application's HTTP verticle, the demo campaigns with their
 * budgets raised so the run measures bidding rather than budget exhaustion, plus the 20-creative benchmark
 * campaign, an in-memory outcome log and the system clock. Usage: {@code BidServerMain [port]}.
 */
public final class BidServerMain {
    public static void main(String[] args) {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        final ServerConfig config = BidFixture.demoConfig();
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
        final ServerConfig server = ServerConfig.of(new JsonObject().put("http", new JsonObject()
            .put("host", "127.0.0.1").put("port", port).put("eventLoops", 1)), Map.of());
        BidFixture.await(HttpVerticle.deploy(vertx, server, fixture.metrics, List.of(fixture.module,
            new OpsModule(fixture.metrics, fixture.outcomes, () -> true)), 1, 42));
        System.out.println("bid server listening on 127.0.0.1:" + port);
    }
}
