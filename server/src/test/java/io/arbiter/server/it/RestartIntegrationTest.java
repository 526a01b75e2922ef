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
