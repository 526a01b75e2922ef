package io.arbiter.server.bid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Structural checks every bid response must pass (OpenRTB 2.6 section 4 plus this bidder's promises). */
final class ResponseChecks {
    private ResponseChecks() {
    }

    static void assertValidResponse(JsonObject request, JsonObject response) {
        assertEquals(request.getString("id"), response.getString("id"), "id echoed");
        assertNotNull(response.getString("cur"), "cur");
        final JsonArray seatbids = response.getJsonArray("seatbid");
        assertNotNull(seatbids, "seatbid");
        assertFalse(seatbids.isEmpty(), "seatbid not empty");
        final Set<String> impIds = new HashSet<>();
        for (final Object imp : request.getJsonArray("imp")) {
            impIds.add(((JsonObject) imp).getString("id"));
        }
        final Set<String> bidIds = new HashSet<>();
        final Set<String> bidImps = new HashSet<>();
        for (final Object sb : seatbids) {
            for (final Object b : ((JsonObject) sb).getJsonArray("bid")) {
                final JsonObject bid = (JsonObject) b;
                assertTrue(bidIds.add(bid.getString("id")), "bid ids unique");
                assertTrue(impIds.contains(bid.getString("impid")), "impid refers to an imp");
                assertTrue(bidImps.add(bid.getString("impid")), "at most one bid per imp");
                assertTrue(bid.getDouble("price") > 0, "price positive");
                assertNotNull(bid.getString("crid"), "crid");
                assertNotNull(bid.getString("cid"), "cid");
                assertFalse(bid.getJsonArray("adomain").isEmpty(), "adomain");
                assertTrue(bid.getString("adm") != null || bid.getString("nurl") != null, "adm or nurl");
                final int mtype = bid.getInteger("mtype");
                assertTrue(mtype == 1 || mtype == 2 || mtype == 4, "mtype");
                assertTrue(bid.getString("nurl").contains("${AUCTION_PRICE}"), "nurl has the price macro");
                assertTrue(bid.getString("nurl").contains("${AUCTION_ID}"), "nurl has the auction id macro");
                assertTrue(bid.getString("burl").contains("${AUCTION_PRICE}"), "burl has the price macro");
                assertTrue(bid.getString("lurl").contains("${AUCTION_LOSS}"), "lurl has the loss macro");
                assertTrue(bid.getString("burl").contains("t=n3."), "burl carries the signed token");
                if (mtype == 1) {
                    assertTrue(bid.getInteger("w") > 0 && bid.getInteger("h") > 0, "banner w/h");
                }
            }
        }
    }

    static JsonObject onlyBid(JsonObject response) {
        final JsonArray bids = response.getJsonArray("seatbid").getJsonObject(0).getJsonArray("bid");
        assertEquals(1, bids.size());
        return bids.getJsonObject(0);
    }

    /** The token out of a notice URL. */
    static String token(String url) {
        final int start = url.indexOf("t=") + 2;
        final int end = url.indexOf('&', start);
        return url.substring(start, end < 0 ? url.length() : end);
    }
}
