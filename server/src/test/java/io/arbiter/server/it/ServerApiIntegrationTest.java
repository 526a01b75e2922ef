package io.arbiter.server.it;

import io.arbiter.server.token.DecisionTokens;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The personalisation API end to end, against a real server with its embedded Postgres. */
class ServerApiIntegrationTest {
    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dataDir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void decideAnswersAVariantWithASignedIdAndAPropensity() throws Exception {
        final JsonObject answer = server.decide("hero", "user-1");
        assertTrue(Set.of("A", "B", "C").contains(answer.getString("variant")), answer.encode());
        assertEquals("hero", answer.getString("experiment"));
        final double propensity = answer.getDouble("propensity");
        assertTrue(propensity > 0 && propensity <= 1, "propensity " + propensity);
        assertTrue(answer.getString("decisionId").startsWith("d2.hero." + answer.getString("variant") + "."));
    }

    @Test
    void aSlateHasDistinctVariantsLedByTheAttributedOne() throws Exception {
        final HttpResponse<String> response = server.post("/v1/decide",
            "{\"experiment\":\"hero\",\"unit\":\"u\",\"count\":3}");
        assertEquals(200, response.statusCode(), response.body());
        final JsonObject answer = new JsonObject(response.body());
        final JsonArray variants = answer.getJsonArray("variants");
        assertEquals(3, new HashSet<>(variants.getList()).size(), response.body());
        assertEquals(answer.getString("variant"), variants.getString(0));
    }

    @Test
    void aChangedDefinitionLogsTheModelsPropensitiesFromItsFirstDecision() throws Exception {
        final JsonObject definition = new JsonObject().put("variants", new io.vertx.core.json.JsonArray().add("A")
            .add("B").add("C"));
        assertEquals(201, server.admin("PUT", "/v1/experiments/skewed", definition.encode()).statusCode());
        for (int i = 0; i < 300; i++) { // C always pays, A and B never: the posterior is sure of C
            final JsonObject d = server.decide("skewed", "u" + i);
            server.reward(d.getString("decisionId"), "C".equals(d.getString("variant")) ? 1 : 0);
        }
        // any change publishes a new definition with a new propensity cache
        final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/skewed",
            definition.put("default", "B").encode());
        assertEquals(200, put.statusCode(), put.body());
        for (int i = 0; i < 5; i++) { // at once, well inside the background refresh interval (0.2 s here)
            final JsonObject d = server.decide("skewed", "after-" + i);
            final double p = d.getDouble("propensity");
            assertTrue(Math.abs(p - 1.0 / 3) > 0.1, "decision " + i + " right after the change logged " + p
                + " for " + d.getString("variant") + ": the uniform start of a new cache, not the model's");
        }
    }

    @Test
    void unknownExperimentIs404() throws Exception {
        final HttpResponse<String> response = server.post("/v1/decide", "{\"experiment\":\"nope\",\"unit\":\"u\"}");
        assertEquals(404, response.statusCode());
        assertEquals("experiment", new JsonObject(response.body()).getString("field"));
    }

    @Test
    void aRewardIsAcceptedOnceThenReportedAsDuplicateWithoutMovingThePosterior() throws Exception {
        final String variant;
        final String id;
        final JsonObject decision = server.decide("hero", "user-2");
        id = decision.getString("decisionId");
        variant = decision.getString("variant");
        final long before = rewardsOf(server.stats("hero"), variant);

        final HttpResponse<String> first = server.reward(id, 1);
        assertEquals(202, first.statusCode(), first.body());
        assertEquals("accepted", new JsonObject(first.body()).getString("status"));
        final HttpResponse<String> second = server.reward(id, 1);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("duplicate", new JsonObject(second.body()).getString("status"));
        assertEquals(before + 1, rewardsOf(server.stats("hero"), variant));

        server.awaitShipped(Duration.ofSeconds(20));
        final RowSet<Row> rows = server.app.pool().preparedQuery(
                "SELECT experiment, variant, reward FROM rewards WHERE decision_id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(id)).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        assertEquals(1, rows.size(), "the reward row is in Postgres exactly once");
        final Row row = rows.iterator().next();
        assertEquals("hero", row.getString("experiment"));
        assertEquals(variant, row.getString("variant"));
    }

    @Test
    void forgedTamperedAndExpiredDecisionIdsAreRefused() throws Exception {
        final String id = server.decide("hero", "user-3").getString("decisionId");
        final String tampered = id.replace("d2.hero.", "d2.herp.");
        assertEquals(400, server.reward(tampered, 1).statusCode());
        assertEquals(400, server.reward("not-a-token", 1).statusCode());

        final DecisionTokens sameSecret = new DecisionTokens(new SignedTokens(
            TestServer.TOKEN_SECRET.getBytes(StandardCharsets.UTF_8)));
        final String old = sameSecret.issue("hero", "A", System.currentTimeMillis() - Duration.ofDays(8).toMillis(),
            12345L);
        final HttpResponse<String> expired = server.reward(old, 1);
        assertEquals(422, expired.statusCode(), expired.body());
    }

    @Test
    void rewardsMustFitTheExperimentsModel() throws Exception {
        final String bernoulli = server.decide("hero", "u").getString("decisionId");
        final HttpResponse<String> half = server.reward(bernoulli, 0.5);
        assertEquals(400, half.statusCode());
        assertEquals("reward", new JsonObject(half.body()).getString("field"));
        final String gaussian = server.decide("revenue", "u").getString("decisionId");
        assertEquals(202, server.reward(gaussian, 12.75).statusCode());
    }

    @Test
    void batchReportsAStatusPerItem() throws Exception {
        final String a = server.decide("hero", "b1").getString("decisionId");
        final String b = server.decide("hero", "b2").getString("decisionId");
        final JsonArray items = new JsonArray()
            .add(new JsonObject().put("decisionId", a).put("reward", 1))
            .add(new JsonObject().put("decisionId", a).put("reward", 1))
            .add(new JsonObject().put("decisionId", b).put("reward", 7))
            .add(new JsonObject().put("decisionId", "forged").put("reward", 0))
            .add(new JsonObject().put("reward", 0));
        final HttpResponse<String> response = server.post("/v1/reward/batch",
            new JsonObject().put("rewards", items).encode());
        assertEquals(200, response.statusCode(), response.body());
        final JsonArray results = new JsonObject(response.body()).getJsonArray("results");
        assertEquals("accepted", results.getJsonObject(0).getString("status"));
        assertEquals("duplicate", results.getJsonObject(1).getString("status"));
        assertEquals("reward", results.getJsonObject(2).getString("field"));
        assertEquals(400, results.getJsonObject(3).getInteger("code"));
        assertEquals("decisionId", results.getJsonObject(4).getString("field"));
    }

    @Test
    void badInputGetsAClearClientError() throws Exception {
        assertError(server.post("/v1/decide", "application/json", new byte[20_000]), 413, null);
        assertError(server.post("/v1/decide", "{\"experiment\":"), 400, null);
        assertError(server.post("/v1/decide", "text/plain", "{\"experiment\":\"hero\"}".getBytes()), 415, null);
        assertError(server.post("/v1/decide", null, "{\"experiment\":\"hero\"}".getBytes()), 415, null);
        assertError(server.post("/v1/decide", "{\"unit\":\"u\"}"), 400, "experiment");
        assertError(server.post("/v1/decide", "{\"experiment\":5}"), 400, "experiment");
        assertError(server.post("/v1/decide", "{\"experiment\":\"hero\",\"count\":0}"), 400, "count");
        assertError(server.post("/v1/decide", "[1,2]"), 400, null);
        assertError(server.post("/v1/decide", "{\"experiment\":\"hero\",\"unit\":\"a\\u0000b\"}"), 400, "unit");
        final String id = server.decide("revenue", "u").getString("decisionId");
        assertError(server.post("/v1/reward", "{\"decisionId\":\"" + id + "\",\"reward\":NaN}"), 400, null);
        assertError(server.post("/v1/reward", "{\"decisionId\":\"" + id + "\",\"reward\":1e999}"), 400, "reward");
        assertError(server.post("/v1/reward", "{\"decisionId\":\"" + id + "\",\"reward\":\"1\"}"), 400, "reward");
        assertError(server.post("/v1/reward", "{\"decisionId\":\"" + id + "\"}"), 400, "reward");
        final HttpResponse<String> ok = server.post("/v1/decide",
            "{\"experiment\":\"hero\",\"unit\":\"u\",\"extra\":{\"nested\":[1,2,{\"x\":null}]}}");
        assertEquals(200, ok.statusCode(), "unknown fields are ignored: " + ok.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String field) {
        assertEquals(status, response.statusCode(), response.body());
        final JsonObject body = new JsonObject(response.body());
        assertTrue(body.getString("error") != null && !body.getString("error").isBlank(), response.body());
        if (field != null) {
            assertEquals(field, body.getString("field"), response.body());
        }
    }

    @Test
    void adminNeedsTheBearerTokenAndKeepsLearningAcrossChanges() throws Exception {
        final HttpResponse<String> anonymous = server.get("/v1/experiments");
        assertEquals(401, anonymous.statusCode());
        final String definition = "{\"variants\":[\"red\",\"blue\"],\"default\":\"red\"}";
        assertEquals(201, server.admin("PUT", "/v1/experiments/colours", definition).statusCode());
        final String id = server.decide("colours", "u").getString("decisionId");
        assertEquals(202, server.reward(id, 1).statusCode());

        final HttpResponse<String> updated = server.admin("PUT", "/v1/experiments/colours",
            "{\"variants\":[\"red\",\"blue\",\"green\"],\"default\":\"red\"}");
        assertEquals(200, updated.statusCode(), updated.body());
        final JsonObject stats = server.stats("colours");
        long total = 0;
        for (final Object v : stats.getJsonArray("variantStats")) {
            total += ((JsonObject) v).getLong("rewards");
        }
        assertEquals(1, total, "the reward taken before the change is still there");
        assertEquals(3, stats.getJsonArray("variantStats").size());

        assertEquals(200, server.admin("POST", "/v1/experiments/colours/pause", null).statusCode());
        for (int i = 0; i < 20; i++) {
            final JsonObject paused = server.decide("colours", "u" + i);
            assertEquals("red", paused.getString("variant"));
            assertEquals(1.0, paused.getDouble("propensity"));
        }
        assertEquals(200, server.admin("POST", "/v1/experiments/colours/resume", null).statusCode());
        final JsonArray listed = new JsonObject(server.admin("GET", "/v1/experiments", null).body())
            .getJsonArray("experiments");
        assertTrue(listed.stream().anyMatch(e -> "colours".equals(((JsonObject) e).getString("id"))));
        assertEquals(400, server.admin("PUT", "/v1/experiments/colours", "{\"variants\":[]}").statusCode());
        assertEquals(409, server.admin("PUT", "/v1/experiments/colours",
            "{\"variants\":[\"red\"],\"rewardModel\":\"gaussian\"}").statusCode());
    }

    @Test
    void pathsAndMethodsAreMatchedAsTheRouterMatchesThem() throws Exception {
        // the per-impression endpoints are looked up by exact path first; a trailing slash still reaches them
        final HttpResponse<String> slash = server.post("/v1/decide/", "{\"experiment\":\"hero\",\"unit\":\"u\"}");
        assertEquals(200, slash.statusCode(), slash.body());
        assertEquals("hero", new JsonObject(slash.body()).getString("experiment"));
        // another method on a known path is a 405 naming the allowed ones, an unknown path a 404
        final HttpResponse<String> getDecide = server.get("/v1/decide");
        assertError(getDecide, 405, null);
        assertEquals("POST", getDecide.headers().firstValue("Allow").orElse(null));
        final HttpResponse<String> deleteHealth = server.admin("DELETE", "/health", null);
        assertError(deleteHealth, 405, null);
        assertEquals("GET, HEAD", deleteHealth.headers().firstValue("Allow").orElse(null));
        for (final String probe : new String[] {"/health", "/ready"}) { // load balancers' checks may use HEAD
            final HttpResponse<String> head = server.admin("HEAD", probe, null);
            assertEquals(200, head.statusCode(), probe);
            assertEquals("", head.body(), probe);
        }
        final HttpResponse<String> deleteExperiment = server.admin("DELETE", "/v1/experiments/hero", null);
        assertError(deleteExperiment, 405, null);
        assertEquals("GET, PUT", deleteExperiment.headers().firstValue("Allow").orElse(null));
        final HttpResponse<String> unknown = server.get("/v1/nothing-here");
        assertError(unknown, 404, null);
        assertTrue(unknown.body().contains("no such endpoint"), unknown.body());
    }

    @Test
    void healthReadinessAndMetricsAnswer() throws Exception {
        assertEquals(200, server.get("/health").statusCode());
        final HttpResponse<String> ready = server.get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals(true, new JsonObject(ready.body()).getJsonObject("postgres").getBoolean("up"));
        server.decide("hero", "metrics");
        final String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("arbiter_http_requests_seconds_bucket{endpoint=\"decide\""), metrics);
        assertTrue(metrics.contains("arbiter_decisions_total{experiment=\"hero\"}"), metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\""), "the JVM's meters are bound: " + metrics);
    }

    private static long rewardsOf(JsonObject stats, String variant) {
        for (final Object v : stats.getJsonArray("variantStats")) {
            final JsonObject entry = (JsonObject) v;
            if (variant.equals(entry.getString("variant"))) {
                return entry.getLong("rewards");
            }
        }
        throw new AssertionError("no variant " + variant + " in " + stats.encode());
    }
}
