package io.arbiter.server.personalisation;

import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.UnitKeys;
import io.arbiter.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frequency-cap file across the change to grouped keys: a file of the earlier layout is deleted at start (its
 * counts are filed under keys no lookup computes), and the grouped file keeps its counts across restarts.
 */
class FrequencyCapFileTest {
    private static final long DAY = 86_400_000L;

    @Test
    void anUngroupedFileIsDeletedAndTheGroupedOneKeepsItsCounts(@TempDir Path dataDir) throws Exception {
        final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
        final ServerConfig config = ServerConfig.of(new JsonObject().put("dataDir", dataDir.toString())
            .put("decisions", new JsonObject().put("frequencyCapBucketsLog2", 4)), Map.of());
        final Path ungrouped = dataDir.resolve(PersonalisationModule.UNGROUPED_FREQUENCY_CAP_FILE);
        try (FrequencyCapStore old = FrequencyCapStore.mapFile(ungrouped, 4, 0)) {
            assertTrue(old.tryAcquire(UnitKeys.key(1, 2, 3), 3, DAY, clock.millis()));
        }
        final long key = UnitKeys.groupedKey(1, 2, 3);
        try (FrequencyCapStore caps = PersonalisationModule.openCaps(config, clock)) {
            assertFalse(Files.exists(ungrouped), "the ungrouped file is deleted");
            assertEquals(0, caps.count(key, DAY, clock.millis()));
            assertTrue(caps.tryAcquire(key, 3, DAY, clock.millis()));
        }
        assertTrue(Files.exists(dataDir.resolve(PersonalisationModule.FREQUENCY_CAP_FILE)));
        try (FrequencyCapStore caps = PersonalisationModule.openCaps(config, clock)) {
            assertEquals(1, caps.count(key, DAY, clock.millis()), "counts survive a restart");
        }
    }
}
