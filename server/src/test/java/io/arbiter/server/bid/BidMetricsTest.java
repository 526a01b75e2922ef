package io.arbiter.server.bid;

import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.metrics.NoBidReason;
import io.arbiter.server.outcome.OutcomeKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the bid path records: a no-bid's reason is what stopped the candidate that came closest to a bid, every bid
 * counts for its campaign with its price, and notices count by kind, billing ones with spend and clearing price.
 */
class BidMetricsTest {
    private static final String SITE = ",\"site\":{\"domain\":\"news.example\"}";

    private static String request(String imp, String top) {
        return "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\"," + imp + "}]" + SITE + top + "}";
    }

    private static final String BANNER = "\"banner\":{\"w\":300,\"h\":250}";

    private static NoBidReason reason(BidFixture f, Bidder bidder, String json) {
        final BidRequest request = new BidRequest();
        new BidRequestParser().parse(json.getBytes(StandardCharsets.UTF_8), request);
        final Bidder.Bids bids = bidder.bid(request, f.clock.millis());
        assertEquals(0, bids.size(), "expected no bid for " + json);
        return bids.noBidReason;
    }

    private static double noBids(BidFixture f, NoBidReason reason) {
        final Counter counter = f.metrics.registry().find("arbiter.bid.nobids").tag("reason", reason.tag()).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aNoBidNamesTheStageItsBestCandidateReached() {
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(BidFixture.campaign("a", 10)));
        final Bidder bidder = f.module.newBidder(1);
        assertEquals(NoBidReason.CURRENCY, reason(f, bidder, request(BANNER, ",\"cur\":[\"XXX\"]")));
        assertEquals(NoBidReason.SEAT, reason(f, bidder, request(BANNER, ",\"bseat\":[\"arbiter\"]")));
        assertEquals(NoBidReason.BLOCKED, reason(f, bidder, request(BANNER, ",\"bcat\":[\"IAB3\"]")));
        assertEquals(NoBidReason.FORMAT, reason(f, bidder, request("\"banner\":{\"w\":728,\"h\":90}", "")));
        assertEquals(NoBidReason.BELOW_FLOOR, reason(f, bidder, request(BANNER + ",\"bidfloor\":50", "")));
        assertEquals(NoBidReason.BELOW_FLOOR, reason(f, bidder, request(BANNER + ",\"bidfloor\":9", "")),
            "value ~5 CPM is below a floor the campaign could still pay");
        assertEquals(2, noBids(f, NoBidReason.BELOW_FLOOR));
        assertEquals(1, noBids(f, NoBidReason.CURRENCY));
        assertEquals(1, noBids(f, NoBidReason.FORMAT));
    }

    @Test
    void aRequestNoCampaignTargetsIsNoCampaignAndACappedUserIsFrequencyCap() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("frequencyCap", new JsonObject().put("count", 1).put("period", "PT1H"));
        campaign.put("targeting", new JsonObject().put("countries", new JsonArray().add("USA")));
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(campaign));
        final Bidder bidder = f.module.newBidder(1);
        final String us = ",\"device\":{\"geo\":{\"country\":\"USA\"}},\"user\":{\"id\":\"u1\"}";
        assertEquals(NoBidReason.NO_CAMPAIGN, reason(f, bidder, request(BANNER,
            ",\"device\":{\"geo\":{\"country\":\"DEU\"}}")));
        final JsonObject bid = ResponseChecks.onlyBid(new JsonObject(f.bid(bidder, request(BANNER, us))));
        BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, ResponseChecks.token(bid.getString("burl")),
            "2.0", null));
        assertEquals(NoBidReason.FREQUENCY_CAP, reason(f, bidder, request(BANNER, us)));
    }

    @Test
    void bidsAndNoticesCountPerCampaignWithPricesAndSpend() {
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(BidFixture.campaign("a", 10)));
        final Bidder bidder = f.module.newBidder(1);
        final JsonObject bid = ResponseChecks.onlyBid(new JsonObject(f.bid(bidder, request(BANNER, ""))));
        final String token = ResponseChecks.token(bid.getString("burl"));
        assertEquals(1, f.metrics.registry().find("arbiter.bid.bids").tag("campaign", "a").counter().count());
        final DistributionSummary price = f.metrics.registry().find("arbiter.bid.price").summary();
        assertNotNull(price);
        assertEquals(bid.getDouble("price"), price.totalAmount(), 1e-6, "the response rounds to 6 decimals");
        BidFixture.await(f.module.notices().notice(OutcomeKind.WIN, token, "2.0", null));
        BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, token, "2.0", null));
        BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, token, "2.0", null)); // a duplicate: no count
        BidFixture.await(f.module.notices().notice(OutcomeKind.CLICK, token, null, null));
        assertEquals(1, notices(f, "win"));
        assertEquals(1, notices(f, "bill"));
        assertEquals(1, notices(f, "click"));
        assertEquals(0.002, f.metrics.registry().find("arbiter.bid.spend").tag("campaign", "a").counter().count(),
            1e-12, "2 CPM is 0.002 per impression");
        assertEquals(2.0, f.metrics.registry().find("arbiter.bid.clearing.price").summary().totalAmount(), 1e-12);
    }

    private static double notices(BidFixture f, String kind) {
        return f.metrics.registry().find("arbiter.bid.notices").tag("kind", kind).tag("campaign", "a").counter()
            .count();
    }
}
