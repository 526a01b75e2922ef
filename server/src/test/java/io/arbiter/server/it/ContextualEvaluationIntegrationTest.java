package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Candidates with their own context model, through the server: an experiment logs {@value #DECISIONS} decisions of
 * two devices whose best variants differ (mobile: A at 0.5, desktop: B at 0.5, every other pair 0.1), chosen
 * uniformly (a prior of a billion pseudo-observations keeps every posterior where it started, so each logged
 * propensity is about 1/3 whatever the rewards); the experiment's segments context over {@code device} only makes the
 * log carry each decision's device. Then {@code POST /v1/experiments/{id}/evaluations} replays learning
 * Thompson candidates (prior 1/1): a plain one, which can learn at best A or B for everyone (0.3), one segmented by
 * device and one linear over the device's buckets, which can learn the best variant per device (0.5). Each contextual
 * candidate's replay estimate must beat the plain one's by more than 0.1 (about seven standard errors of ~1,000
 * accepted rows each), a segmented one with a burn-in of 20 decisions per variant too; a segmented one whose burn-in
 * outlasts the window is uniform, so its IPS estimate is the log's mean reward. Candidates with share bounds of their
 * own ({@code "shares": {"C": {"min": 0.5}}}: half the traffic to a variant worth 0.1 everywhere, so at best
 * 0.5 x 0.1 + 0.5 x 0.5 = 0.3), segmented (Monte-Carlo choice probabilities per device) and linear (analytic ones),
 * answer estimates near that value, well below the unbounded segmented candidate's. Seeded
 * ({@code -Dcontextual.seed=N}, printed). Bad context configurations, burn-ins and infeasible or unknown share bounds
 * are 400s naming the field.
 */
class ContextualEvaluationIntegrationTest {
    private static final int DECISIONS = 3_000;
    private static final Map<String, Map<String, Double>> RATES = Map.of(
        "mobile", Map.of("A", 0.5, "B", 0.1, "C", 0.1),
        "desktop", Map.of("A", 0.1, "B", 0.5, "C", 0.1));

    @TempDir
    static Path dataDir;
    static TestServer server;
    static long seed;
    static Instant start;

    @BeforeAll
    static void start() throws Exception {
        seed = Long.getLong("contextual.seed", 11);
        System.out.println("ContextualEvaluationIntegrationTest seed: " + seed + " (rerun with -Dcontextual.seed="
            + seed + ")");
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.put("evaluation", new JsonObject().put("rowsPerSecond", 0).put("pageRows", 500));
        config.getJsonObject("decisions").put("seed", seed).put("propensityDraws", 4_000);
        server = TestServer.start(config);
        final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/devices", new JsonObject()
            .put("variants", new JsonArray().add("A").add("B").add("C"))
            .put("prior", new JsonObject().put("alpha", 1e8).put("beta", 9e8))
            .put("context", new JsonObject().put("model", "segments").put("attributes", new JsonArray().add("device")))
            .encode());
        assertEquals(201, put.statusCode(), put.body());
        start = Instant.now().minusSeconds(1);
        final SplittableRandom visitors = new SplittableRandom(seed);
        for (int i = 0; i < DECISIONS; i++) {
            final String device = visitors.nextBoolean() ? "mobile" : "desktop";
            final HttpResponse<String> response = server.post("/v1/decide", new JsonObject()
                .put("experiment", "devices").put("unit", "u" + i)
                .put("context", new JsonObject().put("device", device)).encode());
            assertEquals(200, response.statusCode(), response.body());
            final JsonObject decision = new JsonObject(response.body());
            assertEquals(1.0 / 3, decision.getDouble("propensity"), 0.05, "a uniform log: " + decision);
            final boolean success = visitors.nextDouble() < RATES.get(device).get(decision.getString("variant"));
            assertEquals(202, server.reward(decision.getString("decisionId"), success ? 1 : 0).statusCode());
        }
        server.awaitShipped(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonObject thompson(String name, JsonObject context) {
        final JsonObject config = new JsonObject().put("prior", new JsonObject().put("alpha", 1).put("beta", 1));
        if (context != null) {
            config.put("context", context);
        }
        return new JsonObject().put("name", name).put("type", "thompson").put("config", config);
    }

    @Test
    void candidatesWithTheirOwnContextLearnTheBestVariantPerDevice() throws Exception {
        final JsonObject body = new JsonObject()
            .put("policies", new JsonArray()
                .add(thompson("plain", null))
                .add(thompson("by-device", new JsonObject().put("model", "segments")
                    .put("attributes", new JsonArray().add("device")).put("priorStrength", 5)))
                .add(thompson("linear", new JsonObject().put("model", "linear")
                    .put("attributes", new JsonArray().add("device"))))
                .add(thompson("burning-in", new JsonObject().put("model", "segments")
                    .put("attributes", new JsonArray().add("device"))))
                .add(thompson("by-device-after-20", new JsonObject().put("model", "segments")
                    .put("attributes", new JsonArray().add("device"))))
                .add(thompson("by-device-c-half", new JsonObject().put("model", "segments")
                    .put("attributes", new JsonArray().add("device")).put("priorStrength", 5)))
                .add(thompson("linear-c-half", new JsonObject().put("model", "linear")
                    .put("attributes", new JsonArray().add("device"))))
                .add(thompson("plain-floored", null)))
            .put("estimators", new JsonArray().add("replay").add("ips"))
            .put("from", start.toString()).put("to", Instant.now().plusSeconds(1).toString())
            .put("seed", seed);
        // a burn-in longer than the window: uniform throughout, so (over a uniform log) IPS gives the log's mean
        body.getJsonArray("policies").getJsonObject(3).getJsonObject("config").put("burnIn", 1_000_000);
        body.getJsonArray("policies").getJsonObject(4).getJsonObject("config").put("burnIn", 20);
        final JsonObject halfToC = new JsonObject().put("C", new JsonObject().put("min", 0.5));
        body.getJsonArray("policies").getJsonObject(5).getJsonObject("config").put("shares", halfToC);
        body.getJsonArray("policies").getJsonObject(6).getJsonObject("config").put("shares", halfToC);
        body.getJsonArray("policies").getJsonObject(7).getJsonObject("config").put("minShare", 0.2);
        final HttpResponse<String> posted = server.admin("POST", "/v1/experiments/devices/evaluations",
            body.encode());
        assertEquals(202, posted.statusCode(), posted.body());
        final JsonObject result = EvaluationIntegrationTest.await(server, "devices",
            new JsonObject(posted.body()).getString("id"));
        System.out.println("evaluation: " + result.encodePrettily());
        assertEquals(DECISIONS, result.getLong("rowsRead"), "every logged decision of the window read");
        assertEquals(2L, policy(result, "by-device").getLong("segments"), "one segment per device");
        assertEquals(0L, policy(result, "by-device").getLong("segmentFallbacks"));
        assertEquals(null, policy(result, "plain").getValue("segments"), "a plain candidate has no segments");
        assertEquals(null, policy(result, "linear").getValue("segments"), "nor a linear one");
        final double plain = replay(result, "plain");
        assertEquals(result.getDouble("meanLoggedReward"), estimate(result, "burning-in", "ips"), 0.02,
            "a candidate burning in all along is uniform");
        for (final String contextual : List.of("by-device", "linear", "by-device-after-20")) {
            final double value = replay(result, contextual);
            assertTrue(value > plain + 0.1, contextual + "'s replay estimate " + value + " must beat the plain "
                + "candidate's " + plain + " by more than 0.1 (seed " + seed + ")");
        }
        final double unbounded = estimate(result, "by-device", "ips");
        for (final String halved : List.of("by-device-c-half", "linear-c-half")) {
            for (final String estimator : List.of("ips", "replay")) {
                final double value = estimate(result, halved, estimator);
                // at most 0.3 once learned, about 0.27 with the learning; the IPS standard error is about 0.012
                assertTrue(value > 0.2 && value < 0.34, halved + "'s " + estimator + " estimate " + value
                    + " must be near 0.3 (seed " + seed + ")");
            }
            assertTrue(unbounded - estimate(result, halved, "ips") > 0.1, halved + " must be estimated well below"
                + " the unbounded candidate's " + unbounded + " (seed " + seed + ")");
        }
        assertTrue(Double.isFinite(estimate(result, "plain-floored", "ips")), "a plain bounded candidate answers");
        assertTrue(policy(result, "by-device-c-half").getLong("choiceEstimates") >= 2, "one estimate per device "
            + "at least");
        assertEquals(0L, policy(result, "by-device-c-half").getLong("choiceEstimateEvictions"));
        assertEquals(0L, policy(result, "linear-c-half").getLong("choiceEstimates"), "analytic: no estimate");
        assertEquals(null, policy(result, "by-device").getValue("choiceEstimates"), "an unbounded one has none");
    }

    private static double replay(JsonObject result, String name) {
        return estimate(result, name, "replay");
    }

    private static double estimate(JsonObject result, String name, String estimator) {
        return policy(result, name).getJsonObject("estimates").getJsonObject(estimator).getDouble("value");
    }

    private static JsonObject policy(JsonObject result, String name) {
        for (final Object raw : result.getJsonArray("policies")) {
            final JsonObject policy = (JsonObject) raw;
            if (name.equals(policy.getString("name"))) {
                return policy;
            }
        }
        throw new AssertionError("no policy " + name + " in " + result.encode());
    }

    @Test
    void badContextConfigurationsAreRefusedNamingTheField() throws Exception {
        assertRefused("policies[0].config.context", "\"x\"");
        assertRefused("policies[0].config.context.model", "{\"model\": \"trees\"}");
        assertRefused("policies[0].config.context.attributes", "{\"model\": \"segments\"}");
        assertRefused("policies[0].config.context.attributes", "{\"model\": \"segments\", \"attributes\": [\"a\", "
            + "\"a\"]}");
        assertRefused("policies[0].config.context.colour", "{\"model\": \"segments\", \"attributes\": [\"device\"], "
            + "\"colour\": 1}");
        assertRefused("policies[0].config.context.interactions", "{\"model\": \"segments\", \"attributes\": "
            + "[\"device\"], \"interactions\": [[\"device\", \"country\"]]}");
        assertRefused("policies[0].config.context.maxSegments", "{\"model\": \"segments\", \"attributes\": "
            + "[\"device\"], \"maxSegments\": -1}");
        assertRefused("policies[0].config.context.priorStrength", "{\"model\": \"segments\", \"attributes\": "
            + "[\"device\"], \"priorStrength\": \"strong\"}");
        assertRefused("policies[0].config.context.features", "{\"model\": \"linear\"}");
        assertRefused("policies[0].config.context.buckets", "{\"model\": \"linear\", \"features\": [\"x\"], "
            + "\"buckets\": 1.5}");
        assertRefused("policies[0].config.context.buckets", "{\"model\": \"segments\", \"attributes\": [\"device\"], "
            + "\"buckets\": 8}");
        assertRefusedConfig("policies[0].config.burnIn", "{\"burnIn\": -1}");
        assertRefusedConfig("policies[0].config.burnIn", "{\"burnIn\": 1.5}");
        assertRefusedConfig("policies[0].config.minShare", "{\"minShare\": 0.5}"); // 3 x 0.5 above 1
        assertRefusedConfig("policies[0].config.minShare", "{\"minShare\": \"5%\"}");
        assertRefusedConfig("policies[0].config.shares", "{\"shares\": {\"A\": {\"min\": 0.7}, "
            + "\"B\": {\"min\": 0.4}}}");
        assertRefusedConfig("policies[0].config.shares", "{\"shares\": {\"A\": {\"max\": 0.2}, "
            + "\"B\": {\"max\": 0.2}, \"C\": {\"max\": 0.2}}}");
        assertRefusedConfig("policies[0].config.shares.A.min", "{\"shares\": {\"A\": {\"min\": 0.6, "
            + "\"max\": 0.5}}}");
        assertRefusedConfig("policies[0].config.shares.B.max", "{\"shares\": {\"B\": {\"max\": 1.5}}}");
        assertRefusedConfig("policies[0].config.shares.Z", "{\"shares\": {\"Z\": {\"min\": 0.1}}}");
        assertRefusedConfig("policies[0].config.shares", "{\"shares\": [0.1]}");
    }

    private static void assertRefused(String field, String context) throws Exception {
        assertRefusedConfig(field, "{\"context\": " + context + "}");
    }

    private static void assertRefusedConfig(String field, String config) throws Exception {
        final String body = "{\"policies\": [{\"type\": \"thompson\", \"config\": " + config + "}]}";
        final HttpResponse<String> response = server.admin("POST", "/v1/experiments/devices/evaluations", body);
        assertEquals(400, response.statusCode(), body + " -> " + response.body());
        final JsonObject error = new JsonObject(response.body());
        assertNotNull(error.getString("error"), response.body());
        assertEquals(field, error.getString("field"), body + " -> " + response.body());
    }
}
