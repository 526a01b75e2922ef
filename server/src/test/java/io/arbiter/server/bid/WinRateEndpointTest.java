package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/bidder/win-rate} over HTTP: admin only, the documented shape, the busiest contexts first. */
class WinRateEndpointTest {

    @Test
    void theCurvesBidderWideAndOfTheBusiestContextsInTheDocumentedShape() {
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(BidFixture.campaign("a", 10)));
        try (HttpHarness http = new HttpHarness(f)) {
            final String auth = "Bearer " + BidFixture.ADMIN_TOKEN;
            final JsonObject empty = http.send(HttpMethod.GET, "/v1/bidder/win-rate", null, "Authorization", auth)
                .body().toJsonObject();
            assertEquals(false, empty.getBoolean("trained"));
            assertNull(empty.getJsonObject("global").getValue("winRate"), "no curve before training");
            assertEquals(401, http.get("/v1/bidder/win-rate").status(), "admin only");

            final WinRateCurve curve = f.module.winRateCurve();
            final long busy = WinRateCurve.context(false, "busy.example", 300, 250, Creative.MTYPE_BANNER);
            final long quiet = WinRateCurve.context(false, "quiet.example", 300, 250, Creative.MTYPE_BANNER);
            for (int i = 0; i < 1000; i++) {
                final double bid = 0.5 + i / 100.0;
                curve.observe(busy, 4, 9, bid, bid > 3);
                if (i % 10 == 0) {
                    curve.observe(quiet, bid, bid > 2);
                }
            }
            curve.refresh(f.clock.millis());
            final JsonObject body = http.send(HttpMethod.GET, "/v1/bidder/win-rate?top=4", null, "Authorization", auth)
                .body().toJsonObject();
            assertEquals(true, body.getBoolean("trained"));
            assertEquals("USD", body.getString("currency"));
            assertEquals("PT2H", body.getString("halfLife"));
            assertEquals(4, body.getInteger("contexts"), "busy: 3 levels, quiet: publisher x format only");
            final JsonArray prices = body.getJsonArray("prices");
            assertTrue(prices.getDouble(0) <= 0.5 && prices.getDouble(prices.size() - 1) >= 9.0, prices.encode());
            final JsonObject global = body.getJsonObject("global");
            assertEquals(1100.0, global.getDouble("bids"), 1e-6);
            assertEquals(prices.size(), global.getJsonArray("winRate").size());
            final JsonArray busiest = body.getJsonArray("busiest");
            assertEquals(4, busiest.size());
            final JsonObject first = busiest.getJsonObject(0);
            assertEquals(1000.0, first.getDouble("bids"), 1e-6, "the busiest first");
            assertEquals(Long.toHexString(busy), first.getString("key"));
            assertEquals(1, first.getInteger("level"));
            assertNull(first.getValue("parent"));
            final JsonObject finest = busiest.getJsonObject(2);
            assertEquals(3, finest.getInteger("level"));
            assertEquals(4, finest.getInteger("device"));
            assertEquals(9, finest.getInteger("hour"));
            final JsonArray rate = first.getJsonArray("winRate");
            assertTrue(rate.getDouble(0) < 0.1 && rate.getDouble(rate.size() - 1) > 0.9, "a win-rate curve: " + rate);
            assertEquals(100.0, busiest.getJsonObject(3).getDouble("bids"), 1e-6);
            final JsonObject levelTwo = http.send(HttpMethod.GET, "/v1/bidder/win-rate?level=2", null,
                "Authorization", auth).body().toJsonObject();
            assertEquals(1, levelTwo.getJsonArray("busiest").size());
            assertEquals(400, http.send(HttpMethod.GET, "/v1/bidder/win-rate?top=0", null, "Authorization", auth)
                .status());
            assertEquals(400, http.send(HttpMethod.GET, "/v1/bidder/win-rate?level=x", null, "Authorization", auth)
                .status());
        }
    }
}
