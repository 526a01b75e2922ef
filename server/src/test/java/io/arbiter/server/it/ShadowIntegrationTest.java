package io.arbiter.server.it;

import io.arbiter.server.token.DecisionFlags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shadow mode through HTTP. Two experiments with the same hidden rates and the same champion, a Thompson model whose
 * prior (alpha 10^8, beta 9 x 10^8) is so strong that it serves uniformly for the whole test (propensity 1/3): {@code
 * twin} without a challenger and {@code shadowed} with a challenger of flat prior, which learns from the decisions it
 * agrees with and comes to prefer the best variant. The visitors (seeded, {@code -Dshadow.seed=N}, printed) reward
 * each decision (1 with its variant's hidden rate, 0 otherwise). Then: the shadowed champion's answers are uniform, as
 * the twin's, and every propensity it logged is the champion's (1/3, not the challenger's preference); the challenger
 * chose every bandit decision and agreed on about a third; its matched estimate's 95% interval contains the true value
 * of what it chose (the hidden rates weighted by its agreements) and that value is near the best variant's rate. Bad
 * challenger configurations are 400s naming {@code challenger.<member>}; promotion is a PUT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShadowIntegrationTest {
    private static final int DECISIONS = 3_000;
    private static final Map<String, Double> RATES = Map.of("A", 0.04, "B", 0.08, "C", 0.30);
    private static final List<String> VARIANTS = List.of("A", "B", "C");

    @TempDir
    static Path dataDir;
    static TestServer server;
    static long seed;
    static final Map<String, int[]> SERVED = new java.util.TreeMap<>();
    static final Map<String, int[]> TWIN = new java.util.TreeMap<>();
    /** Decisions whose id carries the CHALLENGER_AGREED flag, per experiment. */
    static final Map<String, Integer> AGREED = new java.util.HashMap<>();

    static JsonObject definition(boolean challenger) {
        final JsonObject json = new JsonObject().put("variants", new JsonArray(VARIANTS))
            .put("prior", new JsonObject().put("alpha", 1e8).put("beta", 9e8));
        if (challenger) {
            json.put("challenger", new JsonObject().put("prior", new JsonObject().put("alpha", 1).put("beta", 1)));
        }
        return json;
    }

    @BeforeAll
    static void start() throws Exception {
        seed = Long.getLong("shadow.seed", 11);
        System.out.println("ShadowIntegrationTest seed: " + seed + " (rerun with -Dshadow.seed=" + seed + ")");
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("decisions").put("seed", seed).put("propensityDraws", 4_000);
        server = TestServer.start(config);
        for (final String id : List.of("twin", "shadowed")) {
            final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/" + id,
                definition("shadowed".equals(id)).encode());
            assertEquals(201, put.statusCode(), put.body());
        }
        final SplittableRandom visitors = new SplittableRandom(seed);
        for (int i = 0; i < DECISIONS; i++) {
            play("shadowed", i, visitors, SERVED);
            play("twin", i, visitors, TWIN);
        }
        SERVED.forEach((v, c) -> System.out.println("shadowed " + v + ": served " + c[0] + ", rewarded " + c[1]));
        TWIN.forEach((v, c) -> System.out.println("twin " + v + ": served " + c[0] + ", rewarded " + c[1]));
    }

    private static void play(String experiment, int i, SplittableRandom visitors, Map<String, int[]> counts)
        throws Exception {
        final JsonObject decision = server.decide(experiment, "u" + i);
        final String variant = decision.getString("variant");
        assertEquals(1.0 / 3, decision.getDouble("propensity"), 0.05, "the champion's propensity: " + decision);
        final int flags = Integer.parseInt(decision.getString("decisionId").split("\\.")[5], 16);
        AGREED.merge(experiment, (flags & DecisionFlags.CHALLENGER_AGREED) != 0 ? 1 : 0, Integer::sum);
        final int[] c = counts.computeIfAbsent(variant, v -> new int[2]);
        c[0]++;
        final boolean success = visitors.nextDouble() < RATES.get(variant);
        c[1] += success ? 1 : 0;
        assertEquals(202, server.reward(decision.getString("decisionId"), success ? 1 : 0).statusCode());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void theChampionsAnswersAreUnchanged() {
        // Uniform serving: each variant's count is Binomial(3000, 1/3), sd 25.8; 4 sd is 103.
        for (final String variant : VARIANTS) {
            final int shadowed = SERVED.getOrDefault(variant, new int[2])[0];
            final int twin = TWIN.getOrDefault(variant, new int[2])[0];
            assertTrue(Math.abs(shadowed - DECISIONS / 3) < 103, variant + " served " + shadowed + " shadowed");
            assertTrue(Math.abs(twin - DECISIONS / 3) < 103, variant + " served " + twin + " without one");
        }
    }

    @Test
    @Order(2)
    void theMatchedEstimateCoversTheValueOfTheChallengersChoices() throws Exception {
        final JsonObject stats = server.stats("shadowed");
        final JsonObject challenger = stats.getJsonObject("challenger");
        assertNotNull(challenger, stats.encodePrettily());
        System.out.println("challenger: " + challenger.encodePrettily());
        System.out.println("champion: " + stats.getJsonObject("champion").encode());
        assertEquals(1.0, challenger.getJsonObject("config").getJsonObject("prior").getDouble("alpha"));
        assertEquals(DECISIONS, challenger.getLong("decisions"), "every bandit decision shadowed");
        final long agreements = challenger.getLong("agreements");
        assertTrue(Math.abs(agreements - DECISIONS / 3) < 103, "agreements " + agreements);
        double truth = 0;
        long agreed = 0;
        long chosenC = 0;
        for (final Object raw : challenger.getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) raw;
            truth += v.getLong("agreements") * RATES.get(v.getString("variant"));
            agreed += v.getLong("agreements");
            if ("C".equals(v.getString("variant"))) {
                chosenC = v.getLong("chosen");
            }
        }
        assertEquals(agreements, agreed);
        assertEquals(agreements, AGREED.get("shadowed").longValue(), "every agreement is flagged in its decision id");
        assertEquals(0, AGREED.get("twin"), "no challenger, no flag");
        truth /= agreed;
        assertTrue(chosenC > 0.7 * DECISIONS, "the challenger came to prefer C: " + chosenC);
        final JsonObject matched = challenger.getJsonObject("matched");
        final JsonArray interval = matched.getJsonArray("credibleInterval95");
        assertTrue(interval.getDouble(0) <= truth && truth <= interval.getDouble(1),
            "matched interval " + interval + " covers the value of the challenger's choices " + truth);
        assertEquals(RATES.get("C"), truth, 0.04, "its choices are mostly the best variant");
        final long rewarded = SERVED.values().stream().mapToLong(c -> c[1]).sum();
        final JsonObject champion = stats.getJsonObject("champion");
        assertEquals(DECISIONS, champion.getLong("decisions"));
        assertEquals(DECISIONS, champion.getLong("rewards"), "every decision rewarded (0 or 1)");
        assertEquals((double) rewarded / DECISIONS, champion.getDouble("mean"), 1e-9);
        assertEquals(champion.getDouble("mean"), champion.getDouble("meanPerDecision"), 1e-9, "every one rewarded");
        assertEquals(matched.getDouble("mean"), matched.getDouble("meanPerDecision"), 1e-9);
        assertNull(server.stats("twin").getJsonObject("challenger"), "no challenger, no section");
    }

    @Test
    @Order(3)
    void badChallengerConfigurationsAreRefusedNamingTheMember() throws Exception {
        final Map<Object, String> bad = new java.util.LinkedHashMap<>();
        bad.put(new JsonObject().put("context", new JsonObject().put("model", "segments")),
            "challenger.context.attributes");
        bad.put(new JsonObject().put("context", new JsonObject().put("model", "linear")),
            "challenger.context.features");
        bad.put(new JsonObject().put("context", new JsonObject().put("model", "trees")), "challenger.context.model");
        bad.put(new JsonObject().put("context", 3), "challenger.context");
        bad.put(new JsonObject().put("unknown", 3), "challenger.unknown");
        bad.put(new JsonObject().put("prior", new JsonObject().put("alpha", -1)), "challenger.prior");
        bad.put(new JsonObject().put("prior", "strong"), "challenger.prior");
        bad.put(new JsonObject().put("halfLife", "soon"), "challenger.halfLife");
        bad.put(new JsonObject().put("halfLife", 0.5), "challenger.halfLife");
        bad.put(new JsonObject(), "challenger");
        bad.put(5, "challenger");
        for (final Map.Entry<Object, String> e : bad.entrySet()) {
            final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/shadowed",
                definition(false).put("challenger", e.getKey()).encode());
            assertEquals(400, put.statusCode(), e.getKey() + ": " + put.body());
            assertEquals(e.getValue(), new JsonObject(put.body()).getString("field"), put.body());
        }
        final HttpResponse<String> badPromotion = server.admin("PUT", "/v1/experiments/shadowed",
            definition(false).put("promotedFrom", 7).encode());
        assertEquals(400, badPromotion.statusCode(), badPromotion.body());
        assertEquals("promotedFrom", new JsonObject(badPromotion.body()).getString("field"));
        final JsonObject after = server.stats("shadowed");
        assertEquals(DECISIONS, after.getJsonObject("challenger").getLong("decisions"), "nothing changed");
    }

    /**
     * The challenger's generation: decisions agreed under one configuration carry its generation in their id's policy
     * version; after the challenger's configuration changes, their rewards do not teach the new one (counted as
     * stale), while the rewards of decisions it agreed with itself do. Uses its own experiment so the others' numbers
     * stay as they are.
     */
    @Test
    @Order(4)
    void rewardsOfDecisionsAgreedUnderAnOlderChallengerDoNotTeachTheNewOne() throws Exception {
        final JsonObject first = definition(true);
        assertEquals(201, server.admin("PUT", "/v1/experiments/generations", first.encode()).statusCode());
        final int firstGeneration = server.stats("generations").getJsonObject("challenger").getInteger("generation");
        assertTrue(firstGeneration >= 1 && firstGeneration <= DecisionFlags.MAX_POLICY_VERSION);
        final List<String> agreedUnderFirst = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            final String id = server.decide("generations", "g" + i).getString("decisionId");
            final int flags = Integer.parseInt(id.split("\\.")[5], 16);
            if ((flags & DecisionFlags.CHALLENGER_AGREED) != 0) {
                assertEquals(firstGeneration, DecisionFlags.policyVersion(flags), "the agreeing generation in the id: "
                    + id);
                agreedUnderFirst.add(id);
            } else {
                assertEquals(0, DecisionFlags.policyVersion(flags), id);
            }
        }
        assertTrue(agreedUnderFirst.size() > 50, "agreements under the first challenger: " + agreedUnderFirst.size());
        final JsonObject second = definition(false).put("challenger",
            new JsonObject().put("prior", new JsonObject().put("alpha", 2).put("beta", 2)));
        assertEquals(200, server.admin("PUT", "/v1/experiments/generations", second.encode()).statusCode());
        for (final String id : agreedUnderFirst) {
            assertEquals(202, server.reward(id, 1).statusCode());
        }
        JsonObject challenger = server.stats("generations").getJsonObject("challenger");
        System.out.println("after the change: " + challenger.encode());
        final int secondGeneration = challenger.getInteger("generation");
        assertNotEquals(firstGeneration, secondGeneration, "another configuration, another generation");
        assertEquals(0, challenger.getJsonObject("matched").getLong("rewards"),
            "an older configuration's agreements teach nothing: " + challenger.encode());
        assertEquals(agreedUnderFirst.size(), challenger.getLong("staleRewards"));
        int own = 0;
        for (int i = 0; i < 100; i++) {
            final String id = server.decide("generations", "h" + i).getString("decisionId");
            final int flags = Integer.parseInt(id.split("\\.")[5], 16);
            if ((flags & DecisionFlags.CHALLENGER_AGREED) != 0) {
                assertEquals(secondGeneration, DecisionFlags.policyVersion(flags), id);
                assertEquals(202, server.reward(id, 1).statusCode());
                own++;
            }
        }
        challenger = server.stats("generations").getJsonObject("challenger");
        assertTrue(own > 0);
        assertEquals(own, challenger.getJsonObject("matched").getLong("rewards"), "its own agreements teach it");
        assertEquals(200, server.admin("PUT", "/v1/experiments/generations", second.encode()).statusCode());
        assertEquals(secondGeneration, server.stats("generations").getJsonObject("challenger")
            .getInteger("generation"), "the same configuration again keeps its generation and what it learned");
        assertEquals(200, server.admin("PUT", "/v1/experiments/generations", first.encode()).statusCode());
        assertEquals(firstGeneration, server.stats("generations").getJsonObject("challenger")
            .getInteger("generation"), "a configuration's generation is its own, whatever came before it (so every "
                + "node and every restart derives the same)");
    }

    @Test
    @Order(5)
    void promotionIsThePutOfTheChallengersConfiguration() throws Exception {
        final JsonObject config = server.stats("shadowed").getJsonObject("challenger").getJsonObject("config");
        final JsonObject promoted = new JsonObject().put("variants", new JsonArray(VARIANTS))
            .put("prior", config.getJsonObject("prior")).put("halfLife", config.getValue("halfLife"))
            .put("challenger", null).put("promotedFrom", "job-42");
        final HttpResponse<String> put = server.admin("PUT", "/v1/experiments/shadowed", promoted.encode());
        assertEquals(200, put.statusCode(), put.body());
        final JsonObject stats = server.stats("shadowed");
        assertEquals(1.0, stats.getJsonObject("prior").getDouble("alpha"));
        assertEquals("job-42", stats.getString("promotedFrom"));
        assertFalse(stats.containsKey("challenger"), "the challenger is gone once promoted");
        int best = 0;
        for (int i = 0; i < 50; i++) {
            best += "C".equals(server.decide("shadowed", "after" + i).getString("variant")) ? 1 : 0;
        }
        assertTrue(best >= 40, "the promoted model serves what it learned (C " + best + " of 50)");
    }
}
