package io.arbiter.server.it;

import io.arbiter.server.bid.BidModule;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignSlots;
import io.arbiter.server.bid.pricing.ClickRateContexts;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The click-rate multipliers survive a clean restart of the full server (embedded Postgres, the demo campaigns of
 * config/server.json): banner bids on six sites, every one billed, the bids on two of them clicked; after the restart
 * every campaign's multiplier on every site is what it was before, to the last bit. A restart that finds
 * {@code campaign-slots.json} gone drops them (they are keyed by the slots it gave out) and every multiplier is 1.
 */
class ClickRateRestartIntegrationTest {
    private static final Pattern CLICK_URL = Pattern.compile("/rtb/click\\?t=[^\"'&<\\s]+");
    private static final int SITES = 6;
    private static final int BIDS_PER_SITE = 4;

    @TempDir
    Path dataDir;

    @Test
    void everyMultiplierIsTheSameAfterACleanRestart() throws Exception {
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        final JsonObject bidding = defaults.getJsonObject("bidding").copy().put("ctrContextStrength", 5);
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", bidding).put("campaigns", defaults.getJsonArray("campaigns"));
        final String request = Files.readString(Path.of("src", "test", "resources", "openrtb", "iab-examples",
            "bid-requests", "simple-banner.json"));
        final Map<String, Double> before;
        try (TestServer server = TestServer.start(config)) {
            int clicks = 0;
            for (int site = 0; site < SITES; site++) {
                for (int n = 0, attempt = 0; n < BIDS_PER_SITE && attempt < 40; attempt++) {
                    final JsonObject body = new JsonObject(request);
                    body.put("id", "ctr-" + site + "-" + attempt);
                    body.getJsonObject("site").put("domain", domain(site));
                    body.getJsonObject("user").put("id", "user-" + site + "-" + attempt); // no frequency cap
                    final HttpResponse<String> response = server.post("/openrtb2/bid", body.encode());
                    assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                    if (response.statusCode() != 200) {
                        continue; // a sampled price below the floor
                    }
                    final JsonObject bid = new JsonObject(response.body()).getJsonArray("seatbid").getJsonObject(0)
                        .getJsonArray("bid").getJsonObject(0);
                    final double clearing = Math.floor(bid.getDouble("price") * 50) / 100.0;
                    final HttpResponse<String> bill = notice(server, bid.getString("burl"), clearing);
                    assertEquals(200, bill.statusCode(), bill.body());
                    if (site < 2) {
                        final Matcher click = CLICK_URL.matcher(bid.getString("adm"));
                        assertTrue(click.find(), "the markup carries a click URL: " + bid.getString("adm"));
                        assertEquals(200, server.get(click.group()).statusCode());
                        clicks++;
                    }
                    n++;
                }
            }
            assertTrue(clicks > 0, "some bids were clicked");
            before = multipliers(server.app.bidModule());
            final double least = before.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            final double most = before.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            assertTrue(least < 0.9 && most > 1.5, "the sites with clicks bid up, the others down: " + before);
        }
        assertTrue(Files.exists(dataDir.resolve(BidModule.CLICK_RATE_FILE)));
        try (TestServer server = TestServer.start(config)) {
            final BidModule module = server.app.bidModule();
            assertTrue(module.clickContexts().wasCleanlyClosed(), "the stop closed the file cleanly");
            assertEquals(before, multipliers(module), "every multiplier survives the restart");
        }
        // without the slots file the campaigns get slots afresh, so multipliers keyed by the old ones are dropped
        Files.delete(dataDir.resolve(CampaignSlots.FILE));
        try (TestServer server = TestServer.start(config)) {
            final BidModule module = server.app.bidModule();
            assertFalse(module.clickContexts().wasCleanlyClosed(), "a new file");
            assertEquals(0, module.clickContexts().size());
            for (final Map.Entry<String, Double> m : multipliers(module).entrySet()) {
                assertEquals(1.0, m.getValue(), 0.0, m.getKey());
            }
        }
    }

    private static String domain(int site) {
        return "site" + site + ".example";
    }

    /** Every campaign's multiplier on every site, by "campaign@site". */
    private static Map<String, Double> multipliers(BidModule module) {
        final ClickRateContexts contexts = module.clickContexts();
        final Map<String, Double> out = new TreeMap<>();
        for (final Campaign campaign : module.registry().all()) {
            for (int site = 0; site < SITES; site++) {
                final long context = WinRateCurve.context(false, domain(site), 300, 250, 1);
                out.put(campaign.id() + "@" + site, contexts.multiplier(campaign.slot(), context));
            }
        }
        return out;
    }

    private static HttpResponse<String> notice(TestServer server, String url, double price) throws Exception {
        final String path = url.substring(url.indexOf("/rtb/"))
            .replace("${AUCTION_PRICE}", Double.toString(price))
            .replace("${AUCTION_ID}", "auction-1").replace("${AUCTION_IMP_ID}", "1")
            .replace("${AUCTION_LOSS}", "0");
        return server.get(path);
    }
}
