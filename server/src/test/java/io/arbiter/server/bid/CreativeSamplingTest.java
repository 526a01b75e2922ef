package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the draw ranks a campaign's creatives ({@code bidding.creativeSampling}). Two creatives under a Beta(1, 200)
 * prior: "best" with 12 clicks in 1,000 impressions (mean 1.08%), "other" with 8 in 1,000 (mean 0.75%). Plain
 * Thompson sampling shows "other" when its draw beats best's draw, 19.0% of the time; optimistic sampling only when it
 * beats best's mean too, 7.0% (both from two million draws of the two Beta posteriors). Each share is measured over
 * 10,000 seeded bids (standard error 0.4 and 0.26 points), the tolerance is 2 points: at least 5 standard errors, a
 * false failure about once in three million runs.
 */
class CreativeSamplingTest {
    private static final int BIDS = 10_000;

    @Test
    void optimisticSamplingExploresANearBestCreativeOnlyWhenItsDrawBeatsTheBestMean() {
        final double share = otherShare("optimistic", 7);
        assertTrue(Math.abs(share - 0.070) <= 0.02, "optimistic: other's share " + share + ", expected 0.070");
    }

    @Test
    void thompsonSamplingExploresItWheneverItsDrawBeatsTheBestDraw() {
        final double share = otherShare("thompson", 7);
        assertTrue(Math.abs(share - 0.190) <= 0.02, "thompson: other's share " + share + ", expected 0.190");
    }

    @Test
    void optimisticSamplingIsTheDefault() {
        final double share = otherShare(null, 11);
        assertTrue(share < 0.10, "default: other's share " + share + ", expected 0.070 (optimistic)");
    }

    private static double otherShare(String sampling, long seed) {
        final JsonObject campaign = new JsonObject().put("id", "two")
            .put("budget", new JsonObject().put("daily", 1_000_000))
            .put("goal", new JsonObject().put("type", "click").put("value", 1.0))
            .put("maxCpm", 100)
            .put("ctrPrior", new JsonObject().put("alpha", 1).put("beta", 200))
            .put("creatives", new JsonArray().add(creative("best")).add(creative("other")));
        final JsonObject bidding = sampling == null ? new JsonObject()
            : new JsonObject().put("creativeSampling", sampling);
        final BidFixture f = new BidFixture(bidding, new JsonArray().add(campaign));
        final Campaign loaded = f.module.registry().get("two");
        f.table.recordCounts(loaded.creatives()[0].ctrArm(), 1000, 12, 12, f.clock.millis());
        f.table.recordCounts(loaded.creatives()[1].ctrArm(), 1000, 8, 8, f.clock.millis());
        final BidRequest request = new BidRequest();
        new BidRequestParser().parse(("{\"id\":\"r\",\"at\":2,\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
            + "\"h\":250}}],\"site\":{\"domain\":\"news.example\"}}").getBytes(StandardCharsets.UTF_8), request);
        final Bidder bidder = f.module.newBidder(seed);
        int other = 0;
        for (int i = 0; i < BIDS; i++) {
            final Bidder.Bids bids = bidder.bid(request, f.clock.millis());
            assertTrue(bids.size() == 1, "a bid every time (" + bids.noBidReason + ")");
            if (bids.get(0).creative.id().equals("other")) {
                other++;
            }
        }
        final double share = (double) other / BIDS;
        System.out.printf(Locale.ROOT, "creativeSampling %s, seed %d: other's share %.4f%n", sampling, seed, share);
        return share;
    }

    private static JsonObject creative(String id) {
        return new JsonObject().put("id", id)
            .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
            .put("markup", "<a href='{{CLICK_URL}}'>" + id + "</a>")
            .put("adomain", new JsonArray().add("two.example"));
    }
}
