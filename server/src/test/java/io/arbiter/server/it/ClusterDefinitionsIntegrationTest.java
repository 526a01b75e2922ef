package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Definitions are shared: experiments and campaigns written through one node's admin API are served by the other
 * nodes (in one JVM, on one Postgres: the first node's embedded one) within a second of the commit, by
 * {@code LISTEN}/{@code NOTIFY}; with the notification lost, by the periodic re-read. Experiments created on two nodes
 * at the same moment get each node's own arms, and the rewards land on the right variants everywhere.
 */
class ClusterDefinitionsIntegrationTest {

    /** The bound for "served by every node", with the admin answer already in hand. */
    private static final Duration SERVED_WITHIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private static JsonObject node(Path dataDir, String nodeId, String pgUrl, String reread) throws Exception {
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", defaults.getJsonObject("bidding")).put("campaigns", new JsonArray());
        config.put("cluster", new JsonObject().put("nodeId", nodeId).put("syncInterval", "PT0.5S")
            .put("definitionReread", reread));
        if (pgUrl != null) {
            config.put("postgres", new JsonObject().put("url", pgUrl));
        }
        return config;
    }

    /** Polls {@code server}'s admin view of the experiment until {@code test} holds; the milliseconds it took. */
    private static long awaitExperiment(TestServer server, String id, Predicate<JsonObject> test, Duration within,
                                        String what) throws Exception {
        final long started = System.nanoTime();
        final long deadline = started + within.toNanos();
        JsonObject seen = null;
        while (System.nanoTime() < deadline) {
            final HttpResponse<String> response = server.admin("GET", "/v1/experiments/" + id, null);
            if (response.statusCode() == 200) {
                seen = new JsonObject(response.body());
                if (test.test(seen)) {
                    final long millis = (System.nanoTime() - started) / 1_000_000;
                    System.out.println(what + ": served after " + millis + " ms");
                    return millis;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError(what + ": not served within " + within + "; last seen " + seen);
    }

    private static HttpResponse<String> put(TestServer server, String id, JsonObject definition) throws Exception {
        return server.admin("PUT", "/v1/experiments/" + id, definition.encode());
    }

    private static JsonObject experiment(String... variants) {
        return new JsonObject().put("variants", new JsonArray(List.of((Object[]) variants)));
    }

    /** Rewards per variant of {@code experiment} as {@code server}'s posterior counts them. */
    private static Map<String, Long> rewards(TestServer server, String experiment) throws Exception {
        final Map<String, Long> counts = new HashMap<>();
        for (final Object v : server.stats(experiment).getJsonArray("variantStats")) {
            final JsonObject stats = (JsonObject) v;
            counts.put(stats.getString("variant"), stats.getLong("rewards"));
        }
        return counts;
    }

    /** Decides and rewards n times; a success (1) exactly for {@code winner}. The rewards sent per variant. */
    private static Map<String, Long> decideAndReward(TestServer server, String experiment, int n, String unitPrefix,
                                                     String winner) throws Exception {
        final Map<String, Long> sent = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final JsonObject decision = server.decide(experiment, unitPrefix + i);
            final String variant = decision.getString("variant");
            assertEquals(202, server.reward(decision.getString("decisionId"), winner.equals(variant) ? 1 : 0)
                .statusCode());
            sent.merge(variant, 1L, Long::sum);
        }
        return sent;
    }

    private static Map<String, Long> merged(Map<String, Long> a, Map<String, Long> b, String... variants) {
        final Map<String, Long> total = new HashMap<>();
        for (final String v : variants) {
            total.put(v, 0L);
        }
        a.forEach((k, v) -> total.merge(k, v, Long::sum));
        b.forEach((k, v) -> total.merge(k, v, Long::sum));
        return total;
    }

    private static void awaitRewards(TestServer server, String experiment, Map<String, Long> expected, String what)
        throws Exception {
        Await.equal(expected, () -> rewards(server, experiment), Duration.ofSeconds(15), what);
    }

    /**
     * On {@code server}: each variant's decisions are the ones it decided there (decisions are not shared), and the
     * successes are all on {@code winner}, as many as its rewards.
     */
    private static void assertCounts(TestServer server, String experiment, Map<String, Long> decidedHere,
                                     String winner, Map<String, Long> rewarded) throws Exception {
        for (final Object v : server.stats(experiment).getJsonArray("variantStats")) {
            final JsonObject stats = (JsonObject) v;
            final String variant = stats.getString("variant");
            assertEquals(decidedHere.getOrDefault(variant, 0L), stats.getLong("decisions"),
                experiment + "/" + variant + " decisions on node " + server.app.nodeId());
            assertEquals(winner.equals(variant) ? rewarded.get(variant) : 0L, stats.getLong("successes"),
                experiment + "/" + variant + " successes on node " + server.app.nodeId());
        }
    }

    /** Every arm this node's admin API shows, over every experiment: no two variants may share one. */
    private static void assertDistinctArms(TestServer server) throws Exception {
        final JsonArray all = new JsonObject(server.admin("GET", "/v1/experiments", null).body())
            .getJsonArray("experiments");
        final Set<Integer> arms = new HashSet<>();
        int count = 0;
        for (final Object e : all) {
            final JsonObject arm = ((JsonObject) e).getJsonObject("arms");
            for (final String variant : arm.fieldNames()) {
                arms.add(arm.getInteger(variant));
                count++;
            }
        }
        assertEquals(count, arms.size(), "every variant of every experiment has an arm of its own: " + all);
    }

    private static JsonObject campaign(String id) throws Exception {
        final JsonObject template = new JsonObject(Files.readString(Path.of("..", "config", "server.json")))
            .getJsonArray("campaigns").getJsonObject(0).copy();
        return template.put("id", id).put("maxCpm", 20).put("frequencyCap", new JsonObject().put("count", 1000)
            .put("period", "PT1H")).put("ctrPrior", new JsonObject().put("alpha", 5000).put("beta", 995000));
    }

    /** Whether {@code server} bids for {@code campaign} on a 300x250 banner within 20 requests. */
    /** Bidding also needs the campaign's first budget lease, which a node takes as the campaign arrives. */
    private static boolean bidsBefore(TestServer server, String campaign, long deadlineNanos) throws Exception {
        boolean bids = bidsFor(server, campaign);
        while (!bids && System.nanoTime() < deadlineNanos) {
            Thread.sleep(20);
            bids = bidsFor(server, campaign);
        }
        return bids;
    }

    private static boolean bidsFor(TestServer server, String campaign) throws Exception {
        final String request = Files.readString(Path.of("src", "test", "resources", "openrtb", "iab-examples",
            "bid-requests", "simple-banner.json"));
        for (int attempt = 0; attempt < 20; attempt++) {
            final JsonObject body = new JsonObject(request).put("id", "defs-" + attempt);
            final HttpResponse<String> response = server.post("/openrtb2/bid", body.encode());
            if (response.statusCode() == 200 && campaign.equals(new JsonObject(response.body())
                .getJsonArray("seatbid").getJsonObject(0).getJsonArray("bid").getJsonObject(0).getString("cid"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void definitionsWrittenOnOneNodeAreServedByEveryNodeWithinASecondAndArmsStayEachNodesOwn() throws Exception {
        // The re-read is far away: whatever arrives within the test's bounds arrived by NOTIFY.
        try (TestServer one = TestServer.start(node(dir.resolve("one"), "one", null, "PT10M"))) {
            final String url = one.app.embeddedPostgres().url();
            try (TestServer two = TestServer.start(node(dir.resolve("two"), "two", url, "PT10M"));
                 TestServer three = TestServer.start(node(dir.resolve("three"), "three", url, "PT10M"))) {
                // Created on node two, served by node three (and one) within 2 s.
                assertEquals(404, three.post("/v1/decide", new JsonObject().put("experiment", "fresh")
                    .put("unit", "u").encode()).statusCode());
                assertEquals(201, put(two, "fresh", experiment("A", "B")).statusCode());
                awaitExperiment(three, "fresh", e -> true, SERVED_WITHIN, "created on two, on three");
                awaitExperiment(one, "fresh", e -> true, SERVED_WITHIN, "created on two, on one");
                assertEquals(200, three.post("/v1/decide", new JsonObject().put("experiment", "fresh")
                    .put("unit", "u").encode()).statusCode());

                // Paused on node one: node three answers the default, as paused.
                assertEquals(200, one.admin("POST", "/v1/experiments/fresh/pause", null).statusCode());
                awaitExperiment(three, "fresh", e -> "paused".equals(e.getString("status")), SERVED_WITHIN,
                    "paused on one, on three");
                // A variant added and the prior changed on node three: nodes one and two serve it.
                assertEquals(200, put(three, "fresh", experiment("A", "B", "C")
                    .put("prior", new JsonObject().put("alpha", 2.0).put("beta", 30.0))).statusCode());
                final Predicate<JsonObject> changed = e -> e.getJsonArray("variants").size() == 3
                    && e.getJsonObject("prior").getDouble("beta") == 30.0 && "active".equals(e.getString("status"));
                awaitExperiment(one, "fresh", changed, SERVED_WITHIN, "variant and prior changed on three, on one");
                awaitExperiment(two, "fresh", changed, SERVED_WITHIN, "variant and prior changed on three, on two");
                boolean servedC = false;
                for (int i = 0; i < 200 && !servedC; i++) {
                    servedC = "C".equals(two.decide("fresh", "c-" + i).getString("variant"));
                }
                assertTrue(servedC, "node two decides the variant added on node three");
                // The retired variant stays known: removed on one, its arm kept on every node.
                assertEquals(200, put(one, "fresh", experiment("A", "C")).statusCode());
                awaitExperiment(two, "fresh", e -> e.getJsonArray("variants").size() == 2
                    && e.getJsonArray("retired", new JsonArray()).contains("B")
                    && e.getJsonObject("arms").containsKey("B"), SERVED_WITHIN, "a variant retired on one, on two");

                // A campaign created on node one bids on node two.
                assertFalse(bidsFor(two, "shared-sale"), "no such campaign yet");
                assertEquals(201, one.admin("PUT", "/v1/campaigns/shared-sale", campaign("shared-sale").encode())
                    .statusCode());
                final long deadline = System.nanoTime() + SERVED_WITHIN.toNanos();
                while (two.admin("GET", "/v1/campaigns/shared-sale", null).statusCode() != 200
                    && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(200, two.admin("GET", "/v1/campaigns/shared-sale", null).statusCode(),
                    "the campaign reached node two within " + SERVED_WITHIN);
                assertTrue(bidsBefore(two, "shared-sale", deadline),
                    "node two bids for the campaign created on node one within " + SERVED_WITHIN);

                // Two nodes create experiments at the same moment: each node gives every variant an arm of its own.
                final CompletableFuture<HttpResponse<String>> left = CompletableFuture.supplyAsync(() -> {
                    try {
                        return put(two, "left", experiment("L1", "L2"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                final CompletableFuture<HttpResponse<String>> right = CompletableFuture.supplyAsync(() -> {
                    try {
                        return put(three, "right", experiment("R1", "R2", "R3"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertEquals(201, left.get(30, TimeUnit.SECONDS).statusCode());
                assertEquals(201, right.get(30, TimeUnit.SECONDS).statusCode());
                for (final TestServer node : List.of(one, two, three)) {
                    awaitExperiment(node, "left", e -> true, SERVED_WITHIN, "left, on node " + node.app.nodeId());
                    awaitExperiment(node, "right", e -> true, SERVED_WITHIN, "right, on node " + node.app.nodeId());
                    assertDistinctArms(node);
                }
                // Decisions and rewards on both creating nodes, for both experiments: every node counts each reward
                // once, on the variant it was for.
                final Map<String, Long> leftOnTwo = decideAndReward(two, "left", 30, "l2-", "L2");
                final Map<String, Long> leftOnThree = decideAndReward(three, "left", 30, "l3-", "L2");
                final Map<String, Long> rightOnTwo = decideAndReward(two, "right", 30, "r2-", "R1");
                final Map<String, Long> rightOnThree = decideAndReward(three, "right", 30, "r3-", "R1");
                two.awaitShipped(Duration.ofSeconds(30));
                three.awaitShipped(Duration.ofSeconds(30));
                final Map<String, Long> leftAll = merged(leftOnTwo, leftOnThree, "L1", "L2");
                final Map<String, Long> rightAll = merged(rightOnTwo, rightOnThree, "R1", "R2", "R3");
                for (final TestServer node : List.of(one, two, three)) {
                    awaitRewards(node, "left", leftAll, "left's rewards on node " + node.app.nodeId());
                    awaitRewards(node, "right", rightAll, "right's rewards on node " + node.app.nodeId());
                }
                // Each creating node's own decisions, and every success on the winner only: no arm is shared.
                assertCounts(two, "left", leftOnTwo, "L2", leftAll);
                assertCounts(three, "left", leftOnThree, "L2", leftAll);
                assertCounts(two, "right", rightOnTwo, "R1", rightAll);
                assertCounts(three, "right", rightOnThree, "R1", rightAll);
            }
            assertTrue(Files.exists(dir.resolve("two").resolve("experiment-arms.json")), "node two's arms are kept");
        }
    }

    private static double listening(TestServer server) throws Exception {
        for (final String line : server.get("/metrics").body().split("\n")) {
            if (line.startsWith("arbiter_cluster_definitions_listening ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no arbiter_cluster_definitions_listening in /metrics");
    }

    private static void awaitListening(TestServer server, double expected, String what) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (listening(server) != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, listening(server), what);
    }

    @Test
    void aNodeWhoseListeningConnectionDiesListensAgainAndServesWhatItMissed() throws Exception {
        // The periodic re-read is far away: what the node missed while not listening comes from the re-read it does
        // when it listens again.
        try (TestServer one = TestServer.start(node(dir.resolve("one"), "one", null, "PT10M"))) {
            final String url = one.app.embeddedPostgres().url();
            try (TestServer two = TestServer.start(node(dir.resolve("two"), "two", url, "PT10M"))) {
                awaitListening(two, 1.0, "node two listens after its start");
                // Every LISTENing connection is cut (the other nodes' pools are left alone).
                one.app.pool().query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()").execute()
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                awaitListening(two, 0.0, "node two notices it no longer listens");
                assertEquals(201, put(one, "missed", experiment("A", "B")).statusCode()); // notified to nobody
                awaitExperiment(two, "missed", e -> true, Duration.ofSeconds(10), "written while node two was not "
                    + "listening, on two");
                awaitListening(two, 1.0, "node two listens again");
                assertEquals(200, one.admin("POST", "/v1/experiments/missed/pause", null).statusCode());
                awaitExperiment(two, "missed", e -> "paused".equals(e.getString("status")), SERVED_WITHIN,
                    "paused once node two listens again, on two");
            }
        }
    }

    @Test
    void aNodeThatLostItsArmsFileRebuildsItsPosteriorsFromPostgres() throws Exception {
        final Path data = dir.resolve("alone");
        final Map<String, Long> sent;
        try (TestServer server = TestServer.start(node(data, "alone", null, "PT30S"))) {
            assertEquals(201, put(server, "kept", experiment("K1", "K2")).statusCode());
            sent = decideAndReward(server, "kept", 40, "k-", "K2");
            server.awaitShipped(Duration.ofSeconds(30));
            assertEquals(merged(sent, Map.of(), "K1", "K2"), rewards(server, "kept"));
        }
        Files.delete(data.resolve("experiment-arms.json")); // the table file was closed cleanly and is still there
        try (TestServer again = TestServer.start(node(data, "alone", null, "PT30S"))) {
            assertEquals(merged(sent, Map.of(), "K1", "K2"), rewards(again, "kept"),
                "rebuilt from Postgres's aggregates on the node's new arms");
            assertDistinctArms(again);
        }
    }

    @Test
    void theRereadServesAChangeWhoseNotificationWasLost() throws Exception {
        try (TestServer one = TestServer.start(node(dir.resolve("one"), "one", null, "PT1S"))) {
            final String url = one.app.embeddedPostgres().url();
            try (TestServer two = TestServer.start(node(dir.resolve("two"), "two", url, "PT1S"))) {
                assertEquals(201, put(one, "quiet", experiment("A", "B")).statusCode());
                awaitExperiment(two, "quiet", e -> true, Duration.ofSeconds(5), "created on one, on two");
                // A write whose notification never goes out: the row changes (and gets a new version) in silence.
                one.app.pool().query("ALTER TABLE experiments DISABLE TRIGGER experiments_notify").execute()
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                try {
                    assertEquals(200, one.admin("POST", "/v1/experiments/quiet/pause", null).statusCode());
                    final long millis = awaitExperiment(two, "quiet", e -> "paused".equals(e.getString("status")),
                        Duration.ofSeconds(5), "paused on one without a notification, on two");
                    System.out.println("re-read every 1 s: the silent change was served after " + millis + " ms");
                } finally {
                    one.app.pool().query("ALTER TABLE experiments ENABLE TRIGGER experiments_notify").execute()
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                }
            }
        }
    }
}
