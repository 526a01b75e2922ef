package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What docs/deploy.md promises for frequency caps on several nodes, on two nodes (in one JVM) sharing one Postgres:
 * counts are kept per node, so a unit (a user) the load balancer always sends to the same node is held to the cap
 * exactly, and a unit whose requests alternate between the two nodes sees a variant (a campaign's ad) at most twice
 * the cap, and here more than once the cap, which is why the guarantee is stated as N times the cap.
 */
class FrequencyCapClusterIntegrationTest {

    private static final int CAP = 2;

    @TempDir
    Path dir;

    private static JsonObject node(Path dataDir, String nodeId, String pgUrl) throws Exception {
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        final JsonObject campaign = defaults.getJsonArray("campaigns").getJsonObject(0).copy()
            .put("frequencyCap", new JsonObject().put("count", CAP).put("period", "PT1H"));
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", defaults.getJsonObject("bidding")).put("campaigns", new JsonArray().add(campaign));
        config.getJsonArray("experiments").add(new JsonObject().put("id", "capped")
            .put("variants", new JsonArray().add("A").add("B").add("C")).put("whenAllCapped", "noContent")
            .put("frequencyCap", new JsonObject().put("count", CAP).put("period", "PT1H")));
        config.put("cluster", new JsonObject().put("nodeId", nodeId));
        if (pgUrl != null) {
            config.put("postgres", new JsonObject().put("url", pgUrl));
        }
        return config;
    }

    /** Decides "capped" for {@code unit} on the given nodes in turn, 10 times each; shown variants counted. */
    private static Map<String, Integer> shown(String unit, List<TestServer> route) throws Exception {
        final Map<String, Integer> shown = new HashMap<>();
        for (int i = 0; i < 10 * route.size(); i++) {
            final HttpResponse<String> response = route.get(i % route.size()).post("/v1/decide",
                new JsonObject().put("experiment", "capped").put("unit", unit).encode());
            if (response.statusCode() == 200) {
                shown.merge(new JsonObject(response.body()).getString("variant"), 1, Integer::sum);
            } else {
                assertEquals(204, response.statusCode(), response.body()); // every variant capped for this unit
            }
        }
        return shown;
    }

    /**
     * Sends bid requests for {@code user} to the nodes in turn and bills every bid won on the node that made it (its
     * billing notice URL); answers the billed impressions. A bid can be missing for other reasons (a sampled price
     * under the floor), so each node gets many requests.
     */
    private static int billed(String user, List<TestServer> route, String request) throws Exception {
        int billed = 0;
        for (int i = 0; i < 40 * route.size(); i++) {
            final TestServer node = route.get(i % route.size());
            final JsonObject body = new JsonObject(request).put("id", user + "-" + i);
            body.getJsonObject("user").put("id", user);
            body.getJsonArray("imp").getJsonObject(0).put("bidfloor", 0.0001);
            final HttpResponse<String> response = node.post("/openrtb2/bid", body.encode());
            assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
            if (response.statusCode() == 200) {
                final JsonObject bid = new JsonObject(response.body()).getJsonArray("seatbid").getJsonObject(0)
                    .getJsonArray("bid").getJsonObject(0);
                final String burl = bid.getString("burl");
                assertTrue(burl.contains(":" + node.port + "/"), "billed on the node that bid: " + burl);
                final HttpResponse<String> bill = node.get(burl.substring(burl.indexOf("/rtb/"))
                    .replace("${AUCTION_PRICE}", "0.01").replace("${AUCTION_ID}", body.getString("id"))
                    .replace("${AUCTION_IMP_ID}", "1"));
                assertEquals(200, bill.statusCode(), bill.body());
                billed++;
            }
        }
        return billed;
    }

    @Test
    void capsAreExactPerNodeAndAtMostNTimesTheCapAcrossNodes() throws Exception {
        final String request = Files.readString(Path.of("src", "test", "resources", "openrtb", "iab-examples",
            "bid-requests", "simple-banner.json"));
        try (TestServer one = TestServer.start(node(dir.resolve("one"), "one", null));
             TestServer two = TestServer.start(node(dir.resolve("two"), "two", one.app.embeddedPostgres().url()))) {
            // Routed by unit: one node sees all of the unit's requests and holds each variant to the cap.
            final Map<String, Integer> routed = shown("routed-unit", List.of(one));
            assertEquals(Map.of("A", CAP, "B", CAP, "C", CAP), routed, "one node: every variant exactly at the cap");

            // Alternating between two nodes: each node holds its own count, so up to 2 x the cap, and here beyond 1 x.
            final Map<String, Integer> alternated = shown("roaming-unit", List.of(one, two));
            for (final Map.Entry<String, Integer> variant : alternated.entrySet()) {
                assertTrue(variant.getValue() <= 2 * CAP, "at most N x cap: " + alternated);
            }
            assertEquals(Map.of("A", 2 * CAP, "B", 2 * CAP, "C", 2 * CAP), alternated,
                "two nodes that do not share counts: each variant twice the cap");

            // The bidder's campaign cap (billed impressions per user and campaign) behaves the same way.
            assertEquals(CAP, billed("routed-user", List.of(one), request), "one node: billed exactly at the cap");
            final int roaming = billed("roaming-user", List.of(one, two), request);
            assertTrue(roaming > CAP && roaming <= 2 * CAP, "two nodes: above the cap, at most twice it: " + roaming);
        }
    }
}
