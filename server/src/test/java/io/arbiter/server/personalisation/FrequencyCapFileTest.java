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
 * The frequency-cap file across layout changes: a file of an earlier layout (one entry per unit and arm, then one per
 * unit and variant with grouped keys) is deleted at start (its counts are filed where no lookup reads), and the
 * records file keeps its counts across restarts.
 */
class FrequencyCapFileTest {
    private static final long DAY = 86_400_000L;

    @Test
    void earlierFilesAreDeletedAndTheRecordsFileKeepsItsCounts(@TempDir Path dataDir) throws Exception {
        final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
        final ServerConfig config = ServerConfig.of(new JsonObject().put("dataDir", dataDir.toString())
            .put("decisions", new JsonObject().put("frequencyCapBucketsLog2", 4)), Map.of());
        for (final String earlier : PersonalisationModule.EARLIER_FREQUENCY_CAP_FILES) {
            Files.write(dataDir.resolve(earlier), new byte[4096]); // only the name matters: it is never read
        }
        final long key = UnitKeys.key(1, 2, 0);
        try (FrequencyCapStore caps = PersonalisationModule.openCaps(config, clock)) {
            for (final String earlier : PersonalisationModule.EARLIER_FREQUENCY_CAP_FILES) {
                assertFalse(Files.exists(dataDir.resolve(earlier)), earlier + " is deleted");
            }
            assertEquals(0, caps.count(key, 3, DAY, clock.millis()));
            assertTrue(caps.tryAcquire(key, 3, 3, DAY, clock.millis()));
            assertTrue(caps.tryAcquire(key, 5, 3, DAY, clock.millis()));
        }
        assertTrue(Files.exists(dataDir.resolve(PersonalisationModule.FREQUENCY_CAP_FILE)));
        try (FrequencyCapStore caps = PersonalisationModule.openCaps(config, clock)) {
            assertEquals(1, caps.count(key, 3, DAY, clock.millis()), "counts survive a restart");
            assertEquals(1, caps.count(key, 5, DAY, clock.millis()));
            assertEquals(0, caps.count(key, 4, DAY, clock.millis()));
        }
    }
}
