package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bid path end to end in the full server with its embedded Postgres and the demo campaigns of
 * config/server.json: bid, then win, billing and click notices; the notices reach Postgres through the outcome
 * pipeline, a repeated billing notice charges nothing, and the campaign's spend survives a restart.
 */
class BidIntegrationTest {
    private static final Pattern CLICK_URL = Pattern.compile("/rtb/click\\?t=[^\"'&<\\s]+");

    @TempDir
    Path dataDir;

    @Test
    void bidNoticesReachPostgresAndSpendSurvivesARestart() throws Exception {
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", defaults.getJsonObject("bidding")).put("campaigns", defaults.getJsonArray("campaigns"));
        final String request = Files.readString(Path.of("src", "test", "resources", "openrtb", "iab-examples",
            "bid-requests", "simple-banner.json"));
        final String campaign;
        final double spentBefore;
        final String billUrl;
        final double clearingPrice;
        try (TestServer server = TestServer.start(config)) {
            JsonObject bid = null;
            for (int attempt = 0; attempt < 20 && bid == null; attempt++) { // a sampled price may fall below the floor
                final JsonObject body = new JsonObject(request);
                body.put("id", "it-" + attempt);
                final HttpResponse<String> response = server.post("/openrtb2/bid", body.encode());
                assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                if (response.statusCode() == 200) {
                    bid = new JsonObject(response.body()).getJsonArray("seatbid").getJsonObject(0)
                        .getJsonArray("bid").getJsonObject(0);
                }
            }
            assertTrue(bid != null, "no bid in 20 attempts");
            campaign = bid.getString("cid");
            final double bidPrice = bid.getDouble("price");
            final double clearing = Math.floor(bidPrice * 50) / 100.0; // half the bid, in CPM
            billUrl = bid.getString("burl");
            clearingPrice = clearing;

            assertEquals(200, notice(server, bid.getString("nurl"), clearing).statusCode());
            final HttpResponse<String> bill = notice(server, bid.getString("burl"), clearing);
            assertEquals(200, bill.statusCode(), bill.body());
            final HttpResponse<String> again = notice(server, bid.getString("burl"), clearing);
            assertEquals(200, again.statusCode(), again.body());
            final Matcher click = CLICK_URL.matcher(bid.getString("adm"));
            assertTrue(click.find(), "the markup carries a click URL: " + bid.getString("adm"));
            assertEquals(200, server.get(click.group()).statusCode());

            server.awaitShipped(Duration.ofSeconds(30));
            final RowSet<Row> spend = server.app.pool().preparedQuery(
                    "SELECT trials, reward_sum FROM arm_aggregates WHERE scope = $1")
                .execute(Tuple.of("spend:" + campaign)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
            assertEquals(1, spend.size(), "one creative charged");
            final Row row = spend.iterator().next();
            assertEquals(1, row.getLong("trials"), "the repeated billing notice charged nothing");
            assertEquals(clearing, row.getDouble("reward_sum"), 1e-9, "charged at the clearing price");
            final RowSet<Row> kinds = server.app.pool().query("SELECT kind, count(*) FROM rtb_events GROUP BY kind "
                + "ORDER BY kind").execute().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(3, kinds.size(), "win, bill and click rows");
            spentBefore = dailySpent(server, campaign);
            assertEquals(clearing / 1000.0, spentBefore, 1e-9, "one impression at the clearing price (CPM / 1000)");
            // the dashboard's clearing-price distribution: the one billed impression, in the bucket of its price
            final HttpResponse<String> history = server.admin("GET", "/v1/campaigns/" + campaign + "/history", null);
            assertEquals(200, history.statusCode(), history.body());
            final JsonObject prices = new JsonObject(history.body()).getJsonObject("clearingPrices");
            assertEquals(1, prices.getJsonArray("wins").size(), prices.encode());
            assertEquals(1L, prices.getJsonArray("wins").getLong(0), "the repeated billing notice counted once");
            assertTrue(prices.getJsonArray("edges").getDouble(0) <= clearing
                && clearing < prices.getJsonArray("edges").getDouble(1), prices.encode());
        }
        try (TestServer server = TestServer.start(config)) {
            assertEquals(spentBefore, dailySpent(server, campaign), 1e-9, "spend survives the restart");
            final HttpResponse<String> again = notice(server, billUrl, clearingPrice);
            assertEquals(200, again.statusCode(), again.body());
            assertEquals("duplicate", new JsonObject(again.body()).getString("status"),
                "the bill claimed before the restart is still a duplicate after it");
            assertEquals(spentBefore, dailySpent(server, campaign), 1e-9, "the repeated bill charged nothing");
        }
    }

    private static HttpResponse<String> notice(TestServer server, String url, double price) throws Exception {
        final String path = url.substring(url.indexOf("/rtb/"))
            .replace("${AUCTION_PRICE}", Double.toString(price))
            .replace("${AUCTION_ID}", "auction-1").replace("${AUCTION_IMP_ID}", "1")
            .replace("${AUCTION_LOSS}", "0");
        return server.get(path);
    }

    private static double dailySpent(TestServer server, String campaign) throws Exception {
        final HttpResponse<String> response = server.admin("GET", "/v1/campaigns/" + campaign, null);
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body()).getJsonObject("state").getDouble("dailySpent");
    }
}
