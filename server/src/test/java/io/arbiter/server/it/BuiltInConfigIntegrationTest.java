package io.arbiter.server.it;

import io.arbiter.server.Application;
import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server runs from any folder: in an empty working folder there is no config file, and the built-in layer plus
 * the environment are enough (the demo experiment {@code hero} answers). A bad setting in any section stops the
 * start before anything is started, naming it.
 */
class BuiltInConfigIntegrationTest {

    @Test
    void startsFromAnEmptyFolderOnTheBuiltInConfiguration(@TempDir Path emptyFolder) throws Exception {
        final Path file = ServerConfig.defaultFile(emptyFolder);
        final ServerConfig config = ServerConfig.load(file, Map.of("DATA_DIR", emptyFolder.resolve("data").toString(),
            "HTTP_HOST", "127.0.0.1", "HTTP_PORT", "0", "EVENT_LOOPS", "1", "TABLE_CAPACITY", "1024"));
        final Application app = new Application(config, Clock.systemUTC()).start();
        try {
            final HttpResponse<String> decided = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/v1/decide"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"experiment\":\"hero\",\"unit\":\"u1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, decided.statusCode(), decided.body());
            assertEquals("hero", new JsonObject(decided.body()).getString("experiment"));
        } finally {
            app.stop();
        }
    }

    @Test
    void anUnknownKeyInAModuleSectionStopsTheStartBeforeAnythingRuns(@TempDir Path folder) throws Exception {
        final Path data = folder.resolve("data");
        for (final JsonObject bad : new JsonObject[] {
            new JsonObject().put("bidding", new JsonObject().put("seet", "x")),
            new JsonObject().put("outcomes", new JsonObject().put("batchSze", 1))}) {
            final ServerConfig config = ServerConfig.of(bad.put("dataDir", data.toString()), Map.of());
            final Application app = new Application(config, Clock.systemUTC());
            final String setting = bad.containsKey("bidding") ? "bidding.seet" : "outcomes.batchSze";
            final ConfigException error = assertThrows(ConfigException.class, app::start);
            assertTrue(error.getMessage().contains(setting), error.getMessage());
            app.stop();
            assertFalse(Files.exists(data), "nothing was started, not even the data folder");
        }
    }
}
