package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The do-no-harm fields, per-metric rewards and guardrail suspension end to end, through HTTP. */
class GuardIntegrationTest {
    @TempDir
    Path dataDir;

    private static JsonObject guarded() {
        return new JsonObject().put("variants", new JsonArray().add("A").add("B")).put("default", "A")
            .put("guardrails", new JsonArray().add(new JsonObject().put("metric", "unsubscribe")
                .put("direction", "lower").put("maxRelativeHarm", 0.2).put("confidence", 0.95)));
    }

    @Test
    void badDefinitionsAre400NamingTheFieldAndChangeNothingAndTheSaltIsKept() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            assertEquals(201, server.admin("PUT", "/v1/experiments/g1", guarded().encode()).statusCode());
            final JsonObject before = new JsonObject(server.admin("GET", "/v1/experiments/g1", null).body());
            assertBad(server, guarded().put("holdout", 1.0), "holdout");
            assertBad(server, guarded().put("holdout", -0.5), "holdout");
            assertBad(server, guarded().put("minShare", 0.6), "minShare");
            assertBad(server, guarded().put("shares", new JsonObject().put("A", new JsonObject().put("min", 0.7))
                .put("B", new JsonObject().put("min", 0.4))), "shares");
            assertBad(server, guarded().put("shares", new JsonObject().put("B", new JsonObject().put("min", 0.5)
                .put("max", 0.4))), "shares.B.min");
            assertBad(server, guarded().put("frequencyCap", new JsonObject().put("count", 0).put("period", "P1D")),
                "frequencyCap.count");
            assertBad(server, guarded().put("frequencyCap", new JsonObject().put("count", -2).put("period", "P1D")),
                "frequencyCap.count");
            assertBad(server, guarded().put("frequencyCap", new JsonObject().put("count", 3).put("period", "PT0S")),
                "frequencyCap.period");
            assertBad(server, guarded().put("frequencyCap", new JsonObject().put("count", 3).put("period", "-P1D")),
                "frequencyCap.period");
            assertBad(server, guarded().put("guardrails", new JsonArray().add(new JsonObject().put("metric", "x")
                .put("maxRelativeHarm", -1))), "guardrails");
            final JsonObject after = new JsonObject(server.admin("GET", "/v1/experiments/g1", null).body());
            assertEquals(before.getString("salt"), after.getString("salt"));
            assertEquals(before.getJsonArray("guardrails"), after.getJsonArray("guardrails"));
            assertEquals(null, after.getValue("holdout"), "nothing changed");

            final JsonObject created = new JsonObject(server.admin("PUT", "/v1/experiments/salty",
                guarded().encode()).body());
            final String salt = created.getString("salt");
            assertTrue(salt.matches("[0-9a-f]{16}"), created.encode());
            final HttpResponse<String> updated = server.admin("PUT", "/v1/experiments/salty",
                guarded().put("salt", "0000000000000001").put("holdout", 0.2).encode());
            assertEquals(200, updated.statusCode(), updated.body());
            final JsonObject answer = new JsonObject(updated.body());
            assertEquals(salt, answer.getString("salt"), "an existing experiment keeps its salt");
            assertEquals(0.2, answer.getJsonObject("holdoutChange").getDouble("reassignedShare"), 1e-12);
        }
    }

    @Test
    void rewardsAreKeyedByDecisionAndMetricAndGuardrailMetricsDoNotTeachTheBandit() throws Exception {
        int held = 0;
        try (TestServer server = TestServer.start(dataDir)) {
            server.admin("PUT", "/v1/experiments/metrics", guarded().encode());
            server.admin("PUT", "/v1/experiments/held", guarded().put("holdout", 0.5).encode());
            for (int i = 0; i < 100; i++) {
                final JsonObject d = server.decide("held", "unit-" + i);
                if (d.getBoolean("holdout", false)) {
                    held++;
                    server.reward(d.getString("decisionId"), 1);
                }
            }
            final JsonObject decision = server.decide("metrics", "u1");
            final String id = decision.getString("decisionId");
            final String variant = decision.getString("variant");
            assertEquals(202, server.reward(id, 1).statusCode());
            assertEquals(202, reward(server, id, 1, "unsubscribe").statusCode());
            final HttpResponse<String> again = reward(server, id, 1, "unsubscribe");
            assertEquals(200, again.statusCode());
            assertEquals("duplicate", new JsonObject(again.body()).getString("status"));
            final HttpResponse<String> unknown = reward(server, id, 1, "bounce");
            assertEquals(400, unknown.statusCode(), unknown.body());
            assertEquals("metric", new JsonObject(unknown.body()).getString("field"));
            final HttpResponse<String> notAnEvent = reward(server, server.decide("metrics", "u2")
                .getString("decisionId"), 0.5, "unsubscribe");
            assertEquals(400, notAnEvent.statusCode());
            assertEquals("reward", new JsonObject(notAnEvent.body()).getString("field"));
            final HttpResponse<String> batch = server.post("/v1/reward/batch", new JsonObject().put("rewards",
                new JsonArray().add(new JsonObject().put("decisionId", id).put("reward", 0).put("metric", "bounce"))
                    .add(new JsonObject().put("decisionId", id).put("reward", 1).put("metric", "unsubscribe")))
                .encode());
            final JsonArray results = new JsonObject(batch.body()).getJsonArray("results");
            assertEquals("metric", results.getJsonObject(0).getString("field"), batch.body());
            assertEquals("duplicate", results.getJsonObject(1).getString("status"), batch.body());

            final JsonObject stats = server.stats("metrics");
            long rewards = 0;
            for (final Object o : stats.getJsonArray("variantStats")) {
                final JsonObject v = (JsonObject) o;
                rewards += v.getLong("rewards");
                if (v.getString("variant").equals(variant)) {
                    assertEquals(1L, v.getLong("rewards"), "only the primary reward teaches the bandit");
                }
            }
            assertEquals(1, rewards);
            server.awaitShipped(Duration.ofSeconds(10));
        }
        try (TestServer server = TestServer.start(dataDir)) {
            final JsonObject stats = server.stats("metrics");
            final JsonObject guardrail = stats.getJsonArray("guardrails").getJsonObject(0);
            long events = 0;
            for (final Object o : guardrail.getJsonArray("variants")) {
                events += ((JsonObject) o).getJsonObject("variant").getLong("events");
            }
            final long controlEvents = guardrail.getJsonArray("variants").getJsonObject(0)
                .getJsonObject("controlGroup").getLong("events");
            assertEquals(1, events + controlEvents, "the guardrail's counter survives a restart: " + stats.encode());
            final JsonObject holdout = server.stats("held").getJsonObject("lift").getJsonObject("holdout");
            assertEquals((long) held, holdout.getLong("decisions"), "holdout decisions survive a restart");
            assertEquals((long) held, holdout.getLong("rewards"), "holdout rewards survive a restart");
        }
    }

    /**
     * B unsubscribes 3 times as often as A (30% against 10%): the rule (confidence 0.95, harm 0.2) suspends it; then
     * B gets no traffic, the suspension is in the stats (with its evidence), the metrics and Postgres (a restart
     * keeps it), and an admin can resume it.
     */
    @Test
    void aHarmfulVariantIsSuspendedShownKeptAcrossARestartAndResumable() throws Exception {
        final long seed = Long.getLong("guard.seed", System.nanoTime());
        final SplittableRandom random = new SplittableRandom(seed);
        final int suspendedAfter;
        try (TestServer server = TestServer.start(dataDir)) {
            server.admin("PUT", "/v1/experiments/harm", guarded().encode());
            int decisions = 0;
            while (!isSuspended(server, "B") && decisions < 20_000) {
                final JsonArray rewards = new JsonArray();
                for (int i = 0; i < 100; i++) {
                    final JsonObject d = server.decide("harm", "unit-" + decisions++);
                    final double rate = "B".equals(d.getString("variant")) ? 0.3 : 0.1;
                    if (random.nextDouble() < rate) {
                        rewards.add(new JsonObject().put("decisionId", d.getString("decisionId")).put("reward", 1)
                            .put("metric", "unsubscribe"));
                    }
                }
                server.post("/v1/reward/batch", new JsonObject().put("rewards", rewards).encode());
            }
            suspendedAfter = decisions;
            System.out.println("GuardIntegrationTest seed " + seed + ": B suspended after " + decisions
                + " decisions (both variants)");
            assertTrue(isSuspended(server, "B"), "seed " + seed + ": B was not suspended within 20,000 decisions");
            for (int i = 0; i < 200; i++) {
                assertEquals("A", server.decide("harm", "after-" + i).getString("variant"), "seed " + seed);
            }
            final JsonObject stats = server.stats("harm");
            final JsonObject suspension = stats.getJsonArray("suspensions").getJsonObject(0);
            assertEquals("B", suspension.getString("variant"));
            assertEquals("unsubscribe", suspension.getString("metric"));
            assertTrue(suspension.getJsonObject("evidence").getDouble("harmLowerBound") > 0.2, stats.encode());
            assertTrue(server.get("/metrics").body().contains("arbiter_guardrail_suspensions_total{experiment=\"harm\""
                + ",metric=\"unsubscribe\"} 1.0"));
            final HttpResponse<String> notSuspended = server.admin("POST",
                "/v1/experiments/harm/variants/A/resume", null);
            assertEquals(409, notSuspended.statusCode());
            assertEquals(404, server.admin("POST", "/v1/experiments/harm/variants/Z/resume", null).statusCode());
            server.awaitShipped(Duration.ofSeconds(10));
        }
        assertTrue(suspendedAfter > 0);
        try (TestServer server = TestServer.start(dataDir)) {
            assertTrue(isSuspended(server, "B"), "the suspension survives a restart");
            assertEquals("A", server.decide("harm", "restarted").getString("variant"));
            final HttpResponse<String> resumed = server.admin("POST", "/v1/experiments/harm/variants/B/resume", null);
            assertEquals(200, resumed.statusCode(), resumed.body());
            assertFalse(isSuspended(server, "B"));
            boolean servedB = false;
            for (int i = 0; i < 200 && !servedB; i++) {
                servedB = "B".equals(server.decide("harm", "resumed-" + i).getString("variant"));
            }
            assertTrue(servedB, "a resumed variant is served again");
        }
    }

    private static boolean isSuspended(TestServer server, String variant) throws Exception {
        for (final Object o : server.stats("harm").getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) o;
            if (v.getString("variant").equals(variant)) {
                return v.getBoolean("suspended");
            }
        }
        return false;
    }

    private static HttpResponse<String> reward(TestServer server, String id, double reward, String metric)
        throws Exception {
        return server.post("/v1/reward", new JsonObject().put("decisionId", id).put("reward", reward)
            .put("metric", metric).encode());
    }

    private static void assertBad(TestServer server, JsonObject body, String field) throws Exception {
        final HttpResponse<String> response = server.admin("PUT", "/v1/experiments/g1", body.encode());
        assertEquals(400, response.statusCode(), body.encode() + " -> " + response.body());
        final JsonObject error = new JsonObject(response.body());
        assertEquals(field, error.getString("field"), response.body());
        assertNotNull(error.getString("error"));
        assertNotEquals("", error.getString("error"));
    }
}
