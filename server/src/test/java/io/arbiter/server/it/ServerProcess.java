package io.arbiter.server.it;

import io.arbiter.server.config.ConfigLayers;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server node in a child JVM, as in production: the test class path's {@code io.arbiter.server.Main} (the way
 * {@link KillIntegrationTest} launches it, which works under surefire and in {@code ./mvnw verify}) with its own data
 * dir, HTTP port and {@code cluster.nodeId}, on an external Postgres URL; the token secret and admin token are
 * {@link TestServer}'s. None of the server's environment variables reach the child, so only the config file counts.
 * Output goes to {@code <dir>/<node>-<n>.log} (one file per start). {@link #kill()} is SIGKILL; {@link #close()} is
 * SIGTERM (a clean stop), then SIGKILL after 60 s.
 */
final class ServerProcess implements AutoCloseable {

    private static final Duration READY_PATIENCE = Duration.ofSeconds(90);

    final String nodeId;
    final int port;
    private final Path dir;
    private final Path configFile;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    private ServerProcess(Path dir, String nodeId, int port, Path configFile) {
        this.dir = dir;
        this.nodeId = nodeId;
        this.port = port;
        this.configFile = configFile;
    }

    /** A {@code postgres://} URL for the nodes from the test's connect options (password included). */
    static String url(PgConnectOptions options) {
        final String credentials = options.getPassword() == null ? options.getUser()
            : options.getUser() + ":" + URLEncoder.encode(options.getPassword(), StandardCharsets.UTF_8);
        return "postgres://" + credentials + "@" + options.getHost() + ":" + options.getPort() + "/"
            + options.getDatabase();
    }

    /** The node's configuration: {@link TestServer#config} on {@code <dir>/<nodeId>}, a fresh port, the given PG. */
    static JsonObject config(Path dir, String nodeId, String pgUrl) throws Exception {
        final JsonObject config = TestServer.withSmallClaimTables(TestServer.config(dir.resolve(nodeId),
            TestServer.freePort()));
        config.put("cluster", new JsonObject().put("nodeId", nodeId).put("syncInterval", "PT0.5S"));
        config.put("postgres", new JsonObject().put("url", pgUrl));
        return config;
    }

    /** Writes the config and launches the node; call {@link #awaitReady()} before using it. */
    static ServerProcess launch(Path dir, String nodeId, JsonObject config) throws Exception {
        Files.createDirectories(dir);
        final Path configFile = dir.resolve(nodeId + ".json");
        Files.writeString(configFile, config.encodePrettily());
        final ServerProcess node = new ServerProcess(dir, nodeId, config.getJsonObject("http").getInteger("port"),
            configFile);
        node.start();
        return node;
    }

    /** Starts the process again on the same data dir and port (after {@link #kill()} or {@link #stop()}). */
    void start() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(nodeId + " is running");
        }
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder builder = new ProcessBuilder(java, "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), "io.arbiter.server.Main", "--config", configFile.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve(nodeId + "-" + (++starts) + ".log").toFile());
        final Map<String, String> environment = builder.environment();
        ConfigLayers.variables().values().forEach(environment::remove);
        process = builder.start();
    }

    /** Waits until {@code /ready} answers 200; fails at once if the process exits. */
    ServerProcess awaitReady() throws Exception {
        final long deadline = System.nanoTime() + READY_PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(nodeId + " exited with " + process.exitValue() + "; see " + log());
            }
            try {
                if (get("/ready").statusCode() == 200) {
                    return this;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(nodeId + " not ready within " + READY_PATIENCE + "; see " + log());
    }

    /** SIGKILL, with whatever is in flight; waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM (a clean stop: the journal drains, the table closes); SIGKILL if it takes over 60 s. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(nodeId + " did not stop on SIGTERM within 60 s; see " + log());
        }
    }

    JsonObject decide(String experiment, String unit) throws Exception {
        final HttpResponse<String> response = post("/v1/decide",
            new JsonObject().put("experiment", experiment).put("unit", unit).encode());
        if (response.statusCode() != 200) {
            throw new AssertionError(nodeId + ": decide answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body());
    }

    HttpResponse<String> reward(String decisionId, double reward) throws Exception {
        return post("/v1/reward", new JsonObject().put("decisionId", decisionId).put("reward", reward).encode());
    }

    JsonObject stats(String experiment) throws Exception {
        final HttpResponse<String> response = admin("GET", "/v1/experiments/" + experiment, null);
        if (response.statusCode() != 200) {
            throw new AssertionError(nodeId + ": stats answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body());
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until everything this node journaled has reached Postgres. */
    void awaitShipped(Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final JsonObject pipeline = new JsonObject(get("/ready").body()).getJsonObject("outcomePipeline");
            if (pipeline.getLong("journalEvents") == 0 && pipeline.getLong("ringDepth") == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(nodeId + ": outcome pipeline did not drain within " + timeout);
    }

    Path log() {
        return dir.resolve(nodeId + "-" + starts + ".log");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            try {
                stop();
            } finally {
                process.destroyForcibly();
            }
        }
    }
}
