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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This node's arms of every experiment ({@code experiment-arms.json}): kept over a restart in the order the variants
 * were first seen, re-claimed in a fresh table, seeded from a definition stored before the arms were the nodes' own,
 * never in the shared definition; and other nodes' totals for a variant whose definition has not arrived yet are kept
 * until it has.
 */
class ExperimentArmsTest {

    @TempDir
    Path dir;

    private static JsonObject stored(String id, String... variants) {
        return new JsonObject().put("id", id).put("variants", new JsonArray(List.of((Object[]) variants)));
    }

    private ExperimentRegistry registry(PosteriorTable table, ExperimentArms arms) {
        return new ExperimentRegistry(table, SegmentStore.allocateDirect(64, 16, 1024, 0), 100, 1000, null, arms);
    }

    @Test
    void armsSurviveARestartInFirstSeenOrderAndAFreshTableReclaimsThem() {
        final Path file = dir.resolve(ExperimentArms.FILE);
        final ExperimentRegistry first = registry(PosteriorTable.allocateDirect(64, 0), ExperimentArms.open(file));
        first.publish(first.restore(stored("one", "blue", "red"), 10), 1);
        first.publish(first.restore(stored("two", "x", "y"), 2), 2);
        // A variant added, one retired: the retired one keeps its arm.
        final JsonObject changed = stored("one", "red", "green").put("retired", new JsonArray().add("blue"));
        first.publish(first.restore(changed, 10), 3);
        final Map<String, Integer> before = first.get("one").armByVariant();
        assertEquals(List.of("blue", "red", "green"), List.copyOf(before.keySet()), "first-seen order");
        assertFalse(ExperimentRegistry.storedForm(first.get("one")).containsKey("arms"), "no arm in the shared row");
        assertEquals(new JsonArray().add("blue"), ExperimentRegistry.storedForm(first.get("one"))
            .getJsonArray("retired"));

        // Restart on a new (empty) table: the arms come back from the file, and the table re-claims them all.
        final PosteriorTable fresh = PosteriorTable.allocateDirect(64, 0);
        final ExperimentRegistry second = registry(fresh, ExperimentArms.open(file));
        assertEquals(5, fresh.armsAllocated(), "every arm the file names is claimed before anything else");
        second.publish(second.restore(changed, 10), 3);
        assertEquals(before, second.get("one").armByVariant());
        assertEquals(List.of("blue", "red", "green"), List.copyOf(second.get("one").armByVariant().keySet()));
        second.publish(second.prepare(ExperimentSpec.fromJson("three", stored("three", "a"), 10)), 4);
        assertEquals(5, second.get("three").armByVariant().get("a"), "a new variant gets a new arm");
    }

    @Test
    void aDefinitionStoredWithItsWritersArmsSeedsANodeWithoutAnArmsFileOnly() throws Exception {
        final JsonObject legacy = stored("old", "A", "B").put("arms", new JsonObject().put("A", 5).put("B", 9));
        final ExperimentRegistry upgraded = registry(PosteriorTable.allocateDirect(64, 0),
            ExperimentArms.open(dir.resolve("a").resolve(ExperimentArms.FILE)));
        Files.createDirectories(dir.resolve("a"));
        upgraded.publish(upgraded.restore(legacy, 10), 1);
        assertEquals(Map.of("A", 5, "B", 9), upgraded.get("old").armByVariant(), "its table was built from them");
        upgraded.nodeArms().endSeeding(); // started: one reaching it later (an older node's write) names another's
        upgraded.publish(upgraded.restore(stored("later", "Z").put("arms", new JsonObject().put("Z", 5)), 10), 2);
        assertEquals(Map.of("Z", 10), upgraded.get("later").armByVariant(), "a new arm, not the writer's 5");

        // A node that has its own arms already never takes another node's numbers.
        final Path file = dir.resolve(ExperimentArms.FILE);
        final ExperimentRegistry before = registry(PosteriorTable.allocateDirect(64, 0), ExperimentArms.open(file));
        before.publish(before.prepare(ExperimentSpec.fromJson("mine", stored("mine", "P", "Q", "R"), 10)), 1);
        final PosteriorTable table = PosteriorTable.allocateDirect(64, 0);
        final ExperimentRegistry node = registry(table, ExperimentArms.open(file));
        node.publish(node.restore(stored("mine", "P", "Q", "R"), 10), 1);
        node.publish(node.restore(legacy, 10), 2);
        assertEquals(Map.of("A", 3, "B", 4), node.get("old").armByVariant());
    }

    @Test
    void aFileInTheCurrentFormatIsReadAndWrittenBackInIt() throws Exception {
        final Path file = dir.resolve(ExperimentArms.FILE);
        final String current = "{\"one\":[[\"blue\",0],[\"red\",1],[\"green\",4]],\"two\":[[\"x\",2],[\"y\",3]]}";
        Files.writeString(file, current);
        final ExperimentArms arms = ExperimentArms.open(file);
        assertTrue(arms.existedAtOpen() && !arms.seeding());
        assertTrue(arms.knows("one") && arms.knows("two") && !arms.knows("three"));
        assertEquals(4, arms.highestArm());
        final Map<String, Integer> one = arms.assign("one", List.of("red", "blue"), () -> {
            throw new AssertionError("every variant has its arm");
        });
        assertEquals(List.of("blue", "red", "green"), List.copyOf(one.keySet()), "first-seen order");
        assertEquals(Map.of("blue", 0, "red", 1, "green", 4), one);
        assertEquals(current, Files.readString(file), "nothing new, nothing written");

        assertEquals(Map.of("a", 5), arms.assign("three", List.of("a"), () -> 5));
        assertEquals(current.substring(0, current.length() - 1) + ",\"three\":[[\"a\",5]]}", Files.readString(file));
    }

    @Test
    void anArmThatCannotBeRecordedIsRefusedAndNothingChanges() throws Exception {
        final Path file = dir.resolve("gone").resolve(ExperimentArms.FILE); // its folder does not exist
        final ExperimentRegistry registry = registry(PosteriorTable.allocateDirect(64, 0), ExperimentArms.open(file));
        final ApiException refused = assertThrows(ApiException.class,
            () -> registry.prepare(ExperimentSpec.fromJson("e", stored("e", "A"), 10)));
        assertEquals(503, refused.status());
        assertTrue(registry.get("e") == null && !registry.nodeArms().knows("e"));
    }

    @Test
    void anOlderStoredVersionNeverReplacesANewerOne() {
        final ExperimentRegistry registry = registry(PosteriorTable.allocateDirect(64, 0), ExperimentArms.inMemory());
        assertTrue(registry.publish(registry.restore(stored("v", "A", "B").put("status", "paused"), 10), 5));
        // This node's own write, committed before another node's newer one that was applied here already.
        final Experiment late = registry.prepare(ExperimentSpec.fromJson("v", stored("v", "A", "B", "C"), 10));
        assertFalse(registry.publish(late, 4), "an older write answered late");
        assertEquals(2, registry.get("v").variants().length);
        assertTrue(registry.get("v").spec().paused());
        assertEquals(5, registry.version("v"));
        assertTrue(registry.publish(registry.restore(stored("v", "A", "B", "C"), 10), 6));
        assertEquals(3, registry.get("v").variants().length);
    }
}
