package io.arbiter.server.files;

import io.arbiter.server.api.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The part {@code ExperimentArms} and {@code CampaignSlots} share: seeding only while a node without the file starts,
 * numbers that cannot be recorded changing nothing (neither memory nor file), an unreadable file stopping the start.
 */
class SlotMapFileTest {

    @TempDir
    Path dir;

    /** One number per id, written as a bare JSON number. */
    private static final class Numbers extends SlotMapFile<Integer> {
        Numbers(Path file) {
            super(file, "this node's numbers", "this node's number of");
            load("; move it away");
        }

        int of(String id) {
            return get(id);
        }

        void set(String id, int number) {
            record(id, number);
        }

        @Override
        protected Integer decode(Object json) {
            return (Integer) json;
        }

        @Override
        protected Object encode(Integer value) {
            return value;
        }
    }

    @Test
    void onlyANodeStartingWithoutTheFileSeedsAndOnlyUntilItsStartIsOver() {
        final Path file = dir.resolve("numbers.json");
        final Numbers fresh = new Numbers(file);
        assertFalse(fresh.existedAtOpen());
        assertTrue(fresh.seeding());
        fresh.set("a", 7);
        fresh.endSeeding();
        assertFalse(fresh.seeding());

        final Numbers restarted = new Numbers(file);
        assertTrue(restarted.existedAtOpen());
        assertFalse(restarted.seeding(), "a node with its own numbers never takes another's");
        assertTrue(restarted.knows("a"));
        assertEquals(7, restarted.of("a"));
    }

    @Test
    void numbersThatCannotBeRecordedChangeNothing() throws Exception {
        final Path file = dir.resolve("numbers.json");
        final Numbers numbers = new Numbers(file);
        numbers.set("a", 1);
        // A non-empty folder where the temporary file goes: every write fails until it is gone.
        final Path obstacle = DurableFiles.temporaryOf(file);
        Files.createDirectory(obstacle);
        Files.writeString(obstacle.resolve("inside"), "");

        final ApiException changed = assertThrows(ApiException.class, () -> numbers.set("a", 2));
        assertEquals(503, changed.status());
        assertTrue(changed.getMessage().startsWith("could not record this node's number of 'a' in " + file),
            changed.getMessage());
        assertEquals(1, numbers.of("a"), "the old number is back");
        assertEquals(503, assertThrows(ApiException.class, () -> numbers.set("b", 1)).status());
        assertFalse(numbers.knows("b"), "a new id is forgotten");
        assertEquals("{\"a\":1}", Files.readString(file));

        Files.delete(obstacle.resolve("inside"));
        Files.delete(obstacle);
        numbers.set("b", 3);
        assertEquals("{\"a\":1,\"b\":3}", Files.readString(file), "a failure left nothing behind in memory");
    }

    @Test
    void aFileThatCannotBeReadStopsTheStart() throws Exception {
        final Path file = dir.resolve("numbers.json");
        Files.writeString(file, "{\"a\": [1]}");
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> new Numbers(file));
        assertTrue(refused.getMessage().startsWith("cannot read " + file + " (this node's numbers): "),
            refused.getMessage());
        assertTrue(refused.getMessage().endsWith("; move it away"), refused.getMessage());
    }

    @Test
    void numbersInMemoryOnlyNeedNoFile() {
        final Numbers numbers = new Numbers(null);
        assertFalse(numbers.existedAtOpen());
        assertTrue(numbers.seeding());
        numbers.set("a", 1);
        assertEquals(1, numbers.of("a"));
    }
}
