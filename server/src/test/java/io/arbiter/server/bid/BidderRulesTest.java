package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bid decision's rules, in-process (parser, bidder, writer; no HTTP): blocks, seats, deals and private auctions,
 * floors and currencies, auction types, targeting, frequency caps and budgets. Campaigns use a tight CTR prior
 * (mean 0.005, relative sd 1.4%), so each creative's value is 5 CPM within a few percent.
 */
class BidderRulesTest {
    private static final String BIDDING = "{\"exchangeRates\": {\"EUR\": 1.08}}";

    private static BidFixture fixture(JsonObject... campaigns) {
        return new BidFixture(new JsonObject(BIDDING), new JsonArray(java.util.List.of((Object[]) campaigns)));
    }

    private static String request(String impExtra, String top) {
        return "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250" + "}" + impExtra + "}]"
            + ",\"site\":{\"domain\":\"news.example\"}" + top + "}";
    }

    private static JsonObject onlyBid(String response) {
        assertNotNull(response, "expected a bid");
        return ResponseChecks.onlyBid(new JsonObject(response));
    }

    @Test
    void bcatBlocksTheCreativesCategoryAndItsParent() {
        final BidFixture f = fixture(BidFixture.campaign("a", 10));
        final Bidder bidder = f.module.newBidder(1);
        assertNull(f.bid(bidder, request("", ",\"bcat\":[\"IAB3-1\"]")));
        assertNull(f.bid(bidder, request("", ",\"bcat\":[\"IAB3\"]")), "IAB3 blocks IAB3-1");
        assertNotNull(f.bid(bidder, request("", ",\"bcat\":[\"IAB3-11\",\"IAB31\"]")), "not a prefix match");
    }

    @Test
    void badvBlocksTheAdvertiserDomainCaseInsensitively() {
        final BidFixture f = fixture(BidFixture.campaign("a", 10));
        final Bidder bidder = f.module.newBidder(1);
        assertNull(f.bid(bidder, request("", ",\"badv\":[\"A.Example\"]")));
        assertNotNull(f.bid(bidder, request("", ",\"badv\":[\"b.example\"]")));
    }

    @Test
    void battrBlocksCreativesWithThoseAttributes() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.getJsonArray("creatives").getJsonObject(0).put("attr", new JsonArray().add(14));
        final BidFixture f = fixture(campaign);
        final Bidder bidder = f.module.newBidder(1);
        assertNull(f.bid(bidder, "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250,"
            + "\"battr\":[3,14]}}]}"));
        assertNotNull(f.bid(bidder, "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250,"
            + "\"battr\":[3]}}]}"));
    }

    @Test
    void seatsListedInWseatOrBseatDecideWhetherWeMayBidAtAll() {
        final BidFixture f = fixture(BidFixture.campaign("a", 10));
        final Bidder bidder = f.module.newBidder(1);
        assertNull(f.bid(bidder, request("", ",\"wseat\":[\"someone-else\"]")));
        assertNotNull(f.bid(bidder, request("", ",\"wseat\":[\"someone-else\",\"arbiter\"]")));
        assertNull(f.bid(bidder, request("", ",\"bseat\":[\"arbiter\"]")));
    }

    @Test
    void privateAuctionsAreBidOnlyThroughDealsTheCampaignIsInAtTheDealFloor() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("targeting", new JsonObject().put("deals", new JsonArray().add("D1")));
        final BidFixture f = fixture(campaign);
        final Bidder bidder = f.module.newBidder(1);
        final String pmp = ",\"bidfloor\":0.01,\"pmp\":{\"private_auction\":1,\"deals\":[%s]}";
        assertNull(f.bid(bidder, request(pmp.formatted("{\"id\":\"D2\",\"bidfloor\":1}"), "")), "not our deal");
        assertNull(f.bid(bidder, request(pmp.formatted("{\"id\":\"D1\",\"bidfloor\":1,\"wseat\":[\"x\"]}"), "")),
            "our deal, but for another seat");
        final JsonObject bid = onlyBid(f.bid(bidder,
            request(pmp.formatted("{\"id\":\"D2\"},{\"id\":\"D1\",\"bidfloor\":3,\"wseat\":[\"arbiter\"]}"), "")));
        assertEquals("D1", bid.getString("dealid"));
        assertTrue(bid.getDouble("price") >= 3.0, "the deal floor (3) takes precedence over the imp floor (0.01)");
        assertNull(f.bid(bidder, request(pmp.formatted("{\"id\":\"D1\",\"bidfloor\":8}"), "")),
            "value (~5) below the deal floor");
    }

    @Test
    void openAuctionImpsAreSkippedByDealOnlyCampaigns() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("targeting", new JsonObject().put("deals", new JsonArray().add("D1")).put("openAuction", false));
        final BidFixture f = fixture(campaign);
        final Bidder bidder = f.module.newBidder(1);
        assertNull(f.bid(bidder, request("", "")));
        assertNotNull(f.bid(bidder, request(",\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"D1\"}]}", "")));
    }

    @Test
    void fixedPriceDealsBidTheDealPrice() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("targeting", new JsonObject().put("deals", new JsonArray().add("D1")));
        final BidFixture f = fixture(campaign);
        final JsonObject bid = onlyBid(f.bid(f.module.newBidder(1), request(
            ",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"D1\",\"at\":3,\"bidfloor\":2.25}]}", "")));
        assertEquals(2.25, bid.getDouble("price"), 1e-9);
    }

    @Test
    void floorsInOtherCurrenciesAreConvertedWithTheRateTable() {
        final BidFixture f = fixture(BidFixture.campaign("a", 10));
        final Bidder bidder = f.module.newBidder(1);
        // value ~5 USD; 4 EUR = 4.32 USD passes, 5 EUR = 5.40 USD does not; an unknown currency cannot be compared
        assertNotNull(f.bid(bidder, request(",\"bidfloor\":4,\"bidfloorcur\":\"EUR\"", "")));
        assertNull(f.bid(bidder, request(",\"bidfloor\":5,\"bidfloorcur\":\"EUR\"", "")));
        assertNull(f.bid(bidder, request(",\"bidfloor\":1,\"bidfloorcur\":\"XYZ\"", "")));
        assertNotNull(f.bid(bidder, request(",\"bidfloor\":4.5", "")), "USD is the default floor currency");
        assertNull(f.bid(bidder, request(",\"bidfloor\":5.5", "")));
    }

    @Test
    void theResponseIsInACurrencyTheExchangeAllows() {
        // Value ~5 CPM, capped at a maximum of 3 USD in a second-price auction: a price without sampling noise, so the
        // conversion is checked exactly (the writer rounds to 6 decimals). Unconverted it would be 3.0; converted the
        // wrong way round, 3.24.
        final BidFixture f = fixture(BidFixture.campaign("a", 3));
        final Bidder bidder = f.module.newBidder(1);
        final JsonObject usd = new JsonObject(f.bid(bidder, request("", ",\"at\":2,\"cur\":[\"USD\",\"EUR\"]")));
        assertEquals("USD", usd.getString("cur"));
        assertEquals(3.0, ResponseChecks.onlyBid(usd).getDouble("price"), 1e-9);
        final JsonObject eur = new JsonObject(f.bid(bidder, request("", ",\"at\":2,\"cur\":[\"EUR\"]")));
        assertEquals("EUR", eur.getString("cur"));
        assertEquals(3.0 / 1.08, ResponseChecks.onlyBid(eur).getDouble("price"), 1e-6, "3 USD in EUR at 1.08");
        assertNull(f.bid(bidder, request("", ",\"cur\":[\"XYZ\"]")), "no currency we can price in");
    }

    @Test
    void secondPriceBidsTheValueCappedAtTheMaximumCpm() {
        final BidFixture f = fixture(BidFixture.campaign("a", 3));
        final JsonObject bid = onlyBid(f.bid(f.module.newBidder(1), request("", ",\"at\":2")));
        assertEquals(3.0, bid.getDouble("price"), 1e-9);
        final BidFixture g = fixture(BidFixture.campaign("b", 100));
        assertEquals(5.0, onlyBid(g.bid(g.module.newBidder(1), request("", ",\"at\":2"))).getDouble("price"), 0.4);
    }

    @Test
    void firstPriceShadesWithTheFallbackFactorThenWithTheLearnedWinRateCurve() {
        final BidFixture f = fixture(BidFixture.campaign("a", 100));
        final Bidder bidder = f.module.newBidder(1);
        final double untrained = onlyBid(f.bid(bidder, request("", ",\"at\":1"))).getDouble("price");
        assertEquals(0.8 * 5.0, untrained, 0.35, "configured factor 0.8 of the ~5 CPM value");
        // A market where every bid of 2 CPM or more wins and lower bids lose: the surplus-maximising bid is ~2.
        for (int i = 0; i < 500; i++) {
            final double b = 0.5 + 4.5 * i / 500.0;
            f.module.winRateCurve().observe(WinRateCurve.NO_CONTEXT, b, b >= 2.0);
        }
        f.module.winRateCurve().refresh();
        final double shaded = onlyBid(f.bid(bidder, request("", ",\"at\":1"))).getDouble("price");
        assertTrue(shaded >= 1.9 && shaded <= 2.6, "shaded to just above the learned win threshold: " + shaded);
        final double floored = onlyBid(f.bid(bidder, request(",\"bidfloor\":3", ",\"at\":1"))).getDouble("price");
        assertTrue(floored >= 3.0, "never below the floor: " + floored);
    }

    private static String requestOn(String site, String top) {
        return "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]"
            + ",\"site\":{\"domain\":\"" + site + "\"}" + top + "}";
    }

    @Test
    void firstPriceShadingUsesTheCurveOfTheBidsPublisherAndFormat() {
        final BidFixture f = fixture(BidFixture.campaign("a", 100));
        final Bidder bidder = f.module.newBidder(1);
        final WinRateCurve curve = f.module.winRateCurve();
        // cheap.example: bids of 1 CPM or more win; dear.example: 4 CPM or more (300x250 banners on both). Enough
        // notices per price bucket (~100 near 1 CPM) for each context's data to outweigh the bidder-wide prior.
        for (int i = 0; i < 5000; i++) {
            final double b = 0.5 + 4.5 * i / 5000.0;
            curve.observe(WinRateCurve.context(false, "cheap.example", 300, 250, Creative.MTYPE_BANNER), b, b >= 1.0);
            curve.observe(WinRateCurve.context(false, "dear.example", 300, 250, Creative.MTYPE_BANNER), b, b >= 4.0);
        }
        curve.refresh();
        final double cheap = onlyBid(f.bid(bidder, requestOn("cheap.example", ",\"at\":1"))).getDouble("price");
        final double dear = onlyBid(f.bid(bidder, requestOn("dear.example", ",\"at\":1"))).getDouble("price");
        assertTrue(cheap >= 0.95 && cheap <= 1.3, "cheap.example shaded to its own threshold: " + cheap);
        assertTrue(dear >= 3.9 && dear <= 4.8, "dear.example shaded to its own threshold: " + dear);
        // An app whose bundle is named like the dear site is a context not seen yet: the bidder-wide curve decides,
        // whose surplus-maximising bid for a value of ~5 is also ~1 (half the bids win from 1 CPM, all from 4).
        final double other = onlyBid(f.bid(bidder, "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":"
            + "{\"w\":300,\"h\":250},\"instl\":1}],\"app\":{\"bundle\":\"dear.example\"},\"at\":1}"))
            .getDouble("price");
        assertTrue(other >= 0.95 && other <= 1.3, "an app named like the dear site is a context of its own: " + other);
        // The context is the format the bid is made in: from a format list, the creative's matching 300x250.
        final double otherFormat = onlyBid(f.bid(bidder, "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":"
            + "{\"format\":[{\"w\":728,\"h\":90},{\"w\":300,\"h\":250}]}}],\"site\":{\"domain\":\"dear.example\"},"
            + "\"at\":1}")).getDouble("price");
        assertTrue(otherFormat >= 3.9, "the 300x250 of the format list is dear.example's 300x250: " + otherFormat);
    }

    @Test
    void winAndLossNoticesTrainTheContextTheirBidWasMadeIn() {
        final BidFixture f = fixture(BidFixture.campaign("a", 100));
        final Bidder bidder = f.module.newBidder(1);
        final WinRateCurve curve = f.module.winRateCurve();
        final JsonObject lost = onlyBid(f.bid(bidder, requestOn("one.example", ",\"at\":1")));
        BidFixture.await(f.module.notices().notice(OutcomeKind.LOSS, ResponseChecks.token(lost.getString("lurl")),
            null, "102"));
        assertEquals(3, curve.contexts(), "the loss created one.example's contexts: 300x250, + device, + hour");
        final JsonObject won = onlyBid(f.bid(bidder, requestOn("two.example", ",\"at\":2")));
        BidFixture.await(f.module.notices().notice(OutcomeKind.WIN, ResponseChecks.token(won.getString("nurl")),
            "1.0", null));
        assertEquals(6, curve.contexts(), "second-price wins train their contexts too");
        final JsonObject other = onlyBid(f.bid(bidder, requestOn("three.example", ",\"at\":1")));
        BidFixture.await(f.module.notices().notice(OutcomeKind.LOSS, ResponseChecks.token(other.getString("lurl")),
            null, "1"));
        assertEquals(6, curve.contexts(), "a non-market loss (code 1) trains nothing, not even its context");
        assertTrue(f.metrics.scrape().contains("arbiter_bid_shading_contexts 6.0"), "the gauge shows the contexts");
        final long oneKey = WinRateCurve.context(false, "one.example", 300, 250, Creative.MTYPE_BANNER);
        final long oneOnDevice = WinRateCurve.deviceKey(oneKey, 0);
        final int hour = WinRateCurve.hourOfDay(f.clock.millis());
        assertTrue(curve.counts().find(WinRateCurve.hourKey(oneOnDevice, hour)) > 0, "the token carried the hour");
        assertEquals(1.0, curve.counts().totalBids(curve.counts().find(oneOnDevice)), 1e-12, "and the device");
        // The notices reached the two contexts with the right outcome: one.example lost at ~4, two.example won at ~5.
        for (int i = 0; i < 3000; i++) { // a market elsewhere whose win rate rises as bid / 10 CPM
            final double b = 0.1 + i / 300.0;
            curve.observe(WinRateCurve.NO_CONTEXT, b, (i * 7919 % 3000) / 300.0 < b);
        }
        curve.refresh();
        final long one = WinRateCurve.context(false, "one.example", 300, 250, Creative.MTYPE_BANNER);
        final long two = WinRateCurve.context(false, "two.example", 300, 250, Creative.MTYPE_BANNER);
        final double price = lost.getDouble("price");
        assertTrue(curve.winRate(one, price) < curve.winRate(WinRateCurve.NO_CONTEXT, price),
            "one.example's loss lowers its curve at " + price);
        assertTrue(curve.winRate(two, won.getDouble("price")) > curve.winRate(WinRateCurve.NO_CONTEXT,
            won.getDouble("price")), "two.example's win raises its curve");
    }

    @Test
    void billingAndClickNoticesTeachEachSiteItsClickRateMultiplier() {
        final BidFixture f = new BidFixture(new JsonObject(BIDDING).put("ctrContextStrength", 100),
            new JsonArray().add(BidFixture.campaign("a", 100)));
        final Bidder bidder = f.module.newBidder(1);
        final double before = onlyBid(f.bid(bidder, requestOn("good.example", ",\"at\":2"))).getDouble("price");
        assertEquals(5.0, before, 0.4, "no notices yet: the creative's ~5 CPM everywhere");
        // 2,000 billed impressions on each site: 2% of good.example's are clicked, none of poor.example's
        for (int i = 0; i < 2000; i++) {
            for (final String site : new String[] {"good.example", "poor.example"}) {
                final String token = ResponseChecks.token(onlyBid(f.bid(bidder, requestOn(site, ",\"at\":2")))
                    .getString("burl"));
                BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, token, "0.001", null));
                if (site.startsWith("good") && i % 50 == 0) {
                    BidFixture.await(f.module.notices().notice(OutcomeKind.CLICK, token, null, null));
                }
            }
        }
        // campaign rate (40 + 1) / (4000 + 200) ~ 1%: good.example ~2x, poor.example at the floor of 0.1x
        final double good = onlyBid(f.bid(bidder, requestOn("good.example", ",\"at\":2"))).getDouble("price");
        final double poor = onlyBid(f.bid(bidder, requestOn("poor.example", ",\"at\":2"))).getDouble("price");
        final double other = onlyBid(f.bid(bidder, requestOn("new.example", ",\"at\":2"))).getDouble("price");
        assertTrue(good > 1.8 * 5.0 && good < 2.3 * 5.0, "good.example's clicks raise its bids: " + good);
        assertTrue(poor < 0.15 * 5.0, "poor.example's lack of clicks lowers its bids: " + poor);
        assertEquals(5.0, other, 0.4, "a site not seen yet bids the campaign's rate");
    }

    @Test
    void targetingBySiteAppCountryAndDeviceType() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("targeting", new JsonObject()
            .put("sites", new JsonObject().put("block", new JsonArray().add("bad.example")))
            .put("apps", new JsonObject().put("allow", new JsonArray().add("com.good.app")))
            .put("countries", new JsonArray().add("USA"))
            .put("deviceTypes", new JsonArray().add(1).add(4)));
        final BidFixture f = fixture(campaign);
        final Bidder bidder = f.module.newBidder(1);
        final String imp = "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]";
        final String usPhone = ",\"device\":{\"devicetype\":4,\"geo\":{\"country\":\"usa\"}}";
        assertNotNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"app\":{\"bundle\":\"com.good.app\"}" + usPhone + "}"));
        assertNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"app\":{\"bundle\":\"com.other\"}" + usPhone + "}"));
        assertNotNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"site\":{\"domain\":\"ok.example\"}" + usPhone + "}"));
        assertNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"site\":{\"domain\":\"bad.example\"}" + usPhone + "}"));
        assertNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"site\":{\"domain\":\"ok.example\"},"
            + "\"device\":{\"devicetype\":4,\"geo\":{\"country\":\"DEU\"}}}"));
        assertNull(f.bid(bidder, "{\"id\":\"r\"," + imp + ",\"site\":{\"domain\":\"ok.example\"},"
            + "\"device\":{\"devicetype\":3,\"geo\":{\"country\":\"USA\"}}}"));
    }

    @Test
    void theFrequencyCapStopsBidsForAUserAfterItsBilledImpressions() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("frequencyCap", new JsonObject().put("count", 2).put("period", "PT1H"));
        final BidFixture f = fixture(campaign);
        final Bidder bidder = f.module.newBidder(1);
        final String user = ",\"user\":{\"id\":\"u1\"}";
        for (int i = 0; i < 2; i++) {
            final JsonObject bid = onlyBid(f.bid(bidder, request("", user)));
            BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, ResponseChecks.token(bid.getString("burl")),
                "1.0", null));
        }
        assertNull(f.bid(bidder, request("", user)), "two impressions billed this hour");
        assertNotNull(f.bid(bidder, request("", ",\"user\":{\"id\":\"u2\"}")), "another user");
        f.clock.advance(3_600_000);
        assertNotNull(f.bid(bidder, request("", user)), "next window");
    }

    @Test
    void aCampaignStopsBiddingWhenItsDailyBudgetIsReserved() {
        final JsonObject campaign = BidFixture.campaign("a", 10);
        campaign.put("budget", new JsonObject().put("daily", 0.02)); // 2 cents: four bids of ~5 CPM (0.005 each)
        final BidFixture f = fixture(campaign);
        // at noon pacing opens half the day's budget (0.01) plus one maximum bid (0.01) of allowance
        final Bidder bidder = f.module.newBidder(1);
        int bids = 0;
        for (int i = 0; i < 20; i++) {
            if (f.bid(bidder, request("", "")) != null) {
                bids++;
            }
        }
        assertTrue(bids >= 1 && bids <= 4, "bids until reservations fill the paced budget: " + bids);
        final int slot = f.module.registry().get("a").slot();
        assertTrue(f.module.registry().ledger().dailyExposure(slot) <= 20_000, "never past the daily limit");
    }
}
