package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /rtb/{win,bill,imp,loss,click,conversion} over real HTTP (bid module only, in-memory outcome log): charging,
 * reservations, learning, idempotency, forged tokens, and what goes to the outcome log.
 */
class NoticeEndpointContractTest {
    private BidFixture fixture;
    private HttpHarness http;
    private Campaign campaign;

    @BeforeEach
    void start() {
        final JsonObject definition = BidFixture.campaign("a", 10);
        definition.put("goal", new JsonObject().put("type", "conversion").put("value", 50));
        definition.put("cvrPrior", new JsonObject().put("alpha", 1000).put("beta", 9000));
        fixture = new BidFixture(new JsonObject().put("exchangeRates", new JsonObject().put("EUR", 1.08)),
            new JsonArray().add(definition));
        http = new HttpHarness(fixture);
        campaign = fixture.module.registry().get("a");
    }

    @AfterEach
    void stop() {
        http.close();
    }

    private JsonObject bid(String cur) {
        final String body = "{\"id\":\"r1\",\"cur\":[\"" + cur + "\"],\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
            + "\"h\":250}}]}";
        final HttpHarness.Response response = http.bid(body);
        assertEquals(200, response.status(), response.body().toString());
        return ResponseChecks.onlyBid(response.body().toJsonObject());
    }

    private static String path(String url) {
        return url.substring(url.indexOf("/rtb/"));
    }

    private long slotExposure() {
        return fixture.ledger.dailyExposure(campaign.slot());
    }

    @Test
    void billingChargesTheClearingPriceOnceAndCountsAnImpression() {
        final JsonObject bid = bid("USD");
        final long reserved = slotExposure();
        assertTrue(reserved > 0, "the bid reserved its price");
        final String bill = path(bid.getString("burl")).replace("${AUCTION_PRICE}", "2.5");
        assertEquals("{\"status\":\"accepted\"}", http.get(bill).body().toString());
        assertEquals(2_500, fixture.ledger.dailySpent(campaign.slot()), "2.5 CPM = 0.0025 USD = 2500 micros");
        assertEquals(2_500, slotExposure(), "the reservation was replaced by the charge");
        assertEquals(1, fixture.table.trials(campaign.creatives()[0].ctrArm()), "one impression");
        assertEquals("{\"status\":\"duplicate\"}", http.get(bill).body().toString());
        assertEquals(2_500, fixture.ledger.dailySpent(campaign.slot()), "a repeated notice changes nothing");
        final OutcomeEvent event = fixture.outcomes.appended.get(0);
        assertEquals(OutcomeKind.BILL, event.kind());
        assertEquals("a", event.scope());
        assertEquals("a-c1", event.arm());
        assertEquals(2.5, event.value(), 1e-9);
        assertEquals(1, fixture.outcomes.count(OutcomeKind.BILL));
    }

    @Test
    void theRenderPixelInMarkupBillsOnceSharingTheClaimWithBurl() {
        http.close();
        final JsonObject definition = BidFixture.campaign("a", 10);
        definition.getJsonArray("creatives").getJsonObject(0).put("markup", "<a href='{{CLICK_URL}}'>ad</a>"
            + "<img src='{{IMPRESSION_URL}}'><img src='https://third.example/p?price=${AUCTION_PRICE}&i=${AUCTION_ID}"
            + "&u={{UNKNOWN}}'>");
        fixture = new BidFixture(new JsonObject(), new JsonArray().add(definition));
        http = new HttpHarness(fixture);
        campaign = fixture.module.registry().get("a");
        final JsonObject bid = bid("USD");
        final String adm = bid.getString("adm");
        assertTrue(adm.contains("https://third.example/p?price=${AUCTION_PRICE}&i=${AUCTION_ID}&u={{UNKNOWN}}"),
            "OpenRTB macros and unknown placeholders pass through untouched: " + adm);
        final int at = adm.indexOf("/rtb/imp?t=");
        assertTrue(at > 0, adm);
        final String pixel = adm.substring(at, adm.indexOf('\'', at));
        assertTrue(pixel.endsWith("&p=${AUCTION_PRICE}"), pixel);
        assertEquals("{\"status\":\"accepted\"}", http.get(pixel.replace("${AUCTION_PRICE}", "2")).body()
            .toString());
        assertEquals(2_000, fixture.ledger.dailySpent(campaign.slot()), "billed on render at the clearing price");
        assertEquals("{\"status\":\"duplicate\"}", http.get(path(bid.getString("burl"))
            .replace("${AUCTION_PRICE}", "2")).body().toString(), "burl after the pixel is the same billing");
        assertEquals("{\"status\":\"duplicate\"}", http.get(pixel.replace("${AUCTION_PRICE}", "2")).body()
            .toString());
        assertEquals(2_000, fixture.ledger.dailySpent(campaign.slot()), "charged once");
        assertEquals(1, fixture.outcomes.count(OutcomeKind.BILL));
        assertEquals(1, fixture.table.trials(campaign.creatives()[0].ctrArm()), "one impression");
    }

    @Test
    void theClearingPriceIsConvertedFromTheResponseCurrencyAndCappedAtTheBid() {
        final JsonObject bid = bid("EUR");
        http.get(path(bid.getString("burl")).replace("${AUCTION_PRICE}", "2"));
        assertEquals(2_160, fixture.ledger.dailySpent(campaign.slot()), "2 EUR CPM = 2.16 USD CPM");
        final JsonObject second = bid("USD");
        http.get(path(second.getString("burl")).replace("${AUCTION_PRICE}", "1000"));
        final long bidMicros = Math.round(second.getDouble("price") * 1000);
        assertEquals(2_160 + bidMicros, fixture.ledger.dailySpent(campaign.slot()), 2, "capped at our bid");
    }

    @Test
    void aLossReleasesTheReservationAndRecordsItsCode() {
        final JsonObject bid = bid("USD");
        assertTrue(slotExposure() > 0);
        http.get(path(bid.getString("lurl")).replace("${AUCTION_PRICE}", "7").replace("${AUCTION_LOSS}", "102"));
        assertEquals(0, slotExposure());
        assertEquals(102, fixture.outcomes.appended.get(0).code());
        assertEquals(0, fixture.module.reservations().size());
    }

    @Test
    void unsettledReservationsAreReleasedAfterTheirTimeout() {
        bid("USD");
        assertTrue(slotExposure() > 0);
        fixture.clock.advance(fixture.module.config().reservationMillis() + 1);
        fixture.module.maintain();
        assertEquals(0, slotExposure());
    }

    @Test
    void aWinNoticeKeepsTheReservationForTheBillingNoticeBeyondTheShortTimeout() {
        final JsonObject bid = bid("USD");
        final long reserved = slotExposure();
        http.get(path(bid.getString("nurl")).replace("${AUCTION_PRICE}", "1").replace("${AUCTION_ID}", "r1")
            .replace("${AUCTION_IMP_ID}", "1"));
        fixture.clock.advance(fixture.module.config().reservationMillis() + 1);
        fixture.module.maintain();
        assertEquals(reserved, slotExposure(), "still reserved: a win means a bill is coming");
        fixture.clock.advance(fixture.module.config().wonReservationMillis());
        fixture.module.maintain();
        assertEquals(0, slotExposure(), "released after the won-reservation timeout");
    }

    @Test
    void clicksAndConversionsAreRewardsForTheCreativesPosteriors() {
        final JsonObject bid = bid("USD");
        final String token = ResponseChecks.token(bid.getString("burl"));
        final PosteriorTable table = fixture.table;
        assertEquals(200, http.get("/rtb/click?t=" + token).status());
        assertEquals(200, http.get("/rtb/click?t=" + token).status());
        assertEquals(200, http.get("/rtb/conversion?t=" + token).status());
        assertEquals(1, table.successes(campaign.creatives()[0].ctrArm()), "one click, despite two notices");
        assertEquals(1, table.trials(campaign.creatives()[0].cvrArm()), "a click is a conversion trial");
        assertEquals(1, table.successes(campaign.creatives()[0].cvrArm()));
        assertEquals(1, fixture.outcomes.count(OutcomeKind.CLICK));
        assertEquals(1, fixture.outcomes.count(OutcomeKind.CONVERSION));
        assertTrue(bid.getString("adm").contains("/rtb/click?t=" + token));
    }

    @Test
    void forgedTamperedOrMissingTokensAre400AndExpiredOnes422() {
        final JsonObject bid = bid("USD");
        final String token = ResponseChecks.token(bid.getString("burl"));
        assertEquals(400, http.get("/rtb/bill?p=1").status());
        assertEquals(400, http.get("/rtb/bill?t=nonsense&p=1").status());
        final String tampered = token.replace(".a.", ".b.");
        assertEquals(400, http.get("/rtb/bill?t=" + tampered + "&p=1").status());
        assertEquals(400, http.get("/rtb/bill?t=" + token + "&p=abc").status());
        fixture.clock.advance(fixture.module.config().noticeWindowMillis() + 1);
        assertEquals(422, http.get("/rtb/win?t=" + token + "&p=1").status());
        assertEquals(0, fixture.outcomes.appended.size(), "nothing refused reaches the log");
    }

    @Test
    void aNoticeThatCannotBeJournaledChangesNothingAndCanBeRetried() {
        final JsonObject bid = bid("USD");
        final String bill = path(bid.getString("burl")).replace("${AUCTION_PRICE}", "1");
        fixture.outcomes.full = true;
        assertEquals(503, http.get(bill).status());
        assertEquals(0, fixture.ledger.dailySpent(campaign.slot()));
        fixture.outcomes.full = false;
        assertEquals("{\"status\":\"accepted\"}", http.get(bill).body().toString());
        assertEquals(1_000, fixture.ledger.dailySpent(campaign.slot()));
    }

    @Test
    void anUnsubstitutedPriceMacroIsChargedAtTheBidConservatively() {
        final JsonObject bid = bid("USD");
        // as an exchange that forgot to substitute it would send it (URL-encoded by the HTTP client)
        http.get(path(bid.getString("burl")).replace("${AUCTION_PRICE}", "%24%7BAUCTION_PRICE%7D"));
        assertEquals(Math.round(bid.getDouble("price") * 1000), fixture.ledger.dailySpent(campaign.slot()), 2);
    }
}
