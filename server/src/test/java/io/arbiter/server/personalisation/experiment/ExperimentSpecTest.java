package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentSpecTest {

    private static JsonObject valid() {
        return new JsonObject().put("variants", new JsonArray().add("A").add("B")).put("default", "B")
            .put("rewardModel", "bernoulli").put("halfLife", "PT1H").put("status", "paused");
    }

    @Test
    void parsesAValidDefinition() {
        final ExperimentSpec spec = ExperimentSpec.fromJson("hero", valid(), 16);
        assertEquals("B", spec.defaultVariant());
        assertEquals(3_600_000L, spec.halfLifeMillis());
        assertTrue(spec.paused());
        assertArrayEquals(new double[] {1.0, 1.0}, spec.prior());
    }

    @Test
    void namesTheFieldOfEveryMistake() {
        assertField("variants", valid().put("variants", "A,B"));
        assertField("variants", valid().put("variants", new JsonArray()));
        assertField("variants", valid().put("variants", new JsonArray().add("A").add("A")));
        assertField("variants", valid().put("variants", new JsonArray().add("A").add(3)));
        assertField("variants", valid().put("variants", new JsonArray().add("has space")));
        assertField("default", valid().put("default", "Z"));
        assertField("rewardModel", valid().put("rewardModel", "poisson"));
        assertField("halfLife", valid().put("halfLife", "soon"));
        assertField("halfLife", valid().put("halfLife", 0.5));
        assertField("prior", valid().put("prior", new JsonObject().put("alpha", -1)));
        assertField("status", valid().put("status", "running"));
    }

    @Test
    void refusesTooManyVariants() {
        final JsonArray many = new JsonArray();
        for (int i = 0; i < 5; i++) {
            many.add("v" + i);
        }
        assertField("variants", valid().put("variants", many), 4);
    }

    private static void assertField(String field, JsonObject json) {
        assertField(field, json, 16);
    }

    private static void assertField(String field, JsonObject json, int maxVariants) {
        final ApiException e = assertThrows(ApiException.class, () -> ExperimentSpec.fromJson("hero", json,
            maxVariants));
        assertEquals(400, e.status());
        assertEquals(field, e.field(), e.getMessage());
    }

    @Test
    void updatesKeepArmsOfSurvivingVariantsAndRetireRemovedOnes() {
        final PosteriorTable table = PosteriorTable.allocateDirect(64, 0);
        final ExperimentRegistry registry = new ExperimentRegistry(table, 100);
        final Experiment first = registry.prepare(ExperimentSpec.fromJson("hero", valid(), 16));
        registry.publish(first);
        table.recordReward(first.armByVariant().get("A"), 1.0, 1, 0);

        final JsonObject changed = valid().put("variants", new JsonArray().add("A").add("C")).put("default", "A");
        final Experiment second = registry.prepare(ExperimentSpec.fromJson("hero", changed, 16));
        registry.publish(second);

        assertEquals(first.armByVariant().get("A"), second.armByVariant().get("A"));
        assertEquals(1, table.trials(second.armByVariant().get("A")), "learning kept");
        assertTrue(second.armByVariant().containsKey("B"), "retired variant keeps its arm for late rewards");
        assertFalse(java.util.Arrays.asList(second.variants()).contains("B"), "retired variant is not served");
        assertNotEquals(second.armByVariant().get("A"), second.armByVariant().get("C"));
    }

    @Test
    void refusesToChangeTheRewardModel() {
        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateDirect(16, 0), 100);
        registry.publish(registry.prepare(ExperimentSpec.fromJson("hero", valid(), 16)));
        final ApiException e = assertThrows(ApiException.class, () -> registry.prepare(
            ExperimentSpec.fromJson("hero", valid().put("rewardModel", "gaussian"), 16)));
        assertEquals(409, e.status());
    }

    @Test
    void restoresTheStoredFormWithTheSameArms() {
        final PosteriorTable table = PosteriorTable.allocateDirect(16, 0);
        final ExperimentRegistry registry = new ExperimentRegistry(table, 100);
        final Experiment original = registry.prepare(ExperimentSpec.fromJson("hero", valid(), 16));
        final JsonObject stored = ExperimentRegistry.storedForm(original);

        final PosteriorTable fresh = PosteriorTable.allocateDirect(16, 0);
        final Experiment restored = new ExperimentRegistry(fresh, 100).restore(stored, 16);
        assertEquals(original.armByVariant(), restored.armByVariant());
        assertTrue(fresh.armsAllocated() > restored.armByVariant().values().stream().mapToInt(i -> i).max()
            .orElseThrow(), "restored arms are reserved in a fresh table");
    }

    @Test
    void aChallengerIsResolvedAgainstTheDefinitionStoredAndKeptWhileItsConfigurationStays() {
        final JsonObject json = valid().put("halfLife", "PT1H")
            .put("challenger", new JsonObject().put("prior", new JsonObject().put("alpha", 2).put("beta", 8)))
            .put("promotedFrom", "job-1");
        final ExperimentSpec spec = ExperimentSpec.fromJson("hero", json, 16);
        assertArrayEquals(new double[] {2, 8}, spec.challenger().prior());
        assertEquals(3_600_000, spec.challenger().halfLifeMillis(), "an unset member is the experiment's own");
        final JsonObject stored = spec.toJson();
        assertEquals(3600.0, stored.getJsonObject("challenger").getDouble("halfLife"));
        assertEquals("job-1", stored.getString("promotedFrom"));
        final ExperimentSpec again = ExperimentSpec.fromJson("hero", stored, 16);
        assertTrue(again.challenger().sameAs(spec.challenger()), "the stored form reads back the same");
        assertEquals("job-1", again.promotedFrom());
        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateHeap(64, 0), 100);
        final Experiment first = registry.prepare(spec);
        registry.publish(first);
        final Experiment second = registry.prepare(again.withPaused(true));
        assertTrue(first.challenger() == second.challenger(), "same configuration, same challenger state");
        final Experiment third = registry.prepare(ExperimentSpec.fromJson("hero", valid(), 16));
        assertEquals(null, third.challenger(), "no challenger member, no challenger");
        assertEquals(null, ExperimentSpec.fromJson("hero", valid().putNull("challenger"), 16).challenger());
    }

    @Test
    void aGaussianChallengerCountsItsChoicesAgreementsAndMatchedRewards() {
        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateHeap(64, 0), 100);
        final Experiment experiment = registry.prepare(ExperimentSpec.fromJson("g", valid().put("rewardModel",
            "gaussian").put("challenger", new JsonObject().put("prior", new JsonObject().put("mean", 5))), 16));
        final Challenger challenger = experiment.challenger();
        assertEquals(4, challenger.spec().prior().length);
        final io.arbiter.bandits.policy.Workspace workspace = new io.arbiter.bandits.policy.Workspace(3, 16);
        final int variants = experiment.variants().length;
        int agreements = 0;
        for (int i = 0; i < 300; i++) {
            workspace.eligible().all(variants);
            if (challenger.choose(experiment.ordinals(), workspace.eligible(), 0, workspace, 0)) {
                agreements++;
                challenger.learn(experiment.ordinals()[0], i % 2 == 0 ? 1.0 : 3.0, 0);
            }
        }
        final JsonObject report = ExperimentStats.challenger(experiment, workspace);
        assertEquals(300, report.getLong("decisions"));
        assertEquals(agreements, report.getLong("agreements"));
        assertTrue(agreements > 0 && agreements < 300, "agreed on " + agreements);
        final JsonObject matched = report.getJsonObject("matched");
        assertEquals(agreements, matched.getLong("rewards"));
        final double mean = matched.getDouble("mean");
        assertTrue(mean > 1.5 && mean < 2.5, "matched mean " + mean);
        final JsonArray interval = matched.getJsonArray("credibleInterval95");
        assertTrue(interval.getDouble(0) < mean && mean < interval.getDouble(1), interval.encode());
        assertEquals(5.0, report.getJsonObject("config").getJsonObject("prior").getDouble("mean"));
    }

    /**
     * A challenger with its own segments: its context reads back from the stored form as the same configuration (a
     * restore keeps it), a change of that context is another configuration, and an agreed decision's reward teaches
     * the segment the request matched (found again by the decision's nonce), or the root only once the nonce is gone.
     */
    @Test
    void aChallengerWithItsOwnSegmentsKeepsItsContextAndTeachesTheMatchedSegment() {
        final JsonObject context = new JsonObject().put("model", "segments")
            .put("attributes", new JsonArray().add("device"));
        final ExperimentSpec spec = ExperimentSpec.fromJson("seg", valid().put("challenger",
            new JsonObject().put("context", context)), 16);
        assertTrue(spec.challenger().context().isSegments());
        final ExperimentSpec again = ExperimentSpec.fromJson("seg", spec.toJson(), 16);
        assertTrue(again.challenger().sameAs(spec.challenger()), "the stored form reads back the same");
        final ExperimentSpec other = ExperimentSpec.fromJson("seg", valid().put("challenger", new JsonObject()
            .put("context", context.copy().put("attributes", new JsonArray().add("country")))), 16);
        assertFalse(other.challenger().sameAs(spec.challenger()), "another context, another configuration");

        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateHeap(64, 0), 100);
        final Experiment experiment = registry.prepare(spec);
        registry.publish(experiment);
        final Challenger challenger = experiment.challenger();
        final io.arbiter.bandits.context.SegmentedThompson segments = challenger.segments();
        final io.arbiter.bandits.context.SegmentMatch match =
            new io.arbiter.bandits.context.SegmentMatch().reset(segments.spec());
        match.value(0, "mobile");
        segments.resolve(match, true);
        final io.arbiter.bandits.policy.Workspace workspace = new io.arbiter.bandits.policy.Workspace(5, 16);
        final int variants = experiment.variants().length;
        long nonce = 0;
        int agreedPosition = -1;
        for (int i = 1; i <= 200 && agreedPosition < 0; i++) {
            workspace.eligible().all(variants);
            if (challenger.choose(match, experiment.ordinals(), workspace.eligible(), 0, i, workspace, 0)) {
                nonce = i;
                agreedPosition = 0;
            }
        }
        assertEquals(0, agreedPosition, "agreed once in 200 tries");
        final int flags = challenger.agreedFlags();
        final int ordinal = experiment.ordinals()[0];
        final int slot = match.slot(1);
        assertTrue(slot >= 0, "the mobile segment exists");
        final int arm = segments.store().arm(slot, ordinal);
        final long before = segments.store().arms().trials(arm);
        assertTrue(challenger.learnAgreed(flags, nonce, ordinal, 1.0, 0));
        assertEquals(before + 1, segments.store().arms().trials(arm), "the matched segment learned the reward");
        assertEquals(1, challenger.table().trials(ordinal), "and the root");
        assertTrue(challenger.learnAgreed(flags, nonce, ordinal, 1.0, 0), "the same nonce again (not a real case)");
        assertEquals(before + 1, segments.store().arms().trials(arm), "its context is gone: the root only");
        assertEquals(2, challenger.table().trials(ordinal));
        assertEquals(1, challenger.contextLost());
    }
}
