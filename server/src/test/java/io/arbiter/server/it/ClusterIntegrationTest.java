package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three server nodes (in one JVM) on one Postgres (the first's embedded one): rewards taken on one node reach the
 * others' posteriors within about a sync interval and count once on each; a reward repeated on two nodes counts once
 * on all three after the second node's batch; a node restarted cleanly catches up on what the others learned while
 * it was away, without counting anything twice. Segment statistics (a contextual experiment's) are shared the same way.
 */
class ClusterIntegrationTest {

    private static final Duration SYNC_DEADLINE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private static JsonObject node(Path dataDir, String nodeId, String pgUrl) throws Exception {
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.put("cluster", new JsonObject().put("nodeId", nodeId).put("syncInterval", "PT1S"));
        if (pgUrl != null) {
            config.put("postgres", new JsonObject().put("url", pgUrl));
        }
        return config;
    }

    /** Rewards per variant of "hero" as a node's posterior counts them. */
    private static Map<String, Long> trials(TestServer server) throws Exception {
        final Map<String, Long> trials = new HashMap<>();
        for (final Object v : server.stats("hero").getJsonArray("variantStats")) {
            final JsonObject stats = (JsonObject) v;
            trials.put(stats.getString("variant"), stats.getLong("rewards"));
        }
        return trials;
    }

    /** Decides and rewards n times on {@code server} (reward 1 for variant C, else 0); the rewards per variant. */
    private static Map<String, Long> rewardOn(TestServer server, int n, String unitPrefix) throws Exception {
        final Map<String, Long> sent = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final JsonObject decision = server.decide("hero", unitPrefix + i);
            final String variant = decision.getString("variant");
            assertEquals(202, server.reward(decision.getString("decisionId"), "C".equals(variant) ? 1 : 0)
                .statusCode());
            sent.merge(variant, 1L, Long::sum);
        }
        return sent;
    }

    private static void awaitTrials(TestServer server, Map<String, Long> expected, String what) throws Exception {
        Await.equal(expected, () -> trials(server), SYNC_DEADLINE, what);
    }

    private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
        final Map<String, Long> total = new HashMap<>(Map.of("A", 0L, "B", 0L, "C", 0L));
        a.forEach((k, v) -> total.merge(k, v, Long::sum));
        b.forEach((k, v) -> total.merge(k, v, Long::sum));
        return total;
    }

    @Test
    void rewardsOnEitherNodeReachTheOtherAndCountOnce() throws Exception {
        try (TestServer first = TestServer.start(node(dir.resolve("one"), "one", null))) {
            final String url = first.app.embeddedPostgres().url();
            final Map<String, Long> onFirst;
            final Map<String, Long> onSecond;
            try (TestServer second = TestServer.start(node(dir.resolve("two"), "two", url));
                 TestServer third = TestServer.start(node(dir.resolve("three"), "three", url))) {
                assertEquals("two", second.app.nodeId());
                onFirst = rewardOn(first, 60, "u1-");
                first.awaitShipped(Duration.ofSeconds(30));
                awaitTrials(second, sum(onFirst, Map.of()), "rewards of node one on node two");
                awaitTrials(third, sum(onFirst, Map.of()), "rewards of node one on node three");
                assertEquals(sum(onFirst, Map.of()), trials(first), "node one counts its own once");

                onSecond = rewardOn(second, 40, "u2-");
                second.awaitShipped(Duration.ofSeconds(30));
                awaitTrials(first, sum(onFirst, onSecond), "rewards of node two on node one");
                awaitTrials(third, sum(onFirst, onSecond), "rewards of node two on node three");
                Thread.sleep(2_500); // more sync rounds: nothing may be applied twice
                assertEquals(sum(onFirst, onSecond), trials(first));
                assertEquals(sum(onFirst, onSecond), trials(second));
                assertEquals(sum(onFirst, onSecond), trials(third));

                // One decision rewarded on node one, then again on node two (which cannot know yet): both answer
                // 202; after node two's batch and a sync, each node counts it once.
                final JsonObject decision = first.decide("hero", "dup-unit");
                final String id = decision.getString("decisionId");
                assertEquals(202, first.reward(id, 1).statusCode());
                first.awaitShipped(Duration.ofSeconds(30));
                assertEquals(202, second.reward(id, 1).statusCode());
                second.awaitShipped(Duration.ofSeconds(30));
                final Map<String, Long> once = sum(sum(onFirst, onSecond), Map.of(decision.getString("variant"), 1L));
                awaitTrials(first, once, "a reward repeated on two nodes, on node one");
                awaitTrials(second, once, "a reward repeated on two nodes, on node two");
                awaitTrials(third, once, "a reward repeated on two nodes, on node three");
                Thread.sleep(2_500);
                assertEquals(once, trials(first));
                assertEquals(once, trials(second));
                assertEquals(once, trials(third));
                onSecond.merge(decision.getString("variant"), 1L, Long::sum);
            }
            assertTrue(Files.exists(dir.resolve("two").resolve("cluster-seen")), "written on a clean stop");

            // Node two is away while node one learns more; restarted cleanly, it catches up once.
            final Map<String, Long> more = rewardOn(first, 30, "u3-");
            first.awaitShipped(Duration.ofSeconds(30));
            try (TestServer again = TestServer.start(node(dir.resolve("two"), "two", url))) {
                final Map<String, Long> all = sum(sum(onFirst, onSecond), more);
                awaitTrials(again, all, "node two after a restart");
                Thread.sleep(2_500);
                assertEquals(all, trials(again));
            }
        }
    }

    /** The contextual experiment of the segment test: segments per device and per country. */
    private static JsonObject withSegmentExperiment(JsonObject config) {
        config.getJsonArray("experiments").add(new JsonObject().put("id", "seg")
            .put("variants", new JsonArray().add("A").add("B").add("C"))
            .put("context", new JsonObject().put("model", "segments")
                .put("attributes", new JsonArray().add("device").add("country"))));
        return config;
    }

    /** Per segment (its key) and variant of "seg", the rewards and reward sum a node's segment store holds. */
    private static Map<String, Map<String, String>> segmentTotals(TestServer server) throws Exception {
        final Map<String, Map<String, String>> totals = new HashMap<>();
        for (final Object s : server.stats("seg").getJsonObject("segments").getJsonArray("busiest")) {
            final JsonObject segment = (JsonObject) s;
            final Map<String, String> variants = new HashMap<>();
            for (final Object v : segment.getJsonArray("variantStats")) {
                final JsonObject stats = (JsonObject) v;
                if (stats.getLong("rewards") > 0) {
                    variants.put(stats.getString("variant"), stats.getLong("rewards") + " / "
                        + stats.getDouble("rewardSum"));
                }
            }
            if (!variants.isEmpty()) {
                totals.put(segment.getString("key") + " " + segment.getJsonArray("attributes").encode(), variants);
            }
        }
        return totals;
    }

    private static void awaitSegments(TestServer server, Map<String, Map<String, String>> expected, String what)
        throws Exception {
        Await.equal(expected, () -> segmentTotals(server), SYNC_DEADLINE, what);
    }

    /** Decides and rewards n times in "seg" on {@code server} with one context (C pays 1, A and B 0). */
    private static void rewardSegments(TestServer server, int n, String device, String country, String unitPrefix)
        throws Exception {
        for (int i = 0; i < n; i++) {
            final HttpResponse<String> response = server.post("/v1/decide", new JsonObject().put("experiment", "seg")
                .put("unit", unitPrefix + i)
                .put("context", new JsonObject().put("device", device).put("country", country)).encode());
            assertEquals(200, response.statusCode(), response.body());
            final JsonObject decision = new JsonObject(response.body());
            assertEquals(202, server.reward(decision.getString("decisionId"),
                "C".equals(decision.getString("variant")) ? 1 : 0).statusCode());
        }
    }

    @Test
    void segmentRewardsOnOneNodeMoveTheOtherNodesSegmentsOnce() throws Exception {
        try (TestServer first = TestServer.start(withSegmentExperiment(node(dir.resolve("one"), "one", null)))) {
            final String url = first.app.embeddedPostgres().url();
            final Map<String, Map<String, String>> onFirst;
            try (TestServer second = TestServer.start(withSegmentExperiment(node(dir.resolve("two"), "two", url)))) {
                rewardSegments(first, 40, "mobile", "DE", "m-");
                rewardSegments(first, 30, "desktop", "DE", "d-");
                first.awaitShipped(Duration.ofSeconds(30));
                onFirst = segmentTotals(first);
                assertEquals(3, onFirst.size(), "mobile, desktop and DE on node one: " + onFirst);
                awaitSegments(second, onFirst, "node one's segment rewards on node two");
                Thread.sleep(2_500); // more sync rounds: nothing may be applied twice
                assertEquals(onFirst, segmentTotals(second), "once on node two");
                assertEquals(onFirst, segmentTotals(first), "node one counts its own once");
                for (final Object segment : second.stats("seg").getJsonObject("segments").getJsonArray("busiest")) {
                    final Map<String, Double> mean = new HashMap<>();
                    for (final Object v : ((JsonObject) segment).getJsonArray("variantStats")) {
                        mean.put(((JsonObject) v).getString("variant"), ((JsonObject) v).getDouble("posteriorMean"));
                    }
                    assertTrue(mean.get("C") > mean.get("A") && mean.get("C") > mean.get("B"),
                        "node two's segment posterior favours C, learned on node one only: " + segment);
                }

                // One decision rewarded on node one, then again on node two: once in every node's segments after
                // node two's batch (node two takes it back from the segments it updated).
                final JsonObject decision = new JsonObject(first.post("/v1/decide", new JsonObject()
                    .put("experiment", "seg").put("unit", "dup")
                    .put("context", new JsonObject().put("device", "mobile").put("country", "DE")).encode()).body());
                assertEquals(202, first.reward(decision.getString("decisionId"), 1).statusCode());
                first.awaitShipped(Duration.ofSeconds(30));
                final Map<String, Map<String, String>> once = segmentTotals(first);
                assertEquals(202, second.reward(decision.getString("decisionId"), 1).statusCode());
                second.awaitShipped(Duration.ofSeconds(30));
                awaitSegments(second, once, "a segment reward repeated on node two");
                Thread.sleep(1_500);
                assertEquals(once, segmentTotals(second), "the repeated segment reward once on node two");
                assertEquals(once, segmentTotals(first), "the repeated segment reward once on node one");
            }
            // Node two restarted cleanly while node one learns more: it catches up once (cluster-seen-segments).
            assertTrue(Files.exists(dir.resolve("two").resolve("cluster-seen-segments")), "written on a clean stop");
            rewardSegments(first, 20, "mobile", "DE", "m2-");
            first.awaitShipped(Duration.ofSeconds(30));
            final Map<String, Map<String, String>> more = segmentTotals(first);
            try (TestServer again = TestServer.start(withSegmentExperiment(node(dir.resolve("two"), "two", url)))) {
                awaitSegments(again, more, "node two's segments after a restart");
                Thread.sleep(2_500);
                assertEquals(more, segmentTotals(again));
            }
        }
    }

    /** The linear experiment of the linear test: one feature (d = 2 with the intercept). */
    private static JsonObject withLinearExperiment(JsonObject config) {
        config.getJsonArray("experiments").add(new JsonObject().put("id", "lin")
            .put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "linear").put("features", new JsonArray().add("x"))));
        return config;
    }

    /** Per variant of "lin", the observations of a node's linear model and its coefficients' mean. */
    private static Map<String, String> linearModel(TestServer server) throws Exception {
        return LinearModels.of(server.stats("lin"));
    }

    private static void awaitLinear(TestServer server, Map<String, String> expected, String what) throws Exception {
        Await.equal(expected, () -> linearModel(server), SYNC_DEADLINE, what);
    }

    /** Waits until a node's linear model holds {@code n} observations in all (its applier runs every 100 ms). */
    private static Map<String, String> awaitObservations(TestServer server, long n, String what) throws Exception {
        return LinearModels.awaitObservations(() -> linearModel(server), n, SYNC_DEADLINE, what);
    }


    /** Decides "lin" n times on {@code server} with x = +1 or -1 in turn; A pays 1 when x > 0, B when x < 0. */
    private static JsonObject rewardLinear(TestServer server, int n, String unitPrefix) throws Exception {
        JsonObject decision = null;
        for (int i = 0; i < n; i++) {
            final double x = i % 2 == 0 ? 1.0 : -1.0;
            final HttpResponse<String> response = server.post("/v1/decide", new JsonObject().put("experiment", "lin")
                .put("unit", unitPrefix + i).put("features", new JsonObject().put("x", x)).encode());
            assertEquals(200, response.statusCode(), response.body());
            decision = new JsonObject(response.body());
            final boolean pays = "A".equals(decision.getString("variant")) == x > 0;
            assertEquals(202, server.reward(decision.getString("decisionId"), pays ? 1 : 0).statusCode());
        }
        return decision;
    }

    @Test
    void linearRewardsOnOneNodeTeachEveryNodesModelOnce() throws Exception {
        try (TestServer first = TestServer.start(withLinearExperiment(node(dir.resolve("one"), "one", null)))) {
            final String url = first.app.embeddedPostgres().url();
            try (TestServer second = TestServer.start(withLinearExperiment(node(dir.resolve("two"), "two", url)))) {
                rewardLinear(first, 60, "l1-");
                first.awaitShipped(Duration.ofSeconds(30));
                final Map<String, String> onFirst = awaitObservations(first, 60, "node one's own rewards");
                awaitLinear(second, onFirst, "node one's linear rewards in node two's model");
                Thread.sleep(2_500); // more sync rounds: nothing may be applied twice
                assertEquals(onFirst, linearModel(second), "once on node two");
                assertEquals(onFirst, linearModel(first), "node one counts its own once");

                // One decision rewarded on node one, then again on node two (which answers 202 before it knows):
                // after node two's batch it takes its own back, and each model holds the reward once.
                final JsonObject decision = rewardLinear(first, 1, "dup-");
                first.awaitShipped(Duration.ofSeconds(30));
                final Map<String, String> once = awaitObservations(first, 61, "node one's repeated reward");
                awaitLinear(second, once, "node one's reward on node two, before the repeat");
                assertEquals(202, second.reward(decision.getString("decisionId"), 1).statusCode());
                second.awaitShipped(Duration.ofSeconds(30));
                awaitLinear(second, once, "a linear reward repeated on node two");
                Thread.sleep(2_500);
                assertEquals(once, linearModel(second), "the repeated reward once on node two");
                assertEquals(once, linearModel(first), "the repeated reward once on node one");

                // And the other way: node two's rewards teach node one.
                rewardLinear(second, 20, "l2-");
                second.awaitShipped(Duration.ofSeconds(30));
                awaitLinear(first, awaitObservations(second, 81, "node two's own rewards"),
                    "node two's linear rewards in node one's model");
            }
            assertTrue(Files.exists(dir.resolve("two").resolve("lin.linear")), "what was applied is in the model");
            assertFalse(Files.exists(dir.resolve("two").resolve("cluster-seen-linear")), "and nowhere else");

            // Node two is away while node one learns more: restarted, it catches up once; a node that joins only now
            // learns everything the others stored (within the reward retention).
            rewardLinear(first, 30, "l3-");
            first.awaitShipped(Duration.ofSeconds(30));
            final Map<String, String> all = awaitObservations(first, 111, "node one's later rewards");
            try (TestServer again = TestServer.start(withLinearExperiment(node(dir.resolve("two"), "two", url)));
                 TestServer late = TestServer.start(withLinearExperiment(node(dir.resolve("three"), "three", url)))) {
                awaitLinear(again, all, "node two's linear model after a restart");
                awaitLinear(late, all, "a node that joins late");
                Thread.sleep(2_500);
                assertEquals(all, linearModel(again));
                assertEquals(all, linearModel(late));
            }

            // Node three's model file is lost (everything else of its data folder kept): restarted, it is given
            // every other node's stored linear rewards again; it took none of its own, so it is whole again.
            Files.delete(dir.resolve("three").resolve("lin.linear"));
            try (TestServer rebuilt = TestServer.start(withLinearExperiment(node(dir.resolve("three"), "three",
                url)))) {
                awaitLinear(rebuilt, all, "a node whose linear model file was lost");
                Thread.sleep(2_500);
                assertEquals(all, linearModel(rebuilt));
            }
        }
    }

    /**
     * Nodes that join while another node's rewards keep committing (a node restarting after an unclean stop takes
     * the same path: its table is rebuilt from Postgres's aggregates) count every one of them exactly once: the
     * rebuild and what the sync takes as already seen come from one snapshot. Read apart, a batch committed between
     * the two reads was missed by the new node for good.
     */
    @Test
    void nodesRebuiltWhileAnotherCommitsCountEveryRewardOnce() throws Exception {
        final JsonObject one = withSegmentExperiment(node(dir.resolve("one"), "one", null));
        one.getJsonObject("outcomes").put("flushInterval", "PT0.002S"); // a commit every few milliseconds
        try (TestServer first = TestServer.start(one)) {
            final String url = first.app.embeddedPostgres().url();
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicReference<Throwable> failed = new AtomicReference<>();
            final List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                final String prefix = "w" + w + "-";
                final Thread writer = new Thread(() -> {
                    try {
                        for (int i = 0; running.get(); i++) {
                            rewardOn(first, 1, prefix + i + "-");
                            rewardSegments(first, 1, i % 2 == 0 ? "mobile" : "desktop", "DE", prefix + i + "-");
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                }, "rewards-on-node-one-" + w);
                writer.start();
                writers.add(writer);
            }
            final List<TestServer> joined = new ArrayList<>();
            try {
                Thread.sleep(1_000);
                for (final String id : List.of("two", "three", "four")) {
                    joined.add(TestServer.start(withSegmentExperiment(node(dir.resolve(id), id, url))));
                    Thread.sleep(300);
                }
            } finally {
                running.set(false);
                for (final Thread writer : writers) {
                    writer.join(30_000);
                }
            }
            try {
                if (failed.get() != null) {
                    throw new AssertionError("a writer failed", failed.get());
                }
                first.awaitShipped(Duration.ofSeconds(30));
                final Map<String, Long> all = trials(first);
                final Map<String, Map<String, String>> segments = segmentTotals(first);
                System.out.println("node one took " + all + " rewards in hero");
                for (final TestServer node : joined) {
                    awaitTrials(node, all, "node " + node.app.nodeId() + ", rebuilt while node one committed");
                    awaitSegments(node, segments, "node " + node.app.nodeId() + "'s segments");
                }
                Thread.sleep(2_500); // more sync rounds: nothing may be applied twice
                for (final TestServer node : joined) {
                    assertEquals(all, trials(node), "node " + node.app.nodeId());
                    assertEquals(segments, segmentTotals(node), "node " + node.app.nodeId() + "'s segments");
                }
            } finally {
                joined.forEach(TestServer::close);
            }
        }
    }
}
