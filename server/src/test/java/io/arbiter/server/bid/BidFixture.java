package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.campaign.CampaignStore;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A bid module without Postgres or the full application: direct-memory table and ledger, in-memory campaign store
 * and outcome log, a hand-moved clock (noon UTC, 2026-11-23, so pacing's schedule has half a day of budget open).
 */
final class BidFixture {
    static final long NOON = 1_795_392_000_000L + 12 * 3_600_000L; // 2026-11-23T12:00Z
    static final String ADMIN_TOKEN = "admin-token-for-tests";

    final MutableClock clock = new MutableClock(NOON);
    final InMemoryOutcomeLog outcomes = new InMemoryOutcomeLog();
    final PosteriorTable table = PosteriorTable.allocateDirect(4096, 0);
    final BudgetLedger ledger = BudgetLedger.allocateDirect(64);
    final CampaignStore store = CampaignStore.inMemory();
    final Metrics metrics = new Metrics();
    final SignedTokens signer = new SignedTokens("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    final BidModule module;

    /**
     * A fixture with these settings; a small frequency table (2^12 cells) and notice claims table (2^16 slots, 1 MiB
     * rather than 64) unless they say otherwise.
     */
    BidFixture(JsonObject bidding, JsonArray campaigns) {
        this(BiddingConfig.from(small(small(bidding, "frequencyCellsLog2", 12), "noticeClaimsLog2", 16)), campaigns);
    }

    private static JsonObject small(JsonObject bidding, String key, int log2) {
        return bidding.containsKey(key) ? bidding : bidding.copy().put(key, log2);
    }

    BidFixture(BiddingConfig bidding, JsonArray campaigns) {
        module = new BidModule(bidding, table, ledger, store, outcomes, signer, metrics, clock);
        await(module.loadCampaigns(campaigns));
    }

    /** The demo configuration shipped in config/server.json. */
    static BidFixture demo() {
        final ServerConfig config = demoConfig();
        return new BidFixture(BiddingConfig.read(config.bidding), config.campaigns);
    }

    static ServerConfig demoConfig() {
        try {
            return ServerConfig.load(Path.of("..", "config", "server.json"), Map.of());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path iabExamples() {
        // A copy lives in the test resources so the build is self-contained.
        for (final Path candidate : new Path[] {Path.of("src", "test", "resources", "openrtb", "iab-examples"),
            Path.of("..", "..", "shared", "openrtb", "iab-examples")}) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("IAB examples not found");
    }

    static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses, bids and writes in-process; null for no bid. */
    String bid(Bidder bidder, String json) {
        final io.arbiter.server.bid.openrtb.BidRequest request = new io.arbiter.server.bid.openrtb.BidRequest();
        new io.arbiter.server.bid.openrtb.BidRequestParser().parse(json.getBytes(StandardCharsets.UTF_8), request);
        final Bidder.Bids bids = bidder.bid(request, clock.millis());
        return bids.size() == 0 ? null : new BidResponseWriter(module.noticeBase(),
            module.config().seat()).write(request, bids);
    }

    /** A one-creative banner campaign for focused tests. */
    static JsonObject campaign(String id, double maxCpm) {
        return new JsonObject()
            .put("id", id)
            .put("budget", new JsonObject().put("daily", 1000))
            .put("goal", new JsonObject().put("type", "click").put("value", 1.0))
            .put("maxCpm", maxCpm)
            .put("ctrPrior", new JsonObject().put("alpha", 5000).put("beta", 995000)) // mean 0.005 +- 1.4%: ~5 CPM
            .put("creatives", new JsonArray().add(new JsonObject()
                .put("id", id + "-c1")
                .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
                .put("markup", "<a href='{{CLICK_URL}}'>ad</a>")
                .put("adomain", new JsonArray().add(id + ".example"))
                .put("cat", new JsonArray().add("IAB3-1"))
                .put("attr", new JsonArray())));
    }
}
