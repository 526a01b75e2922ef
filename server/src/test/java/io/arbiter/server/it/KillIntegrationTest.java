package io.arbiter.server.it;

import io.arbiter.server.pg.EmbeddedPostgres;
import io.arbiter.server.pg.EmbeddedPostgresConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server is killed with SIGKILL while rewards are being acknowledged; after a restart every acknowledged reward
 * is in Postgres, and the posteriors agree with what Postgres holds. The server runs in a child JVM, as in
 * production.
 */
class KillIntegrationTest {
    @TempDir
    Path dataDir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyAcknowledgedRewardSurvivesSigkill() throws Exception {
        final int port = TestServer.freePort();
        final Path configFile = dataDir.resolve("config.json");
        Files.writeString(configFile, TestServer.config(dataDir.resolve("data"), port).encodePrettily());

        Process server = launch(configFile, dataDir.resolve("first.log"));
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            awaitReady(port, server);
            final AtomicBoolean running = new AtomicBoolean(true);
            final List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                final Thread writer = new Thread(() -> {
                    while (running.get()) {
                        try {
                            final JsonObject d = new JsonObject(post(port, "/v1/decide",
                                "{\"experiment\":\"hero\",\"unit\":\"k\"}").body());
                            final String id = d.getString("decisionId");
                            final HttpResponse<String> r = post(port, "/v1/reward",
                                "{\"decisionId\":\"" + id + "\",\"reward\":1}");
                            if (r.statusCode() == 202) {
                                acknowledged.add(id);
                            }
                        } catch (Exception e) {
                            return; // the server is gone
                        }
                    }
                });
                writer.start();
                writers.add(writer);
            }
            Thread.sleep(2_500);
            server.destroyForcibly().waitFor(); // SIGKILL, with requests in flight
            running.set(false);
            for (final Thread writer : writers) {
                writer.join(5_000);
            }
        } finally {
            server.destroyForcibly();
        }
        assertTrue(acknowledged.size() > 10, "only " + acknowledged.size() + " rewards acknowledged before the kill");

        server = launch(configFile, dataDir.resolve("second.log"));
        long posteriorRewards;
        try {
            awaitReady(port, server);
            awaitShipped(port);
            posteriorRewards = 0;
            final JsonObject stats = new JsonObject(client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/experiments/hero"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body());
            for (final Object v : stats.getJsonArray("variantStats")) {
                posteriorRewards += ((JsonObject) v).getLong("rewards");
            }
        } finally {
            server.destroy(); // SIGTERM: clean stop, which also stops its Postgres
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server did not stop on SIGTERM");
        }

        final Set<String> stored = storedRewardIds(dataDir.resolve("data").resolve("pg"));
        final Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(stored);
        assertTrue(missing.isEmpty(), missing.size() + " of " + acknowledged.size()
            + " acknowledged rewards missing from Postgres after SIGKILL");
        assertEquals(stored.size(), posteriorRewards, "posteriors rebuilt to match Postgres");
    }

    private static Process launch(Path configFile, Path log) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m",
            "-cp", System.getProperty("java.class.path"), "io.arbiter.server.Main", "--config", configFile.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitReady(int port, Process server) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new AssertionError("server exited with " + server.exitValue());
            }
            try {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server not ready within 90 s");
    }

    private void awaitShipped(int port) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            final JsonObject ready = new JsonObject(client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/ready")).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (ready.getJsonObject("outcomePipeline").getLong("journalEvents") == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("journal not shipped within 60 s");
    }

    private HttpResponse<String> post(int port, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> storedRewardIds(Path pgDir) throws Exception {
        final Vertx vertx = Vertx.vertx();
        try (EmbeddedPostgres pg = EmbeddedPostgres.launch(EmbeddedPostgresConfig.defaults().withDataDir(pgDir))) {
            final Pool pool = PgBuilder.pool().connectingTo(pg.connectOptions()).using(vertx).build();
            final Set<String> ids = new HashSet<>();
            for (final Row row : pool.query("SELECT decision_id FROM rewards").execute().toCompletionStage()
                .toCompletableFuture().get(30, TimeUnit.SECONDS)) {
                ids.add(row.getString(0));
            }
            pool.close();
            return ids;
        } finally {
            vertx.close();
        }
    }
}
