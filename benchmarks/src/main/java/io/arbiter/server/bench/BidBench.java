package io.arbiter.server.bench;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.BidModule;
import io.arbiter.server.bid.BiddingConfig;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.campaign.CampaignStore;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeId;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.outcome.PipelineStatus;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bid module without Postgres or the application, for the bid-path measurements: direct-memory table and
 * ledger, in-memory campaign store, an outcome log that takes everything and keeps nothing, and the 20-creative
 * campaign the measurements in docs/BENCHMARKS.md use.
 */
final class BidBench {
    /** 2026-11-23T12:00Z: pacing's schedule has half a day of budget open. */
    static final long NOON = 1_795_392_000_000L + 12 * 3_600_000L;

    /** The 1 KB IAB-shaped OpenRTB 2.6 request: one 300x250 imp with a floor, blocks and privacy extensions. */
    static final String REQUEST = "{\"id\":\"bench-1\",\"at\":2,\"tmax\":100,\"cur\":[\"USD\"],"
        + "\"imp\":[{\"id\":\"1\",\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"banner\":{\"w\":300,\"h\":250,"
        + "\"format\":[{\"w\":300,\"h\":250}],\"battr\":[13,14]}}],"
        + "\"site\":{\"id\":\"s1\",\"domain\":\"news.example\",\"cat\":[\"IAB12\"],\"page\":\"https://news.example/a\","
        + "\"publisher\":{\"id\":\"p1\",\"domain\":\"news.example\"}},"
        + "\"device\":{\"ua\":\"Mozilla/5.0\",\"devicetype\":2,\"geo\":{\"country\":\"USA\"},\"ip\":\"192.0.2.1\"},"
        + "\"user\":{\"id\":\"u-123\",\"ext\":{\"consent\":\"CO...\"}},\"regs\":{\"ext\":{\"gdpr\":0}},"
        + "\"bcat\":[\"IAB25\",\"IAB26\"],\"badv\":[\"blocked.example\"]}";

    private BidBench() {
    }

    /** One campaign of 20 creatives that all match the request's imp, with a budget that never runs out. */
    static JsonObject twentyCreatives() {
        final JsonArray creatives = new JsonArray();
        for (int i = 0; i < 20; i++) {
            creatives.add(new JsonObject().put("id", "cr" + i)
                .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
                .put("markup", "<a href=\"{{CLICK_URL}}\"><img src=\"https://cdn.example/" + i + ".png\"></a>")
                .put("adomain", new JsonArray().add("brand.example")).put("cat", new JsonArray().add("IAB22")));
        }
        return new JsonObject().put("id", "bench")
            .put("budget", new JsonObject().put("daily", 1_000_000_000))
            .put("goal", new JsonObject().put("type", "click").put("value", 1.0))
            .put("maxCpm", 20).put("ctrPrior", new JsonObject().put("alpha", 1).put("beta", 200))
            .put("creatives", creatives);
    }

    /** A bid module over in-memory state serving {@code campaigns}. */
    static BidModule module(BiddingConfig config, JsonArray campaigns, Clock clock, Metrics metrics) {
        final BidModule module = new BidModule(config, PosteriorTable.allocateDirect(4096, 0),
            BudgetLedger.allocateDirect(64), CampaignStore.inMemory(), new DiscardingLog(), new SignedTokens(
                "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)), metrics, clock);
        await(module.loadCampaigns(campaigns));
        return module;
    }

    static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes every outcome at once and keeps none: the measurements leave the journal and Postgres out. */
    static final class DiscardingLog implements OutcomeLog {
        @Override
        public boolean offerDecision(OutcomeEvent decision) {
            return true;
        }

        @Override
        public Future<Void> append(OutcomeEvent outcome) {
            return Future.succeededFuture();
        }

        @Override
        public Future<List<ArmAggregate>> loadAggregates() {
            return Future.succeededFuture(List.of());
        }

        @Override
        public Future<List<String>> loadOutcomeIdsSince(OutcomeKind kind, long sinceMillis) {
            return Future.succeededFuture(List.of());
        }

        @Override
        public Future<List<OutcomeId>> loadNewestOutcomeIds(List<OutcomeKind> kinds, long sinceMillis, int limit) {
            return Future.succeededFuture(List.of());
        }

        @Override
        public PipelineStatus status() {
            return new PipelineStatus(0, 0, 0, 0, true, false);
        }

        @Override
        public Future<Void> close() {
            return Future.succeededFuture();
        }
    }
}
