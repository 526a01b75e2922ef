package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.linear.LinearModelDescriptor;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.table.PosteriorTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upgrade from the linear sync's own positions file ({@code cluster-seen-linear}) to positions in the model
 * files: a model file of version 1 found at start is given the positions the old file held, and the old file is
 * deleted once the stored experiments are loaded; a model file lost afterwards gets none.
 */
class LinearUpgradeTest {

    @TempDir
    Path dir;

    private ExperimentRegistry registry() {
        return new ExperimentRegistry(PosteriorTable.allocateDirect(64, 0), SegmentStore.allocateDirect(64, 16, 1024,
            0), 100, 1000, dir);
    }

    private static JsonObject linear() {
        return new JsonObject().put("variants", new JsonArray().add("A").add("B"))
            .put("context", new JsonObject().put("model", "linear").put("features", new JsonArray().add("x")));
    }

    @Test
    void aVersion1ModelIsGivenTheOldFilesPositionsAndTheOldFileIsDeleted() throws Exception {
        final long two = LinearModelTable.sourceKey("two");
        final long three = LinearModelTable.sourceKey("three");
        final ExperimentRegistry before = registry();
        before.publish(before.prepare(ExperimentSpec.fromJson("lin", linear(), 10)), 1);
        before.closeLinearModels();
        // What the release before left: a version 1 model file and the sync's positions beside it.
        final Path model = dir.resolve("lin.linear");
        final long withoutPositions = Files.size(model) - LinearModelDescriptor.SOURCES_LENGTH;
        try (RandomAccessFile old = new RandomAccessFile(model.toFile(), "rw")) {
            old.setLength(withoutPositions);
            old.seek(LinearModelDescriptor.VERSION_OFFSET);
            old.writeInt(Integer.reverseBytes(LinearModelDescriptor.VERSION_WITHOUT_POSITIONS)); // little-endian
        }
        Files.writeString(dir.resolve(ExperimentRegistry.LEGACY_LINEAR_POSITIONS), "two\t42\nthree\t7\n");

        final ExperimentRegistry upgraded = registry();
        upgraded.publish(upgraded.restore(new JsonObject().put("id", "lin").mergeIn(linear()), 10), 1);
        assertEquals(42, upgraded.linearReplayedUpTo(two));
        assertEquals(7, upgraded.linearReplayedUpTo(three));
        assertTrue(Files.exists(dir.resolve(ExperimentRegistry.LEGACY_LINEAR_POSITIONS)), "kept until loaded");
        upgraded.endLinearUpgrade();
        assertFalse(Files.exists(dir.resolve(ExperimentRegistry.LEGACY_LINEAR_POSITIONS)), "read once, deleted");
        upgraded.closeLinearModels();

        // Restarted: the version 2 file keeps its positions. Lost: a new file has none, so everything is replayed.
        final ExperimentRegistry again = registry();
        again.publish(again.restore(new JsonObject().put("id", "lin").mergeIn(linear()), 10), 1);
        assertEquals(42, again.linearReplayedUpTo(two));
        again.closeLinearModels();
        Files.delete(model);
        final ExperimentRegistry lost = registry();
        lost.publish(lost.restore(new JsonObject().put("id", "lin").mergeIn(linear()), 10), 1);
        assertEquals(0, lost.linearReplayedUpTo(two));
        lost.closeLinearModels();
    }

    /**
     * An old positions file that cannot be read stops the start, and the message does not suggest deleting it alone:
     * the version 1 models would then be given no positions and count every other node's stored rewards twice.
     */
    @Test
    void anUnreadableOldPositionsFileStopsTheStartAndSaysWhatDeletingItAloneWouldDo() throws Exception {
        Files.writeString(dir.resolve(ExperimentRegistry.LEGACY_LINEAR_POSITIONS), "two\tforty-two\n");
        final IllegalStateException e = assertThrows(IllegalStateException.class, this::registry);
        assertTrue(e.getMessage().contains("together with the .linear files")
            && e.getMessage().contains("count those rewards twice"), e.getMessage());
    }
}
