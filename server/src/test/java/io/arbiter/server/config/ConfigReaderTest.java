package io.arbiter.server.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader's typed getters: defaults, types, ranges, nested names, and finishing with keys left unread. */
class ConfigReaderTest {

    @Test
    void typedGettersTakeDefaultsAndRefuseOtherTypesNamingTheSetting() {
        final ConfigReader cors = ConfigReader.of("http", new JsonObject().put("cors", new JsonObject()
            .put("enabled", true).put("maxAge", "PT10M").putNull("origin")), Map.of("http.cors.enabled", "CORS"))
            .section("cors");
        assertTrue(cors.bool("enabled", false));
        assertFalse(cors.bool("credentials", false));
        assertEquals(600_000, cors.millis("maxAge", "PT1M", java.time.Duration.ZERO));
        assertEquals("*", cors.string("origin", "*"), "null means not set");
        cors.finish();
        final ConfigReader bad = ConfigReader.of("http", new JsonObject().put("enabled", "yes"),
            Map.of("http.enabled", "HTTP_ENABLED"));
        final ConfigException error = assertThrows(ConfigException.class, () -> bad.bool("enabled", false));
        assertEquals("http.enabled (HTTP_ENABLED) must be true or false, was yes", error.getMessage());
    }

    @Test
    void finishingNamesEveryKeyLeftUnread() {
        final ConfigReader section = ConfigReader.of("outcomes", new JsonObject().put("batchSize", 5)
            .put("zeta", 1).put("alpha", 2));
        assertEquals(5, section.integer("batchSize", 1, 1, 10));
        final ConfigException error = assertThrows(ConfigException.class, section::finish);
        assertTrue(error.getMessage().startsWith("unknown settings outcomes.alpha, outcomes.zeta"), error.getMessage());
    }
}
