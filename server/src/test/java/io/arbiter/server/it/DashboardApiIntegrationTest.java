package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the dashboard and the browser client rely on, against the full server with its embedded Postgres: CORS on
 * decide and reward (a reward sent as text/plain, as sendBeacon does, is learned from), never on the admin API; the
 * history endpoints count exactly the traffic sent; the bidder's win-rate report; bad parameters are 400s.
 */
class DashboardApiIntegrationTest {
    private static final String ORIGIN = "http://page.example:9000";

    @TempDir
    static Path dataDir;
    static TestServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        server = TestServer.start(TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", defaults.getJsonObject("bidding")).put("campaigns", defaults.getJsonArray("campaigns"))
            .put("history", new JsonObject().put("sampleInterval", "PT0.2S")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(String method, String path, String contentType, String body,
                                             String... headers) throws Exception {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPageOnAnotherOriginDecidesAndRewardsAsTextPlainButNeverReachesTheAdminApi() throws Exception {
        final HttpResponse<String> preflight = send("OPTIONS", "/v1/decide", null, null, "Origin", ORIGIN,
            "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");
        assertEquals(204, preflight.statusCode(), preflight.body());
        assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));

        final HttpResponse<String> decided = send("POST", "/v1/decide", "application/json",
            "{\"experiment\":\"revenue\",\"unit\":\"u-cors\"}", "Origin", ORIGIN);
        assertEquals(200, decided.statusCode(), decided.body());
        assertEquals("*", decided.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        final JsonObject decision = new JsonObject(decided.body());
        final double before = rewardsOf(server.stats("revenue"), decision.getString("variant"));

        final HttpResponse<String> beacon = send("POST", "/v1/reward", "text/plain;charset=UTF-8",
            new JsonObject().put("decisionId", decision.getString("decisionId")).put("reward", 2.5).encode(),
            "Origin", ORIGIN);
        assertEquals(202, beacon.statusCode(), beacon.body());
        assertEquals("*", beacon.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertEquals(before + 1, rewardsOf(server.stats("revenue"), decision.getString("variant")),
            "the text/plain reward was learned from");
        final HttpResponse<String> form = send("POST", "/v1/reward", "application/x-www-form-urlencoded", "a=1");
        assertEquals(415, form.statusCode());

        final HttpResponse<String> adminPreflight = send("OPTIONS", "/v1/experiments", null, null, "Origin", ORIGIN,
            "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization");
        assertEquals(403, adminPreflight.statusCode());
        assertFalse(adminPreflight.headers().firstValue("Access-Control-Allow-Origin").isPresent());
        final HttpResponse<String> bidPreflight = send("OPTIONS", "/openrtb2/bid", null, null, "Origin", ORIGIN,
            "Access-Control-Request-Method", "POST");
        assertEquals(403, bidPreflight.statusCode());
    }

    private static double rewardsOf(JsonObject stats, String variant) {
        for (final Object o : stats.getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) o;
            if (v.getString("variant").equals(variant)) {
                return v.getLong("rewards");
            }
        }
        throw new AssertionError("no variant " + variant + " in " + stats);
    }

    @Test
    void experimentHistoryCountsExactlyTheDecisionsMade() throws Exception {
        final JsonObject first = history("/v1/experiments/hero/history");
        final long before = totalDecisions(first);
        final int sent = 40;
        for (int i = 0; i < sent; i++) {
            final JsonObject d = server.decide("hero", "h-" + i);
            if (i % 4 == 0) {
                assertEquals(202, server.reward(d.getString("decisionId"), 1).statusCode());
            }
        }
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonObject after = first;
        while (totalDecisions(after) - before < sent && System.nanoTime() < deadline) {
            Thread.sleep(100);
            after = history("/v1/experiments/hero/history");
        }
        assertEquals(sent, totalDecisions(after) - before, "every decision lands in exactly one interval: " + after);
        assertEquals(new JsonArray().add("A").add("B").add("C"), after.getJsonArray("variants"));
        final JsonArray t = after.getJsonArray("t");
        assertEquals(t.size(), after.getJsonObject("share").getJsonArray("A").size());
        assertEquals(200L, after.getLong("intervalMillis"));
        double bestSum = 0;
        for (final String v : new String[] {"A", "B", "C"}) {
            final JsonArray best = after.getJsonObject("probabilityBest").getJsonArray(v);
            bestSum += best.getDouble(best.size() - 1);
        }
        assertEquals(1.0, bestSum, 1e-6, "probabilities of being best sum to one");
        assertEquals(1000L * 60 * 5, history("/v1/experiments/hero/history?range=24h").getLong("intervalMillis"),
            "24h: the coarse points, 5 minutes apart");

        final HttpResponse<String> bad = server.admin("GET", "/v1/experiments/hero/history?range=7d", null);
        assertEquals(400, bad.statusCode());
        assertEquals("range", new JsonObject(bad.body()).getString("field"));
        assertEquals(404, server.admin("GET", "/v1/experiments/none/history", null).statusCode());
        assertEquals(401, server.get("/v1/experiments/hero/history").statusCode(), "admin only");
    }

    private static long totalDecisions(JsonObject history) {
        long total = 0;
        final JsonObject decisions = history.getJsonObject("decisions");
        if (decisions == null) {
            return 0;
        }
        for (final String v : decisions.fieldNames()) {
            for (final Object n : decisions.getJsonArray(v)) {
                total += ((Number) n).longValue();
            }
        }
        return total;
    }

    private static JsonObject history(String path) throws Exception {
        final HttpResponse<String> response = server.admin("GET", path, null);
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body());
    }

    @Test
    void campaignHistoryAndWinRateCurvesAreServed() throws Exception {
        Thread.sleep(500);
        final JsonObject campaign = history("/v1/campaigns/spring-sale/history");
        assertTrue(campaign.getBoolean("tracked"), campaign.encode());
        assertEquals(500.0, campaign.getDouble("dailyBudget"), 1e-9);
        assertEquals("USD", campaign.getString("currency"));
        final JsonArray schedule = campaign.getJsonArray("schedule");
        assertFalse(schedule.isEmpty());
        assertTrue(schedule.getDouble(0) >= 0 && schedule.getDouble(0) <= 500.0);
        assertEquals(404, server.admin("GET", "/v1/campaigns/none/history", null).statusCode());
        final String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("arbiter_history_series") && metrics.contains("arbiter_history_untracked"),
            "the history's metrics are published");

        final JsonObject curves = history("/v1/bidder/win-rate?contexts=3");
        assertFalse(curves.getBoolean("trained"), "no notices yet");
        assertEquals("bidder", curves.getJsonArray("curves").getJsonObject(0).getString("context"));
        assertNull(curves.getJsonArray("curves").getJsonObject(0).getJsonArray("winRate"), "no curve before training");
        assertEquals(0, curves.getJsonArray("curves").getJsonObject(0).getInteger("level"), "the bidder-wide level");
        assertEquals("PT2H", curves.getString("halfLife"), "the counts' half-life");
        final HttpResponse<String> bad = server.admin("GET", "/v1/bidder/win-rate?contexts=-1", null);
        assertEquals(400, bad.statusCode());
        assertEquals("contexts", new JsonObject(bad.body()).getString("field"));
    }
}
