package io.arbiter.server.it;

import io.arbiter.server.Application;
import io.arbiter.server.config.ServerConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A real server (embedded Postgres included) on a temporary data directory, and a small blocking client for it. Its
 * two claims tables ({@code decisions.duplicateClaimsLog2}, {@code bidding.noticeClaimsLog2}) have 2^16 slots (1 MiB
 * each, direct memory freed only when the collector finds it) rather than the default 2^22 (64 MiB each), unless the
 * test's config sets them or it starts with {@link #startAsConfigured}: the suite starts many servers in one JVM.
 */
final class TestServer implements AutoCloseable {
    static final String ADMIN_TOKEN = "test-admin-token";
    static final String TOKEN_SECRET = "integration-test-secret-0123456789";
    /** log2 of the harness servers' claims tables: 65,536 slots, 57,344 claims each. */
    static final int CLAIMS_LOG2 = 16;

    final Application app;
    final int port;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Application app, int port) {
        this.app = app;
        this.port = port;
    }

    static JsonObject config(Path dataDir, int port) {
        return new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("eventLoops", 2)
                .put("maxBodyBytes", 16384))
            .put("adminToken", ADMIN_TOKEN)
            .put("dataDir", dataDir.toString())
            .put("decisions", new JsonObject().put("tokenSecret", TOKEN_SECRET).put("tableCapacity", 1024)
                .put("propensityRefresh", "PT0.2S").put("propensityDraws", 1000))
            .put("outcomes", new JsonObject().put("flushInterval", "PT0.02S"))
            .put("experiments", new JsonArray()
                .add(new JsonObject().put("id", "hero").put("variants", new JsonArray().add("A").add("B").add("C"))
                    .put("default", "A"))
                .add(new JsonObject().put("id", "revenue").put("rewardModel", "gaussian")
                    .put("variants", new JsonArray().add("X").add("Y"))));
    }

    static TestServer start(Path dataDir) throws Exception {
        return start(config(dataDir, freePort()));
    }

    /** Starts a server on {@code config}, its claims tables small unless it sets them. */
    static TestServer start(JsonObject config) throws Exception {
        return startAsConfigured(withSmallClaimTables(config));
    }

    /** Starts a server on {@code config} as it is: claims tables at their default size unless it sets them. */
    static TestServer startAsConfigured(JsonObject config) throws Exception {
        final Application app = new Application(ServerConfig.of(config, Map.of()), Clock.systemUTC()).start();
        return new TestServer(app, app.port());
    }

    /** A copy of {@code config} whose claims tables have 2^{@value #CLAIMS_LOG2} slots where it does not say. */
    static JsonObject withSmallClaimTables(JsonObject config) {
        final JsonObject small = config.copy();
        final JsonObject decisions = small.getJsonObject("decisions", new JsonObject());
        final JsonObject bidding = small.getJsonObject("bidding", new JsonObject());
        if (!decisions.containsKey("duplicateClaimsLog2")) {
            small.put("decisions", decisions.put("duplicateClaimsLog2", CLAIMS_LOG2));
        }
        if (!bidding.containsKey("noticeClaimsLog2")) {
            small.put("bidding", bidding.put("noticeClaimsLog2", CLAIMS_LOG2));
        }
        return small;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        return send(builder);
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return send(builder);
    }

    JsonObject decide(String experiment, String unit) throws Exception {
        final HttpResponse<String> response = post("/v1/decide",
            new JsonObject().put("experiment", experiment).put("unit", unit).encode());
        if (response.statusCode() != 200) {
            throw new AssertionError("decide answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body());
    }

    HttpResponse<String> reward(String decisionId, double reward) throws Exception {
        return post("/v1/reward", new JsonObject().put("decisionId", decisionId).put("reward", reward).encode());
    }

    JsonObject stats(String experiment) throws Exception {
        final HttpResponse<String> response = admin("GET", "/v1/experiments/" + experiment, null);
        if (response.statusCode() != 200) {
            throw new AssertionError("stats answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body());
    }

    /** Waits until everything journaled has reached Postgres. */
    void awaitShipped(Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final JsonObject ready = new JsonObject(get("/ready").body());
            final JsonObject pipeline = ready.getJsonObject("outcomePipeline");
            if (pipeline.getLong("journalEvents") == 0 && pipeline.getLong("ringDepth") == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("outcome pipeline did not drain within " + timeout);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
        return client.send(builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        app.stop();
    }
}
