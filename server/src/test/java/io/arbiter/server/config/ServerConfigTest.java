package io.arbiter.server.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration layers (built-in &lt; file &lt; environment, merged key by key) and the strictness of the
 * reader: an unknown or mistyped key in any section stops the start with a message naming it.
 */
class ServerConfigTest {

    @Test
    void theBuiltInLayerAloneRunsWithTheDemoExperimentAndNoCampaigns(@TempDir Path emptyFolder) throws Exception {
        assertNull(ServerConfig.defaultFile(emptyFolder), "an empty working folder has no config file");
        final ServerConfig config = ServerConfig.load(ServerConfig.defaultFile(emptyFolder), Map.of());
        assertEquals(8080, config.httpPort);
        assertEquals(Path.of("data"), config.dataDir);
        assertEquals(1, config.experiments.size());
        assertEquals("hero", config.experiments.getJsonObject(0).getString("id"));
        assertTrue(config.campaigns.isEmpty(), "the built-in layer never holds campaigns that spend money");
    }

    @Test
    void theWorkingFolderFileIsFoundWhenPresent(@TempDir Path folder) throws Exception {
        Files.createDirectories(folder.resolve("config"));
        Files.writeString(folder.resolve("config").resolve("server.json"), "{\"http\": {\"port\": 9000}}");
        final Path file = ServerConfig.defaultFile(folder);
        assertEquals(folder.resolve(ServerConfig.DEFAULT_FILE), file);
        assertEquals(9000, ServerConfig.load(file, Map.of()).httpPort);
    }

    @Test
    void anExplicitFileMustExist(@TempDir Path folder) {
        assertThrows(NoSuchFileException.class, () -> ServerConfig.load(folder.resolve("missing.json"), Map.of()));
    }

    @Test
    void layersMergeKeyByKeyAndTheEnvironmentWins() {
        final JsonObject file = new JsonObject()
            .put("http", new JsonObject().put("port", 9000))
            .put("decisions", new JsonObject().put("maxVariants", 10))
            .put("experiments", new JsonArray().add(new JsonObject().put("id", "other")
                .put("variants", new JsonArray().add("x").add("y"))));
        final ServerConfig fileOnly = ServerConfig.of(file, Map.of());
        assertEquals(9000, fileOnly.httpPort);
        assertEquals("0.0.0.0", fileOnly.httpHost, "a key the file leaves out keeps the lower layer's value");
        assertEquals(10, fileOnly.maxVariants);
        assertEquals(65536, fileOnly.tableCapacity);
        assertEquals(1, fileOnly.experiments.size(), "an array replaces the lower layer's");
        assertEquals("other", fileOnly.experiments.getJsonObject(0).getString("id"));

        final ServerConfig withEnv = ServerConfig.of(file, Map.of("HTTP_PORT", "9100", "ADMIN_TOKEN", "secret",
            "DECISION_LOG_SAMPLE_RATE", "0.25", "ATTRIBUTION_WINDOW", "PT1H"));
        assertEquals(9100, withEnv.httpPort);
        assertEquals("secret", withEnv.adminToken);
        assertEquals(3_600_000L, withEnv.attributionWindowMillis);
        assertEquals(10, withEnv.maxVariants);
        assertEquals(0.25, withEnv.outcomes.number("decisionSampleRate", 1.0, 0, 1));
    }

    @Test
    void aNullUnsetsAndABlankTokenIsOff() {
        final ServerConfig config = ServerConfig.of(new JsonObject().put("adminToken", "x")
            .put("postgres", new JsonObject().putNull("url")), Map.of("ADMIN_TOKEN", " "));
        assertNull(config.adminToken);
        assertNull(config.pgUrl);
    }

    @Test
    void anUnknownKeyInAnySectionStopsTheStartNamingIt() {
        assertFails("adminTokn", new JsonObject().put("adminTokn", "x"));
        assertFails("http.prot", new JsonObject().put("http", new JsonObject().put("prot", 1)));
        assertFails("http.tls.cert", new JsonObject().put("http", new JsonObject()
            .put("tls", new JsonObject().put("cert", "a.pem"))));
        assertFails("postgres.uri", new JsonObject().put("postgres", new JsonObject().put("uri", "x")));
        assertFails("decisions.tableCapacty", new JsonObject().put("decisions", new JsonObject()
            .put("tableCapacty", 1)));
    }

    @Test
    void aMistypedOrOutOfRangeValueStopsTheStartNamingIt() {
        assertFails("http.port", new JsonObject().put("http", new JsonObject().put("port", "8080")));
        assertFails("http.port", new JsonObject().put("http", new JsonObject().put("port", 80.5)));
        assertFails("http.port", new JsonObject().put("http", new JsonObject().put("port", 70000)));
        assertFails("http", new JsonObject().put("http", 1));
        assertFails("decisions.attributionWindow", new JsonObject().put("decisions", new JsonObject()
            .put("attributionWindow", "7 days")));
        assertFails("decisions.tokenSecret", new JsonObject().put("decisions", new JsonObject()
            .put("tokenSecret", "short")));
        assertFails("http.tls.keyPath", new JsonObject().put("http", new JsonObject()
            .put("tls", new JsonObject().put("certPath", "a.pem"))));
        assertFails("experiments", new JsonObject().put("experiments", new JsonObject()));
        assertFails("evaluation.priority", new JsonObject().put("evaluation", new JsonObject()
            .put("priority", "idle")));
        assertTrue(ServerConfig.of(new JsonObject(), Map.of()).evaluationLowPriority, "low by default");
        assertFalse(ServerConfig.of(new JsonObject().put("evaluation", new JsonObject().put("priority", "normal")),
            Map.of()).evaluationLowPriority);
        final ConfigException fromEnv = assertThrows(ConfigException.class,
            () -> ServerConfig.of(new JsonObject(), Map.of("HTTP_PORT", "eighty")));
        assertTrue(fromEnv.getMessage().contains("HTTP_PORT"), fromEnv.getMessage());
        final ConfigException rangeFromEnv = assertThrows(ConfigException.class,
            () -> ServerConfig.of(new JsonObject(), Map.of("HTTP_PORT", "70000")));
        assertTrue(rangeFromEnv.getMessage().contains("http.port (HTTP_PORT)"), rangeFromEnv.getMessage());
    }

    @Test
    void aSectionHandedOnIsStrictToo() {
        final ServerConfig config = ServerConfig.of(new JsonObject()
            .put("outcomes", new JsonObject().put("batchSize", 10).put("journalSize", 1)), Map.of());
        final ConfigReader outcomes = config.outcomes;
        assertEquals(10, outcomes.integer("batchSize", 2000, 1, 50_000));
        final ConfigException error = assertThrows(ConfigException.class, outcomes::finish);
        assertTrue(error.getMessage().contains("outcomes.journalSize"), error.getMessage());
    }

    private static void assertFails(String setting, JsonObject file) {
        final ConfigException error = assertThrows(ConfigException.class, () -> ServerConfig.of(file, Map.of()));
        assertTrue(error.getMessage().contains(setting), setting + " not named in: " + error.getMessage());
    }
}
