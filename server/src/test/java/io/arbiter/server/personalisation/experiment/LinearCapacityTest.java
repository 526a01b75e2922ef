package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A linear experiment's model has a fixed room for variants (retired ones included), kept in the definition
 * ({@code context.variantCapacity}) so every node creates its model of the same size: a definition that would not
 * fit is a 409 naming {@code variants} before any arm is assigned, and one accepted on a node restores on every other.
 */
class LinearCapacityTest {
    private static final int MAX_VARIANTS = 1_000;

    @TempDir
    Path dir;

    private static JsonObject linear(String id, int variants) {
        final List<Object> names = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            names.add("v" + v);
        }
        return new JsonObject().put("id", id).put("variants", new JsonArray(names))
            .put("context", new JsonObject().put("model", "linear").put("features", new JsonArray().add("x")));
    }

    private static ExperimentRegistry node(Path linearDir) {
        return new ExperimentRegistry(PosteriorTable.allocateDirect(4_096, 0),
            SegmentStore.allocateDirect(64, 16, 1024, 0), 100, 1000, linearDir, ExperimentArms.inMemory());
    }

    private static Experiment put(ExperimentRegistry node, JsonObject definition, long version) {
        final Experiment prepared = node.prepare(ExperimentSpec.fromJson(definition.getString("id"), definition,
            MAX_VARIANTS));
        node.publish(prepared, version);
        return prepared;
    }

    @Test
    void aPutBeyondTheModelsCapacityIsA409NamingVariantsAndChangesNothing() {
        final ExperimentRegistry node = node(null);
        final Experiment served = put(node, linear("grow", 2), 1);
        assertEquals(64, served.spec().context().variantCapacity(), "fixed at creation");
        final int armsBefore = node.table().armsAllocated();

        final ApiException refused = assertThrows(ApiException.class, () -> put(node, linear("grow", 65), 2));
        assertEquals(409, refused.status());
        assertEquals("variants", refused.field());
        assertTrue(refused.getMessage().contains("65") && refused.getMessage().contains("room for 64"),
            refused.getMessage());
        assertSame(served, node.get("grow"), "the old definition is still served");
        assertEquals(armsBefore, node.table().armsAllocated(), "no arm allocated");
        assertEquals(2, node.nodeArms().countWith("grow", List.of()), "no variant assigned");
        assertEquals(2, node.get("grow").linear().arms(), "its model still serves the two");

        // Up to the capacity it grows (retired variants count: 64 ordinals in all).
        final Experiment grown = put(node, linear("grow", 64), 3);
        assertEquals(64, grown.armByVariant().size());
        assertEquals(64, grown.spec().context().variantCapacity(), "kept across versions");
        final ApiException changed = assertThrows(ApiException.class, () -> put(node,
            linear("grow", 3).put("context", linear("grow", 3).getJsonObject("context").put("variantCapacity", 128)),
            4));
        assertEquals("context.variantCapacity", changed.field());
    }

    @Test
    void aCapacityAskedForAtCreationIsKeptAndStored() {
        final ExperimentRegistry node = node(null);
        final JsonObject big = linear("big", 2);
        big.getJsonObject("context").put("variantCapacity", 200);
        put(node, big, 1);
        final Experiment grown = put(node, linear("big", 150), 2);
        assertEquals(200, grown.linear().table().variantCapacity());
        assertEquals(200, ExperimentRegistry.storedForm(grown).getJsonObject("context").getInteger("variantCapacity"));
    }

    @Test
    void aBadCapacityIsA400AndOneBelowTheVariantsA409() {
        for (final Object bad : List.of(2.5, -1, "64", 10_001)) {
            final JsonObject definition = linear("bad", 2);
            definition.getJsonObject("context").put("variantCapacity", bad);
            final ApiException refused = assertThrows(ApiException.class,
                () -> ExperimentSpec.fromJson("bad", definition, MAX_VARIANTS), String.valueOf(bad));
            assertEquals(400, refused.status());
            assertEquals("context.variantCapacity", refused.field());
        }
        final ExperimentRegistry node = node(null);
        final JsonObject small = linear("small", 5);
        small.getJsonObject("context").put("variantCapacity", 4);
        assertEquals("variants", assertThrows(ApiException.class, () -> put(node, small, 1)).field());
        assertEquals(null, node.get("small"));
        assertEquals(0, node.nodeArms().countWith("small", List.of()), "no variant assigned");
    }

    @Test
    void aDefinitionAcceptedOnOneNodeRestoresOnAnotherThatFirstSawItWithMoreVariants() throws Exception {
        final Path dirA = Files.createDirectories(dir.resolve("a"));
        final Path dirB = Files.createDirectories(dir.resolve("b"));
        final ExperimentRegistry a = node(dirA);
        final ExperimentRegistry b = node(dirB);
        // A creates it with 2 variants, then with 40; B starts after and first sees 40.
        put(a, linear("shared", 2), 1);
        final JsonObject forty = ExperimentRegistry.storedForm(put(a, linear("shared", 40), 2));
        b.publish(b.restore(forty, MAX_VARIANTS), 2);
        assertEquals(64, b.get("shared").linear().table().variantCapacity(), "the definition's capacity, not 80");

        // B refuses what A could not serve; what B accepts, A restores.
        final ApiException refused = assertThrows(ApiException.class, () -> put(b, linear("shared", 70), 3));
        assertEquals(409, refused.status());
        final JsonObject sixty = ExperimentRegistry.storedForm(put(b, linear("shared", 60), 3));
        a.publish(a.restore(sixty, MAX_VARIANTS), 3);
        assertEquals(60, a.get("shared").linear().arms());

        // A definition stored before the capacity was kept: the room every node serving it has.
        final JsonObject legacy = linear("old", 50);
        final ExperimentRegistry c = node(Files.createDirectories(dir.resolve("c")));
        c.publish(c.restore(legacy, MAX_VARIANTS), 1);
        assertEquals(64, c.get("old").spec().context().variantCapacity());
        assertEquals(64, ExperimentRegistry.storedForm(put(c, linear("old", 64), 2)).getJsonObject("context")
            .getInteger("variantCapacity"), "stored with the next version");
    }
}
