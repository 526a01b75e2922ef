package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.guard.GuardCounters.Group;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lift as {@code GET /v1/experiments/{id}} reports it, from the server's own counters: treatment decisions and
 * rewards in the posterior table, the holdout's in the guard counters. 100 seeded runs with known rates (treatment
 * 0.12 over two variants, holdout 0.10; 9,000 and 1,000 decisions): the 95% interval of the absolute lift covers the
 * true 0.02 in at least 88 (a fair 95% interval falls below 88 with probability about 0.003).
 */
class GuardStatsLiftTest {

    @Test
    void theLiftsIntervalCoversTheTrueLiftInAtLeast88Of100Runs() {
        final long seed = Long.getLong("lift.seed", System.nanoTime());
        final SplittableRandom random = new SplittableRandom(seed);
        int covered = 0;
        int relativeCovered = 0;
        for (int run = 0; run < 100; run++) {
            final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateHeap(16, 0), 100);
            final Experiment experiment = registry.prepare(ExperimentSpec.fromJson("lift", new JsonObject()
                .put("variants", new JsonArray().add("A").add("B")).put("holdout", 0.1), 16));
            registry.publish(experiment);
            for (int i = 0; i < 9_000; i++) {
                final int arm = experiment.arms()[i % 2];
                registry.table().recordDecision(arm);
                registry.table().recordReward(arm, random.nextDouble() < 0.12 ? 1 : 0, 0, 0);
            }
            for (int i = 0; i < 1_000; i++) {
                experiment.guard().counters().holdoutDecision("A");
                experiment.guard().counters().reward(Group.HOLDOUT, "", "A", random.nextDouble() < 0.10 ? 1 : 0);
            }
            final JsonObject lift = GuardStats.lift(experiment, registry.table());
            assertEquals(9_000L, lift.getJsonObject("treatment").getLong("decisions"));
            assertEquals(1_000L, lift.getJsonObject("holdout").getLong("decisions"));
            final JsonArray absolute = lift.getJsonObject("absolute").getJsonArray("credibleInterval95");
            if (absolute.getDouble(0) <= 0.02 && 0.02 <= absolute.getDouble(1)) {
                covered++;
            }
            final JsonArray relative = lift.getJsonObject("relative").getJsonArray("credibleInterval95");
            if (relative.getValue(0) != null && relative.getDouble(0) <= 0.2 && 0.2 <= relative.getDouble(1)) {
                relativeCovered++;
            }
        }
        System.out.println("GuardStatsLiftTest seed " + seed + ": absolute lift covered in " + covered
            + " of 100 runs, relative in " + relativeCovered);
        assertTrue(covered >= 88, "seed " + seed + ": covered " + covered);
        assertTrue(relativeCovered >= 88, "seed " + seed + ": relative covered " + relativeCovered);
    }
}
