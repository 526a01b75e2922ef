package io.arbiter.server.bench;

import io.arbiter.server.bid.BidModule;
import io.arbiter.server.bid.BiddingConfig;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.ops.OpsModule;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A bid-only server for loopback load tests (no Postgres): the bid module on one event loop, served by the
 * application's HTTP verticle, with the demo campaigns of {@code config/server.json} (budgets raised and frequency caps
 * removed, so a run measures bidding rather than budget exhaustion) plus the 20-creative campaign, an outcome log that
 * keeps nothing and the system clock. Run from the project folder: {@code BidServerMain [port]}.
 */
public final class BidServerMain {
    private BidServerMain() {
    }

    public static void main(String[] args) throws Exception {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        final ServerConfig config = ServerConfig.load(Path.of("config", "server.json"), Map.of());
        final JsonArray campaigns = new JsonArray();
        for (final Object raw : config.campaigns) {
            final JsonObject c = ((JsonObject) raw).copy();
            c.put("budget", new JsonObject().put("daily", 1_000_000_000));
            c.remove("frequencyCap");
            campaigns.add(c);
        }
        campaigns.add(BidBench.twentyCreatives());
        final Metrics metrics = new Metrics();
        final BidModule module = BidBench.module(BiddingConfig.read(config.bidding), campaigns, Clock.systemUTC(),
            metrics);
        final ServerConfig server = ServerConfig.of(new JsonObject().put("http", new JsonObject()
            .put("host", "127.0.0.1").put("port", port).put("eventLoops", 1)), Map.of());
        BidBench.await(HttpVerticle.deploy(Vertx.vertx(), server, metrics, List.of(module,
            new OpsModule(metrics, new BidBench.DiscardingLog(), () -> true)), 1, 42));
        System.out.println("bid server listening on 127.0.0.1:" + port);
    }
}
