package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioTest {

    @Test
    void decideSpreadsOverExperimentsAndManyUnits() {
        final DecideScenario decide = new DecideScenario(List.of("hero", "checkout", "pricing"), 10_000, 1);
        final Set<String> experiments = new HashSet<>();
        final Set<String> units = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            final Request r = decide.next();
            assertEquals(HttpMethod.POST, r.method());
            assertEquals("/v1/decide", r.path());
            final JsonObject body = r.body().toJsonObject();
            experiments.add(body.getString("experiment"));
            units.add(body.getString("unit"));
            assertEquals(1, body.getInteger("count"));
            assertTrue(body.getString("unit").startsWith("user-"));
        }
        assertEquals(Set.of("hero", "checkout", "pricing"), experiments);
        assertTrue(units.size() > 1000, "many distinct units: " + units.size());
    }

    @Test
    void decideCarriesTheContextAndFeaturesAsked() {
        final Scenario decide = new ScenarioSpec("decide", List.of("seg"), 100, 0, Map.of(), null, "/",
            DecideContext.parse("device=4,country=5", 3)).prepare().create(0, 7);
        final Set<String> devices = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            final JsonObject body = decide.next().body().toJsonObject();
            final JsonObject context = body.getJsonObject("context");
            assertEquals(2, context.size());
            devices.add(context.getString("device"));
            assertTrue(Set.of("v0", "v1", "v2", "v3", "v4").contains(context.getString("country")));
            final JsonObject features = body.getJsonObject("features");
            assertEquals(Set.of("f0", "f1", "f2"), features.fieldNames());
            final double f0 = features.getDouble("f0");
            assertTrue(f0 >= 0 && f0 <= 1, body.encode());
        }
        assertEquals(Set.of("v0", "v1", "v2", "v3"), devices);
        assertThrows(IllegalArgumentException.class, () -> DecideContext.parse("device", 0));
        assertThrows(IllegalArgumentException.class, () -> DecideContext.parse("device=0", 0));
        assertTrue(DecideContext.parse(null, 0).isEmpty());
    }

    @Test
    void theRewardScenariosDecidesCarryTheFeaturesAsked() {
        // The reward scenario trains a contextual model (bench-guard.sh trains its linear experiment with it), so its
        // decides must carry the features too.
        final Scenario reward = new ScenarioSpec("reward", List.of("lin"), 100, 0.5, Map.of(), null, "/",
            DecideContext.parse(null, 15)).prepare().create(0, 7);
        final JsonObject body = reward.next().body().toJsonObject();
        assertEquals("lin", body.getString("experiment"));
        assertEquals(15, body.getJsonObject("features").size(), body.encode());
    }

    @Test
    void rewardUsesRealTokensFromDecideAnswersAtTheConfiguredRate() {
        final RewardScenario reward = new RewardScenario(List.of("hero"), 100, 0.25, 3);
        int decides = 0;
        int rewards = 0;
        final Set<String> issued = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            final Request r = reward.next();
            if (r.kind() == RequestKind.DECIDE) {
                decides++;
                assertTrue(r.needsResponseBody());
                final String token = "tok-" + i;
                issued.add(token);
                reward.onResponse(r, 200, Buffer.buffer(
                        "{\"decisionId\":\"" + token + "\",\"experiment\":\"hero\",\"variant\":\"B\",\"propensity\""
                                + ":0.71}"));
            } else {
                rewards++;
                assertEquals("/v1/reward", r.path());
                final JsonObject body = r.body().toJsonObject();
                assertTrue(issued.contains(body.getString("decisionId")), "rewards only tokens the server issued");
                assertEquals(1, body.getInteger("reward"));
            }
        }
        // rewards / decides estimates the reward rate 0.25 from ~16k Bernoulli draws: sd ~0.0034,
        // so +-0.02 is about 6 standard deviations.
        assertEquals(0.25, rewards / (double) decides, 0.02);
    }

    @Test
    void rewardIgnoresFailedDecisionsAndAnswersWithoutToken() {
        final RewardScenario reward = new RewardScenario(List.of("hero"), 100, 1.0, 3);
        final Request decide = reward.next();
        reward.onResponse(decide, 500, Buffer.buffer("{\"error\":\"boom\"}"));
        reward.onResponse(decide, 200, Buffer.buffer("{\"variant\":\"A\"}"));
        assertEquals(0, reward.pendingTokens());
        assertEquals(RequestKind.DECIDE, reward.next().kind());
        assertNull(DecisionTokens.extract(Buffer.buffer("{\"decisionId\":42}")));
        assertEquals("a-b_c", DecisionTokens.extract(Buffer.buffer("{\"decisionId\" : \"a-b_c\"}")));
    }

    @Test
    void bidRequestsAreIabShapedVariedAndUniquelyIdentified() {
        final BidScenario bids = new BidScenario(new BidRequestGenerator(), 3, 11);
        final Set<String> ids = new HashSet<>();
        final Set<String> sizes = new HashSet<>();
        final Set<String> domainsOrBundles = new HashSet<>();
        final Set<Double> floors = new HashSet<>();
        final Set<Integer> deviceTypes = new HashSet<>();
        final Set<Integer> impCounts = new HashSet<>();
        int videos = 0;
        for (int i = 0; i < 3000; i++) {
            final Request r = bids.next();
            assertEquals("/openrtb2/bid", r.path());
            final JsonObject bid = r.body().toJsonObject();
            assertTrue(ids.add(bid.getString("id")), "unique id");
            assertTrue(bid.getString("id").startsWith("0003"), "worker number in the id");
            assertTrue(bid.getInteger("tmax") >= 80);
            impCounts.add(bid.getJsonArray("imp").size());
            for (int k = 0; k < bid.getJsonArray("imp").size(); k++) {
                final JsonObject imp = bid.getJsonArray("imp").getJsonObject(k);
                assertEquals(Integer.toString(k + 1), imp.getString("id"));
                floors.add(imp.getDouble("bidfloor"));
                assertTrue(imp.getDouble("bidfloor") > 0 && imp.getDouble("bidfloor") <= 5.01);
                final JsonObject format = imp.containsKey("banner") ? imp.getJsonObject("banner") : imp.getJsonObject(
                        "video");
                if (imp.containsKey("video")) {
                    videos++;
                }
                sizes.add(format.getInteger("w") + "x" + format.getInteger("h"));
            }
            domainsOrBundles.add(bid.containsKey("site") ? bid.getJsonObject("site").getString("domain")
                    : bid.getJsonObject("app").getString("bundle"));
            deviceTypes.add(bid.getJsonObject("device").getInteger("devicetype"));
            assertTrue(bid.getJsonObject("device").getString("ua").startsWith("Mozilla/5.0"));
            assertTrue(bid.getJsonObject("user").getString("id").startsWith("u"));
        }
        assertTrue(sizes.size() >= 8, "sizes " + sizes);
        assertTrue(domainsOrBundles.size() >= 8, "sites and apps " + domainsOrBundles);
        assertTrue(floors.size() >= 100, "floors vary: " + floors.size());
        assertTrue(deviceTypes.containsAll(Set.of(2, 3, 4, 5)), "device types " + deviceTypes);
        assertTrue(impCounts.containsAll(Set.of(1, 2, 3)), "impression counts " + impCounts);
        assertTrue(videos > 0, "video requests too");
    }

    @Test
    void mixedFollowsTheWeightsAndRoutesAnswersToTheirScenario() {
        final ScenarioSpec spec = new ScenarioSpec("mixed", List.of("hero"), 1000, 1.0,
                ScenarioSpec.parseMix("decide=50,bid=30,get=20"), null, "/health");
        final Scenario mixed = spec.prepare().create(0, 9);
        final Map<RequestKind, Integer> counts = new EnumMap<>(RequestKind.class);
        final int n = 20_000;
        for (int i = 0; i < n; i++) {
            counts.merge(mixed.next().kind(), 1, Integer::sum);
        }
        // Binomial sd at n=20000 is under 0.0036 for each share; +-0.02 is over 5 sd.
        assertEquals(0.5, counts.get(RequestKind.DECIDE) / (double) n, 0.02);
        assertEquals(0.3, counts.get(RequestKind.BID) / (double) n, 0.02);
        assertEquals(0.2, counts.get(RequestKind.GET) / (double) n, 0.02);

        final Scenario withRewards = new ScenarioSpec("mixed", List.of("hero"), 1000, 1.0,
                ScenarioSpec.parseMix("reward=1"), null, "/").prepare().create(0, 9);
        final Request decide = withRewards.next();
        withRewards.onResponse(decide, 200, Buffer.buffer("{\"decisionId\":\"t1\"}"));
        final Request reward = withRewards.next();
        assertEquals(RequestKind.REWARD, reward.kind());
        assertTrue(reward.body().toString().contains("\"t1\""));
    }

    @Test
    void mixRejectsUnknownOrNestedParts() {
        assertThrows(IllegalArgumentException.class, () -> new ScenarioSpec("mixed", List.of("hero"), 10, 0.1,
                ScenarioSpec.parseMix("decide=1,mixed=1"), null, "/"));
        assertThrows(IllegalArgumentException.class, () -> ScenarioSpec.parseMix("decide"));
        assertThrows(IllegalArgumentException.class, () -> ScenarioSpec.parseMix("decide=0"));
        assertThrows(IllegalArgumentException.class, () -> new ScenarioSpec("smoke", List.of("hero"), 10, 0.1,
                Map.of(), null, "/"));
    }

    @Test
    void fileScenarioReplaysLinesInOrderAndRoundAgain(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("requests.jsonl");
        Files.writeString(file, String.join("\n",
                "# a comment",
                "{\"method\":\"POST\",\"path\":\"/v1/decide\",\"body\":{\"experiment\":\"hero\",\"unit\":\"u1\",\"count"
                        + "\":1}}",
                "",
                "{\"path\":\"/health\"}",
                "{\"method\":\"put\",\"path\":\"/raw\",\"body\":\"plain text\"}"));
        final Scenario replay = new ScenarioSpec("file", List.of("hero"), 1, 0, Map.of(), file, "/").prepare().create(0,
                1);
        final Request first = replay.next();
        assertEquals(HttpMethod.POST, first.method());
        assertEquals("hero", first.body().toJsonObject().getString("experiment"));
        final Request second = replay.next();
        assertEquals(HttpMethod.GET, second.method());
        assertNull(second.body());
        final Request third = replay.next();
        assertEquals(HttpMethod.PUT, third.method());
        assertEquals("plain text", third.body().toString());
        assertEquals("/v1/decide", replay.next().path(), "starts again");

        Files.writeString(file, "{\"path\":\"no-slash\"}");
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> FileScenario.load(
                file));
        assertTrue(bad.getMessage().contains(":1"), "names the line: " + bad.getMessage());
    }
}
