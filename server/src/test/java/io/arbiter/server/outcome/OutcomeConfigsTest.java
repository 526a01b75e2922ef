package io.arbiter.server.outcome;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutcomeConfigsTest {

    private static final Path JOURNAL = Path.of("data", "journal");

    @Test
    void readsTheServerConfigFileSectionAndKeepsDefaultsForTheRest() {
        final JsonObject json = new JsonObject("""
                {"maxJournalBytes": 1073741824, "batchSize": 500, "flushInterval": "PT0.02S",
                 "decisionSampleRate": 0.1, "retryMax": "PT10S"}""");
        final OutcomeConfig config = OutcomeConfigs.from(json, JOURNAL);
        assertEquals(JOURNAL, config.journalDir());
        assertEquals(1L << 30, config.maxJournalBytes());
        assertEquals(500, config.batchSize());
        assertEquals(Duration.ofMillis(20), config.flushInterval());
        assertEquals(0.1, config.decisionSampleRate());
        assertEquals(Duration.ofSeconds(10), config.retryMax());
        assertEquals(OutcomeConfig.DEFAULT_SEGMENT_BYTES, config.segmentBytes());
        assertEquals(OutcomeConfig.defaults().withJournalDir(JOURNAL), OutcomeConfigs.from(null, JOURNAL));
    }

    @Test
    void badValuesNameTheSetting() {
        assertMessage("outcomes.batchSize", "{\"batchSize\": \"many\"}");
        assertMessage("outcomes.batchSize", "{\"batchSize\": 1.5}");
        assertMessage("outcomes.flushInterval", "{\"flushInterval\": \"50ms\"}");
        assertMessage("outcomes.journalSize", "{\"journalSize\": 1}");
        assertMessage("decisionSampleRate", "{\"decisionSampleRate\": 2}");
        assertMessage("ringCapacityBytes", "{\"ringCapacityBytes\": 5000}");
    }

    private static void assertMessage(String expected, String json) {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> OutcomeConfigs.from(new JsonObject(json), JOURNAL));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }
}
