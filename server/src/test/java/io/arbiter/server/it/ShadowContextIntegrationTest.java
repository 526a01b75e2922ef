package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A challenger with its own context model, through HTTP: "personalise by device" shadowed beside a plain champion.
 * Hidden rates depend on the device (mobile: A 0.35, B and C 0.02; desktop: C 0.35, A and B 0.02), half the visitors
 * of each. Two experiments get the same seeded traffic and the same champion, a Thompson model whose prior keeps it
 * uniform (propensity 1/3 throughout): {@code plainshadow} with a flat-prior plain challenger, {@code deviceshadow}
 * with the same challenger segmented by {@code device} (priorStrength 5, so its segments leave the root's posterior
 * early). The device challenger learns a variant per device from the
 * decisions it agrees with, so its matched estimate (the mean reward of its agreed decisions) comes near 0.35, while
 * the plain one can do no better than the best single variant (about 0.185). The champion's answers and logged
 * propensities are unchanged. Seeded ({@code -Dshadow.seed=N}, printed).
 */
class ShadowContextIntegrationTest {
    private static final int DECISIONS = 2_400;
    private static final Map<String, Map<String, Double>> RATES = Map.of(
        "mobile", Map.of("A", 0.35, "B", 0.02, "C", 0.02),
        "desktop", Map.of("A", 0.02, "B", 0.02, "C", 0.35));
    private static final List<String> VARIANTS = List.of("A", "B", "C");

    @TempDir
    static Path dataDir;
    static TestServer server;

    static JsonObject definition(JsonObject challenger) {
        return new JsonObject().put("variants", new JsonArray(VARIANTS))
            .put("prior", new JsonObject().put("alpha", 1e8).put("beta", 9e8)).put("challenger", challenger);
    }

    @BeforeAll
    static void start() throws Exception {
        final long seed = Long.getLong("shadow.seed", 5);
        System.out.println("ShadowContextIntegrationTest seed: " + seed + " (rerun with -Dshadow.seed=" + seed + ")");
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("decisions").put("seed", seed).put("propensityDraws", 4_000);
        server = TestServer.start(config);
        final JsonObject flat = new JsonObject().put("prior", new JsonObject().put("alpha", 1).put("beta", 1));
        assertEquals(201, server.admin("PUT", "/v1/experiments/plainshadow", definition(flat.copy()).encode())
            .statusCode());
        final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/deviceshadow",
            definition(flat.copy().put("context", new JsonObject().put("model", "segments")
                .put("attributes", new JsonArray().add("device")).put("priorStrength", 5))).encode());
        assertEquals(201, put.statusCode(), put.body());
        final SplittableRandom visitors = new SplittableRandom(seed);
        for (int i = 0; i < DECISIONS; i++) {
            final String device = visitors.nextBoolean() ? "mobile" : "desktop";
            for (final String experiment : List.of("plainshadow", "deviceshadow")) {
                final HttpResponse<String> response = server.post("/v1/decide", new JsonObject()
                    .put("experiment", experiment).put("unit", "u" + i)
                    .put("context", new JsonObject().put("device", device)).encode());
                assertEquals(200, response.statusCode(), response.body());
                final JsonObject decision = new JsonObject(response.body());
                assertEquals(1.0 / 3, decision.getDouble("propensity"), 0.05, "the champion's: " + decision);
                final boolean success = visitors.nextDouble() < RATES.get(device).get(decision.getString("variant"));
                assertEquals(202, server.reward(decision.getString("decisionId"), success ? 1 : 0).statusCode());
            }
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theChallengersOwnSegmentsLearnAVariantPerDevice() throws Exception {
        final JsonObject plain = server.stats("plainshadow").getJsonObject("challenger");
        final JsonObject device = server.stats("deviceshadow").getJsonObject("challenger");
        System.out.println("plain challenger: " + plain.encode());
        System.out.println("device challenger: " + device.encode());
        assertEquals("segments", device.getJsonObject("config").getJsonObject("context").getString("model"));
        assertEquals(List.of("device"), device.getJsonObject("config").getJsonObject("context")
            .getJsonArray("attributes").getList());
        assertEquals(DECISIONS, device.getLong("decisions"), "every bandit decision shadowed");
        assertEquals(0, device.getLong("contextLost"), "every agreed decision's context was remembered");
        final long agreements = device.getLong("agreements");
        assertEquals(agreements, device.getJsonObject("matched").getLong("rewards"), "each agreement rewarded once");
        final double deviceMean = device.getJsonObject("matched").getDouble("mean");
        final double plainMean = plain.getJsonObject("matched").getDouble("mean");
        // the plain challenger's best is one variant for everyone (0.185); the segmented one approaches 0.35 as it
        // learns (seed 5: 0.253 with the default priorStrength of 50, against the plain one's 0.159)
        assertTrue(deviceMean > 0.24, "the device challenger's matched mean " + deviceMean);
        assertTrue(plainMean < 0.22, "the plain challenger's matched mean " + plainMean);
        assertTrue(device.getJsonObject("matched").getJsonArray("credibleInterval95").getDouble(0) > plainMean,
            "the device challenger's interval is above the plain one's mean");
        // both variants that are best somewhere were chosen often: A for mobile, C for desktop
        long chosenA = 0;
        long chosenC = 0;
        for (final Object raw : device.getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) raw;
            chosenA += "A".equals(v.getString("variant")) ? v.getLong("chosen") : 0;
            chosenC += "C".equals(v.getString("variant")) ? v.getLong("chosen") : 0;
        }
        assertTrue(chosenA > 0.3 * DECISIONS && chosenC > 0.3 * DECISIONS, "A " + chosenA + ", C " + chosenC);
    }
}
