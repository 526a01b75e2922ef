package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres stops while rewards keep coming and comes back: every reward that got a 202 is in Postgres afterwards.
 * The outage lasts {@code -Doutage.seconds} (default 6 s; the property is the same for 60 s, which is recorded in
 * docs/persistence.md as a manual run).
 */
class PostgresOutageIntegrationTest {
    @TempDir
    Path dataDir;

    @Test
    void everyAcknowledgedRewardReachesPostgresAfterAnOutage() throws Exception {
        final long outageMillis = TimeUnit.SECONDS.toMillis(Long.getLong("outage.seconds", 6));
        try (TestServer server = TestServer.start(dataDir)) {
            final Set<String> acknowledged = new HashSet<>();
            final long start = System.currentTimeMillis();
            boolean stopped = false;
            boolean restarted = false;
            boolean sawDegraded = false;
            while (System.currentTimeMillis() - start < outageMillis + 3_000) {
                final long elapsed = System.currentTimeMillis() - start;
                if (!stopped && elapsed > 1_000) {
                    server.app.embeddedPostgres().stop();
                    stopped = true;
                }
                if (stopped && !restarted && elapsed > 1_000 + outageMillis) {
                    server.app.embeddedPostgres().start();
                    restarted = true;
                }
                final String id = server.decide("hero", "outage").getString("decisionId");
                final HttpResponse<String> response = server.reward(id, 1);
                if (response.statusCode() == 202) {
                    acknowledged.add(id);
                } else {
                    assertEquals(503, response.statusCode(), "only a full journal may refuse: " + response.body());
                }
                if (stopped && !restarted) {
                    sawDegraded |= new JsonObject(server.get("/ready").body()).getBoolean("degraded");
                }
                Thread.sleep(5);
            }
            assertTrue(sawDegraded, "/ready reported the outage");
            assertFalse(acknowledged.isEmpty());
            server.awaitShipped(Duration.ofSeconds(60));
            final Set<String> stored = new HashSet<>();
            for (final Row row : server.app.pool().query("SELECT decision_id FROM rewards").execute()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)) {
                stored.add(row.getString(0));
            }
            final Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(stored);
            assertTrue(missing.isEmpty(), missing.size() + " of " + acknowledged.size()
                + " acknowledged rewards are missing from Postgres");
        }
    }
}
