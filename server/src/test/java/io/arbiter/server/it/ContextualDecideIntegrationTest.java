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
    /**
     * The seed of the simulated visitors and of the server's own generators (decisions.seed), fixed so a run can be
     * repeated; another with {@code -Dtest.seed=N}. Printed in every failure message.
     */
    static final long SEED = Long.getLong("test.seed", 14L);

    @BeforeAll
    static void start() throws Exception {
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("decisions").put("seed", SEED);
        server = TestServer.start(config);
        put("elig", new JsonObject().put("variants", new JsonArray(SIX)));
        put("paused", new JsonObject().put("variants", new JsonArray(SIX)).put("default", "C")
            .put("status", "paused"));
        put("seg", new JsonObject().put("variants", new JsonArray().add("A").add("B").add("C"))
            .put("context", new JsonObject().put("model", "segments")
                .put("attributes", new JsonArray().add("device").add("country"))
                .put("interactions", new JsonArray().add(new JsonArray().add("device").add("country")))
                .put("priorStrength", 50)));
        put("sticky", new JsonObject().put("variants", new JsonArray(SIX)).put("sticky", "PT30M"));
        put("lin", new JsonObject().put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "linear").put("features", new JsonArray().add("x"))
                .put("attributes", new JsonArray().add("device")).put("buckets", 4)));
        put("lin3", new JsonObject().put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "linear")
                .put("features", new JsonArray().add("x").add("y").add("z"))));
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
        final long seed = SEED;
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

    /** Hidden click rates: mobile prefers A, desktop prefers C; B is never best. */
    private static double rate(String device, String variant) {
        final boolean mobile = device.equals("mobile");
        return switch (variant) {
            case "A" -> mobile ? 0.7 : 0.2;
            case "C" -> mobile ? 0.2 : 0.7;
            default -> 0.3;
        };
    }

    @Test
    void twoSegmentsLearnTheirOwnBestVariantAndANewSegmentBehavesLikeItsParent() throws Exception {
        final long seed = SEED;
        final Random random = new Random(seed);
        final int rounds = 500;
        final String[] devices = {"mobile", "desktop"};
        final int[][] lateBest = new int[2][1];
        for (int i = 0; i < rounds; i++) {
            for (int s = 0; s < 2; s++) {
                final JsonObject answer = decideOk(new JsonObject().put("experiment", "seg").put("unit", "u" + i)
                    .put("context", new JsonObject().put("device", devices[s]).put("country", "DE")
                        .put("ignored", "x")));
                final String variant = answer.getString("variant");
                if (i >= rounds * 4 / 5 && variant.equals(s == 0 ? "A" : "C")) {
                    lateBest[s][0]++;
                }
                final int reward = random.nextDouble() < rate(devices[s], variant) ? 1 : 0;
                assertEquals(202, server.reward(answer.getString("decisionId"), reward).statusCode());
            }
        }
        final int late = rounds / 5;
        assertTrue(lateBest[0][0] >= 0.7 * late, "mobile chose A " + lateBest[0][0] + "/" + late + ", seed " + seed);
        assertTrue(lateBest[1][0] >= 0.7 * late, "desktop chose C " + lateBest[1][0] + "/" + late + ", seed " + seed);

        // France was never seen: device x FR is new and backs off to its device's segment.
        int mobileA = 0;
        int desktopC = 0;
        for (int i = 0; i < 100; i++) {
            final String mobile = decideOk(new JsonObject().put("experiment", "seg")
                .put("context", new JsonObject().put("device", "mobile").put("country", "FR"))).getString("variant");
            final String desktop = decideOk(new JsonObject().put("experiment", "seg")
                .put("context", new JsonObject().put("device", "desktop").put("country", "FR"))).getString("variant");
            mobileA += mobile.equals("A") ? 1 : 0;
            desktopC += desktop.equals("C") ? 1 : 0;
        }
        assertTrue(mobileA >= 70, "new mobile x FR chose A " + mobileA + "/100, seed " + seed);
        assertTrue(desktopC >= 70, "new desktop x FR chose C " + desktopC + "/100, seed " + seed);

        final JsonObject segments = server.stats("seg").getJsonObject("segments");
        assertEquals(8, segments.getLong("count"), segments.encode()); // 2 devices, 2 countries, 4 pairs
        assertEquals(0, segments.getLong("parentFallbacks"));
        final JsonArray busiest = segments.getJsonArray("busiest");
        assertTrue(busiest.size() == 8, busiest.encode());
    }

    @Test
    void stickyUnitsKeepTheirVariantWithPropensityOne() throws Exception {
        final io.arbiter.server.token.DecisionTokens tokens = new io.arbiter.server.token.DecisionTokens(
            new io.arbiter.server.token.SignedTokens(TestServer.TOKEN_SECRET.getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
        for (int unit = 0; unit < 20; unit++) {
            final JsonObject first = decideOk(new JsonObject().put("experiment", "sticky").put("unit", "s" + unit));
            final String variant = first.getString("variant");
            assertTrue(first.getDouble("propensity") < 1.0, first.encode());
            for (int repeat = 0; repeat < 4; repeat++) {
                final JsonObject again = decideOk(new JsonObject().put("experiment", "sticky")
                    .put("unit", "s" + unit));
                assertEquals(variant, again.getString("variant"), "unit s" + unit);
                assertEquals(1.0, again.getDouble("propensity"));
                assertTrue(tokens.parse(again.getString("decisionId"), "decisionId")
                    .has(io.arbiter.server.token.DecisionFlags.STICKY));
            }
            // Not eligible for this request: another variant, and the assignment is kept for later.
            final JsonObject excluded = decideOk(new JsonObject().put("experiment", "sticky").put("unit", "s" + unit)
                .put("exclude", new JsonArray().add(variant)));
            assertTrue(!excluded.getString("variant").equals(variant), excluded.encode());
            assertEquals(variant, decideOk(new JsonObject().put("experiment", "sticky").put("unit", "s" + unit))
                .getString("variant"));
        }
    }

    @Test
    void contextLimitsAre400sNamingTheField() throws Exception {
        final JsonObject many = new JsonObject();
        for (int i = 0; i < 33; i++) {
            many.put("a" + i, "v");
        }
        assertBadField(decide(new JsonObject().put("experiment", "seg").put("context", many)), "context");
        assertBadField(decide(new JsonObject().put("experiment", "seg")
            .put("context", new JsonObject().put("device", "x".repeat(129)))), "context");
        assertBadField(decide(new JsonObject().put("experiment", "seg")
            .put("context", new JsonObject().put("device", 3))), "context");
        final JsonObject features = new JsonObject();
        for (int i = 0; i < 65; i++) {
            features.put("f" + i, i);
        }
        assertBadField(decide(new JsonObject().put("experiment", "lin").put("features", features)), "features");
        assertBadField(server.post("/v1/decide", "{\"experiment\":\"lin\",\"features\":{\"x\":1e400}}"),
            "features");
        assertBadField(decide(new JsonObject().put("experiment", "lin")
            .put("features", new JsonObject().put("x", "1"))), "features");
        assertEquals(200, decide(new JsonObject().put("experiment", "seg")
            .put("context", new JsonObject().put("device", "x".repeat(128)))).statusCode());
    }

    @Test
    void aPutBeyondTheLinearModelsCapacityIsA409AndTheOldDefinitionIsStillServed() throws Exception {
        final JsonObject context = new JsonObject().put("model", "linear").put("features", new JsonArray().add("x"));
        final HttpResponse<String> valid = server.admin("POST", "/v1/experiments/lincap/validate",
            new JsonObject().put("variants", new JsonArray().add("v0").add("v1")).put("context", context).encode());
        assertEquals(200, valid.statusCode(), valid.body());
        assertEquals(64, new JsonObject(valid.body()).getJsonObject("definition").getJsonObject("context")
            .getInteger("variantCapacity"), "the definition as a PUT stores it: " + valid.body());
        put("lincap", new JsonObject().put("variants", new JsonArray().add("v0").add("v1")).put("context", context));
        final HttpResponse<String> again = server.admin("POST", "/v1/experiments/lincap/validate",
            new JsonObject().put("variants", new JsonArray().add("v0").add("v1").add("v2")).put("context", context)
                .encode());
        assertEquals(64, new JsonObject(again.body()).getJsonObject("definition").getJsonObject("context")
            .getInteger("variantCapacity"), "the stored experiment's, kept: " + again.body());
        assertEquals(server.stats("lincap").getString("salt"), new JsonObject(again.body()).getJsonObject("definition")
            .getString("salt"), "the stored experiment's salt, kept: " + again.body());
        final JsonArray many = new JsonArray();
        for (int v = 0; v < 65; v++) {
            many.add("v" + v);
        }
        final HttpResponse<String> invalid = server.admin("POST", "/v1/experiments/lincap/validate",
            new JsonObject().put("variants", many).put("context", context).encode());
        assertEquals(409, invalid.statusCode(), invalid.body());
        final HttpResponse<String> refused = server.admin("PUT", "/v1/experiments/lincap",
            new JsonObject().put("variants", many).put("context", context).encode());
        assertEquals(409, refused.statusCode(), refused.body());
        final JsonObject error = new JsonObject(refused.body());
        assertEquals("variants", error.getString("field"), refused.body());
        assertTrue(refused.body().contains("room for 64"), refused.body());

        final JsonObject stats = server.stats("lincap");
        assertEquals(new JsonArray().add("v0").add("v1"), stats.getJsonArray("variants"), stats.encode());
        assertEquals(2, stats.getJsonObject("arms").size(), "no arm assigned: " + stats.encode());
        assertEquals(64, stats.getJsonObject("context").getInteger("variantCapacity"), stats.encode());
        for (int i = 0; i < 20; i++) {
            final JsonObject answer = decideOk(new JsonObject().put("experiment", "lincap")
                .put("features", new JsonObject().put("x", i % 2)));
            assertTrue(answer.getString("variant").equals("v0") || answer.getString("variant").equals("v1"),
                answer.encode());
        }
        many.remove(64);
        put("lincap", new JsonObject().put("variants", many).put("context", context)); // up to its room: served
        assertEquals(64, decideOk(new JsonObject().put("experiment", "lincap").put("count", 64)
            .put("features", new JsonObject().put("x", 1))).getJsonArray("variants").size());
    }

    @Test
    void aLinearExperimentDecidesOnFeaturesAndLearnsFromRewards() throws Exception {
        final long seed = SEED;
        final Random random = new Random(seed);
        int lateRight = 0;
        final int rounds = 600;
        for (int i = 0; i < rounds; i++) {
            final double x = random.nextBoolean() ? 1.0 : -1.0;
            final JsonObject answer = decideOk(new JsonObject().put("experiment", "lin")
                .put("features", new JsonObject().put("x", x)).put("context", new JsonObject().put("device", "m")));
            final double propensity = answer.getDouble("propensity");
            assertTrue(propensity > 0 && propensity <= 1, answer.encode());
            final boolean aIsRight = x > 0;
            final boolean right = answer.getString("variant").equals(aIsRight ? "A" : "B");
            if (i >= rounds * 4 / 5 && right) {
                lateRight++;
            }
            server.reward(answer.getString("decisionId"), random.nextDouble() < (right ? 0.8 : 0.2) ? 1 : 0);
        }
        assertTrue(lateRight >= 0.7 * rounds / 5, "linear right " + lateRight + "/" + rounds / 5 + ", seed " + seed);
    }

    @Test
    void contextDefinitionsAreValidatedStrictly() throws Exception {
        final String[][] bad = {
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"tree\"}}", "context.model"},
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"segments\"}}", "context.attributes"},
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"segments\",\"attributes\":[\"a\"],"
                + "\"interactions\":[[\"a\",\"b\"]]}}", "context.interactions"},
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"segments\",\"attributes\":[\"a\"],"
                + "\"bogus\":1}}", "context.bogus"},
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"segments\",\"attributes\":[\"a\"],"
                + "\"priorStrength\":-1}}", "context.priorStrength"},
            {"{\"variants\":[\"A\"],\"context\":{\"model\":\"linear\",\"features\":[\"f\"],"
                + "\"attributes\":[\"a\"],\"buckets\":64}}", "context"},
            {"{\"variants\":[\"A\"],\"sticky\":\"PT0.5S\"}", "sticky"},
        };
        for (final String[] c : bad) {
            final HttpResponse<String> response = server.admin("PUT", "/v1/experiments/bad", c[0]);
            assertBadField(response, c[1]);
        }
        final String wider = new JsonObject().put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "linear").put("features", new JsonArray().add("x").add("y"))
                .put("attributes", new JsonArray().add("device")).put("buckets", 4)).encode();
        for (final String path : new String[] {"/v1/experiments/lin", "/v1/experiments/lin/validate"}) {
            final HttpResponse<String> changed = server.admin(path.endsWith("validate") ? "POST" : "PUT", path, wider);
            assertEquals(409, changed.statusCode(), changed.body());
            assertEquals("context", new JsonObject(changed.body()).getString("field"));
        }
        final JsonObject stored = server.stats("seg");
        assertEquals("segments", stored.getJsonObject("context").getString("model"));
        assertEquals(1800.0, server.stats("sticky").getDouble("sticky"));
    }

    private static JsonObject decideOk(JsonObject body) throws Exception {
        final HttpResponse<String> response = decide(body);
        assertEquals(200, response.statusCode(), body.encode() + " -> " + response.body());
        return new JsonObject(response.body());
    }

    @Test
    void theDecisionRowKeepsItsContextAndFlagsAndTheRewardItsSegments() throws Exception {
        server.awaitShipped(java.time.Duration.ofSeconds(20));
        final long segmentRows = query("SELECT count(*) FROM segment_aggregates WHERE experiment = $1", "seg")
            .getLong(0);
        final JsonObject answer = decideOk(new JsonObject().put("experiment", "seg").put("unit", "row-1")
            .put("context", new JsonObject().put("device", "tv").put("country", "J\"P").put("ignored", "x")));
        final String id = answer.getString("decisionId");
        assertEquals(202, server.reward(id, 1).statusCode());
        final JsonObject sticky = decideOk(new JsonObject().put("experiment", "sticky").put("unit", "row-2"));
        final JsonObject repeat = decideOk(new JsonObject().put("experiment", "sticky").put("unit", "row-2"));
        server.awaitShipped(java.time.Duration.ofSeconds(20));
        final io.vertx.sqlclient.Row row = query("SELECT context, flags FROM decisions WHERE id = $1", id);
        final JsonObject context = (JsonObject) row.getValue(0);
        assertEquals(new JsonObject().put("device", "tv").put("country", "J\"P"), context.getJsonObject("context"));
        assertEquals(0, row.getInteger(1));
        assertEquals(io.arbiter.server.token.DecisionFlags.STICKY,
            query("SELECT flags FROM decisions WHERE id = $1", repeat.getString("decisionId")).getInteger(0));
        assertEquals(0, query("SELECT flags FROM decisions WHERE id = $1", sticky.getString("decisionId"))
            .getInteger(0));
        // tv, J"P and tv x J"P are new segments: the reward reached the aggregates of all three
        assertEquals(segmentRows + 3, query("SELECT count(*) FROM segment_aggregates WHERE experiment = $1", "seg")
            .getLong(0));
    }

    @Test
    void theDecisionRowKeepsEachFeatureAsTheRequestWroteItsNumber() throws Exception {
        // integers, exponents, signs, a number longer than a row copies (written from its parsed value), an unknown
        // feature between known ones: each row's feature parses to the request's value, under its own name
        final String[][] numbers = {
            {"12", "-0.5e-1", "3.0"},
            {"1.00000000000000000000000000000000000001", "0", "-7E+2"},
            {"0.41", "123456789012345678901234", "2.5e-300"},
        };
        final String[] ids = new String[numbers.length];
        for (int i = 0; i < numbers.length; i++) {
            final String body = "{\"experiment\":\"lin3\",\"unit\":\"num-" + i + "\",\"features\":{\"z\":"
                + numbers[i][2] + ",\"x\":" + numbers[i][0] + ",\"unknown\":-1e5,\"y\":" + numbers[i][1] + "}}";
            final HttpResponse<String> response = server.post("/v1/decide", body);
            assertEquals(200, response.statusCode(), response.body());
            ids[i] = new JsonObject(response.body()).getString("decisionId");
        }
        server.awaitShipped(java.time.Duration.ofSeconds(20));
        for (int i = 0; i < numbers.length; i++) {
            final JsonObject features = ((JsonObject) query("SELECT context FROM decisions WHERE id = $1", ids[i])
                .getValue(0)).getJsonObject("features");
            assertEquals(3, features.size(), features.encode());
            final String[] names = {"x", "y", "z"};
            for (int f = 0; f < names.length; f++) {
                assertEquals(Double.parseDouble(numbers[i][f]), features.getDouble(names[f]), 0.0,
                    names[f] + " of row " + i + ": " + features.encode());
            }
        }
    }

    private static io.vertx.sqlclient.Row query(String sql, String parameter) throws Exception {
        final io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rows = server.app.pool().preparedQuery(sql)
            .execute(io.vertx.sqlclient.Tuple.of(parameter)).toCompletionStage().toCompletableFuture()
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1, rows.size(), sql);
        return rows.iterator().next();
    }
}
