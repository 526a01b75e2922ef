package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Experiment statistics are identical after a clean restart, and after losing the posterior table file. */
class RestartIntegrationTest {
    @TempDir
    Path dataDir;

    @Test
    void statsSurviveACleanRestartAndARebuildFromPostgres() throws Exception {
        final long seed = System.nanoTime();
        System.out.println("RestartIntegrationTest seed: " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        final JsonArray before;
        final JsonArray gaussianBefore;
        try (TestServer server = TestServer.start(config)) {
            for (int i = 0; i < 300; i++) {
                final JsonObject d = server.decide("hero", "u" + i);
                if (random.nextInt(3) > 0) {
                    server.reward(d.getString("decisionId"), random.nextInt(2));
                }
                final JsonObject g = server.decide("revenue", "u" + i);
                server.reward(g.getString("decisionId"), Math.round(random.nextDouble() * 10_000) / 100.0);
            }
            server.awaitShipped(Duration.ofSeconds(20));
            before = deterministic(server.stats("hero"));
            gaussianBefore = deterministic(server.stats("revenue"));
        }
        try (TestServer server = TestServer.start(config)) {
            assertEquals(before, deterministic(server.stats("hero")), "after a clean restart (seed " + seed + ")");
            assertEquals(gaussianBefore, deterministic(server.stats("revenue")));
        }
        Files.delete(dataDir.resolve("posteriors.table")); // as good as a crash that lost the file
        try (TestServer server = TestServer.start(config)) {
            assertEquals(before, deterministic(server.stats("hero")), "rebuilt from Postgres (seed " + seed + ")");
            assertEquals(gaussianBefore, deterministic(server.stats("revenue")));
        }
    }

    /** On the claims table's default size (2^22 slots), the one harness server that keeps it. */
    @Test
    void rewardsTakenBeforeARestartAreStillDuplicatesAfterIt() throws Exception {
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        final String[] ids = new String[50];
        final JsonArray before;
        try (TestServer server = TestServer.startAsConfigured(config)) {
            for (int i = 0; i < ids.length; i++) {
                ids[i] = server.decide("hero", "u" + i).getString("decisionId");
                assertEquals(202, server.reward(ids[i], i % 2).statusCode());
                assertEquals(200, server.reward(ids[i], i % 2).statusCode(), "a duplicate before the restart");
            }
            server.awaitShipped(Duration.ofSeconds(20));
            before = deterministic(server.stats("hero"));
        }
        try (TestServer server = TestServer.startAsConfigured(config)) {
            for (int i = 0; i < ids.length; i++) {
                final var answer = server.reward(ids[i], 1);
                assertEquals(200, answer.statusCode(), "reward " + i + " after the restart: " + answer.body());
                assertEquals("duplicate", new JsonObject(answer.body()).getString("status"));
            }
            assertEquals(before, deterministic(server.stats("hero")), "duplicates after the restart changed nothing");
            final String fresh = server.decide("hero", "new").getString("decisionId");
            assertEquals(202, server.reward(fresh, 1).statusCode(), "a new decision is still rewarded");
        }
    }

    /**
     * A restart reads at most the claims its table holds (2^8 slots: 224 claims), the newest, not every reward of the
     * attribution window (320), and still takes the newest rewards' repeats as duplicates. The newest decisions are
     * issued a second after the others: claims expire by the second, and in a full group the one that expires first
     * makes room (among claims of one second, any of them).
     */
    @Test
    void aRestartReadsAtMostTheClaimsTableCapacityTheNewestAndStillCatchesTheirDuplicates() throws Exception {
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("decisions").put("duplicateClaimsLog2", 8);
        final String[] ids = new String[320];
        try (TestServer server = TestServer.start(config)) {
            for (int i = 0; i < ids.length; i++) {
                if (i == 300) {
                    Thread.sleep(1_100);
                }
                ids[i] = server.decide("hero", "u" + i).getString("decisionId");
                assertEquals(202, server.reward(ids[i], 1).statusCode());
            }
            server.awaitShipped(Duration.ofSeconds(20));
        }
        try (TestServer server = TestServer.start(config)) {
            assertEquals(224.0, gauge(server, "arbiter_rewards_dedup_restored"), "the table's capacity, not 320");
            for (int i = 300; i < ids.length; i++) {
                final var answer = server.reward(ids[i], 1);
                assertEquals(200, answer.statusCode(), "reward " + i + " after the restart: " + answer.body());
                assertEquals("duplicate", new JsonObject(answer.body()).getString("status"), "reward " + i);
            }
        }
    }

    private static double gauge(TestServer server, String name) throws Exception {
        for (final String line : server.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in /metrics");
    }

    @Test
    void segmentLearningSurvivesACleanRestartAndIsRebuiltFromPostgresWhenTheFilesAreLost() throws Exception {
        final long seed = System.nanoTime();
        System.out.println("RestartIntegrationTest segments seed: " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonArray("experiments").add(new JsonObject().put("id", "seg")
            .put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "segments")
                .put("attributes", new JsonArray().add("device").add("country"))));
        final JsonObject before;
        try (TestServer server = TestServer.start(config)) {
            for (int i = 0; i < 300; i++) {
                final String device = random.nextBoolean() ? "mobile" : "desktop";
                final HttpResponseBody answer = decideSeg(server, device, random.nextBoolean() ? "DE" : "FR");
                server.reward(answer.decisionId(), random.nextInt(2));
            }
            server.awaitShipped(Duration.ofSeconds(20));
            before = segmentStats(server.stats("seg"), true);
        }
        assertEquals(4, before.size(), before.encode());
        try (TestServer server = TestServer.start(config)) {
            assertEquals(before, segmentStats(server.stats("seg"), true), "after a clean restart (seed " + seed + ")");
        }
        Files.delete(dataDir.resolve("segments.index"));
        Files.delete(dataDir.resolve("segments.table"));
        try (TestServer server = TestServer.start(config)) {
            assertEquals(segmentStats(before, false), segmentStats(server.stats("seg"), false),
                "rebuilt from Postgres (seed " + seed + ")");
        }
    }

    private record HttpResponseBody(String decisionId) {
    }

    private static HttpResponseBody decideSeg(TestServer server, String device, String country) throws Exception {
        final var response = server.post("/v1/decide", new JsonObject().put("experiment", "seg")
            .put("context", new JsonObject().put("device", device).put("country", country)).encode());
        assertEquals(200, response.statusCode(), response.body());
        return new HttpResponseBody(new JsonObject(response.body()).getString("decisionId"));
    }

    /**
     * Per segment key, per variant: rewards, successes' sum, and (with {@code decisions}) the decisions, which are
     * not in Postgres's segment aggregates. Accepts a report or an earlier result of this method.
     */
    private static JsonObject segmentStats(JsonObject report, boolean decisions) {
        if (!report.containsKey("segments")) {
            final JsonObject out = new JsonObject();
            for (final String key : report.fieldNames()) {
                final JsonArray variants = new JsonArray();
                for (final Object raw : report.getJsonArray(key)) {
                    variants.add(((JsonObject) raw).copy().put("decisions", 0));
                }
                out.put(key, variants);
            }
            return out;
        }
        final JsonObject out = new JsonObject();
        for (final Object raw : report.getJsonObject("segments").getJsonArray("busiest")) {
            final JsonObject segment = (JsonObject) raw;
            final JsonArray variants = new JsonArray();
            for (final Object v : segment.getJsonArray("variantStats")) {
                final JsonObject variant = (JsonObject) v;
                variants.add(new JsonObject().put("variant", variant.getString("variant"))
                    .put("rewards", variant.getLong("rewards")).put("rewardSum", round(variant.getDouble("rewardSum")))
                    .put("decisions", decisions ? variant.getLong("decisions") : 0));
            }
            out.put(segment.getString("key"), variants);
        }
        return out;
    }

    /** The fields of the report that do not depend on Monte-Carlo draws. */
    private static JsonArray deterministic(JsonObject stats) {
        final JsonArray out = new JsonArray();
        for (final Object raw : stats.getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) raw;
            out.add(new JsonObject().put("variant", v.getString("variant")).put("decisions", v.getLong("decisions"))
                .put("rewards", v.getLong("rewards")).put("successes", v.getLong("successes"))
                .put("rewardSum", round(v.getDouble("rewardSum")))
                .put("posteriorMean", round(v.getDouble("posteriorMean"))));
        }
        return out;
    }

    /** Sums of doubles added in another order (Postgres versus the table) may differ in the last bits. */
    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
