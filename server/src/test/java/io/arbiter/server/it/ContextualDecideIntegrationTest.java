package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decisions with eligibility, context, features and sticky units, through HTTP against a real server. */
class ContextualDecideIntegrationTest {
    private static final List<String> SIX = List.of("A", "B", "C", "D", "E", "F");

    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dataDir);
        put("elig", new JsonObject().put("variants", new JsonArray(SIX)));
        put("paused", new JsonObject().put("variants", new JsonArray(SIX)).put("default", "C")
            .put("status", "paused"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static void put(String id, JsonObject definition) throws Exception {
        final HttpResponse<String> response = server.admin("PUT", "/v1/experiments/" + id, definition.encode());
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, response.body());
    }

    static HttpResponse<String> decide(JsonObject body) throws Exception {
        return server.post("/v1/decide", body.encode());
    }

    static void assertBadField(HttpResponse<String> response, String field) {
        assertEquals(400, response.statusCode(), response.body());
        assertEquals(field, new JsonObject(response.body()).getString("field"), response.body());
    }

    @Test
    void everyAnswerIsEligibleOverRandomEligibleSetsAndNoneIsA400() throws Exception {
        final long seed = Long.getLong("test.seed", System.nanoTime());
        final Random random = new Random(seed);
        for (int round = 0; round < 150; round++) {
            final JsonObject body = new JsonObject().put("experiment", "elig").put("unit", "u" + round);
            final Set<String> allowed = new HashSet<>(SIX);
            final int mode = random.nextInt(3);
            if (mode != 1) { // eligible: one variant, several, or an unknown id besides
                final List<String> eligible = new ArrayList<>();
                final int size = random.nextInt(4) == 0 ? 1 : 1 + random.nextInt(SIX.size());
                for (int i = 0; i < size; i++) {
                    eligible.add(SIX.get(random.nextInt(SIX.size())));
                }
                if (random.nextBoolean()) {
                    eligible.add("unknown");
                }
                allowed.retainAll(eligible);
                body.put("eligible", new JsonArray(eligible));
            }
            if (mode != 0) {
                final List<String> exclude = new ArrayList<>();
                final int size = random.nextInt(SIX.size() + 1);
                for (int i = 0; i < size; i++) {
                    exclude.add(SIX.get(random.nextInt(SIX.size())));
                }
                allowed.removeAll(exclude);
                body.put("exclude", new JsonArray(exclude));
            }
            final int count = 1 + random.nextInt(7);
            body.put("count", count);
            final HttpResponse<String> response = decide(body);
            final String context = "seed " + seed + " round " + round + " " + body.encode() + " -> " + response.body();
            if (allowed.isEmpty()) {
                assertEquals(400, response.statusCode(), context);
                final String field = new JsonObject(response.body()).getString("field");
                assertTrue(field.equals("eligible") || field.equals("exclude"), context);
                continue;
            }
            assertEquals(200, response.statusCode(), context);
            final JsonObject answer = new JsonObject(response.body());
            assertTrue(allowed.contains(answer.getString("variant")), context);
            final double propensity = answer.getDouble("propensity");
            assertTrue(propensity > 0 && propensity <= 1, context);
            if (allowed.size() == 1) {
                assertEquals(1.0, propensity, 1e-9, context);
            }
            if (count > 1) {
                final JsonArray variants = answer.getJsonArray("variants");
                assertEquals(Math.min(count, allowed.size()), variants.size(), context);
                assertEquals(variants.size(), new HashSet<>(variants.getList()).size(), context);
                assertTrue(allowed.containsAll(variants.getList()), context);
                assertEquals(answer.getString("variant"), variants.getString(0), context);
            }
        }
    }

    @Test
    void aPausedExperimentWhoseDefaultIsNotEligibleAnswersTheFirstEligible() throws Exception {
        final JsonObject both = new JsonObject(decide(new JsonObject().put("experiment", "paused")
            .put("eligible", new JsonArray().add("E").add("B").add("C"))).body());
        assertEquals("C", both.getString("variant"));
        assertEquals(1.0, both.getDouble("propensity"));
        final JsonObject notDefault = new JsonObject(decide(new JsonObject().put("experiment", "paused")
            .put("eligible", new JsonArray().add("E").add("D")).put("exclude", new JsonArray().add("A"))).body());
        assertEquals("D", notDefault.getString("variant"));
        assertEquals(1.0, notDefault.getDouble("propensity"));
    }

    @Test
    void malformedEligibilityIsA400NamingTheField() throws Exception {
        assertBadField(decide(new JsonObject().put("experiment", "elig").put("eligible", "A")), "eligible");
        assertBadField(decide(new JsonObject().put("experiment", "elig").put("exclude", new JsonArray().add(1))),
            "exclude");
        assertBadField(decide(new JsonObject().put("experiment", "elig").put("eligible", new JsonArray())),
            "eligible");
    }
}
