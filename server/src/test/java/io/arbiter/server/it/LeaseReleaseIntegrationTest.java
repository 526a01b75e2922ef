package io.arbiter.server.it;

import io.arbiter.server.bid.budget.LeaseStore;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator releases a dead node's budget leases through the admin API of a running server (real Postgres): the
 * lease list shows the dead node's lapsed lease; a release is refused (409, nothing changed) while the lease runs, for
 * the server's own id, and for a malformed id (400 naming {@code node}); once lapsed, what the node held beyond its
 * reported spend is freed (200, the amount) and leased again by the next taker.
 */
class LeaseReleaseIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void anOperatorReleasesADeadNodesLapsedLease() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            final long day = LocalDate.now(ZoneOffset.UTC).toEpochDay();
            final LeaseStore dead = new LeaseStore(server.app.pool(), "old-node", 10_000);
            assertEquals(600_000, dead.take("c9", day, 1_000_000, 600_000, 0, 60_000).grantedMicros());
            dead.heartbeat(day, List.of("c9"), new long[] {150_000}, 1_500);

            final HttpResponse<String> running = server.admin("POST", "/v1/budget-leases/old-node/release", null);
            assertEquals(409, running.statusCode(), running.body());
            assertTrue(running.body().contains("unexpired"), running.body());
            assertEquals(600_000, leased("old-node", server), "refused: nothing changed");
            final HttpResponse<String> self = server.admin("POST", "/v1/budget-leases/" + server.app.nodeId()
                + "/release", null);
            assertEquals(409, self.statusCode(), self.body());
            final HttpResponse<String> malformed = server.admin("POST", "/v1/budget-leases/no%20de/release", null);
            assertEquals(400, malformed.statusCode(), malformed.body());
            assertEquals("node", new JsonObject(malformed.body()).getString("field"), malformed.body());
            assertEquals(401, server.post("/v1/budget-leases/old-node/release", "").statusCode(), "admin only");

            Thread.sleep(1_700); // lapsed
            final JsonObject list = new JsonObject(server.admin("GET", "/v1/budget-leases", null).body());
            assertEquals(new JsonObject().put("campaign", "c9").put("day", LocalDate.ofEpochDay(day).toString())
                .put("node", "old-node").put("leased", 0.6).put("spent", 0.15).put("live", false),
                list.getJsonArray("leases").stream().map(JsonObject.class::cast)
                    .filter(row -> "old-node".equals(row.getString("node"))).findFirst().orElseThrow());

            final HttpResponse<String> released = server.admin("POST", "/v1/budget-leases/old-node/release", null);
            assertEquals(200, released.statusCode(), released.body());
            final JsonObject answer = new JsonObject(released.body());
            assertEquals(0.45, answer.getDouble("freed"), 1e-12, released.body());
            assertEquals(150_000, leased("old-node", server), "its reported spend stays committed");
            final LeaseStore next = new LeaseStore(server.app.pool(), "new-node", 10_000);
            assertEquals(850_000, next.take("c9", day, 1_000_000, 1_000_000, 0, 60_000).grantedMicros(),
                "the rest of the budget is free again");
        }
    }

    private static long leased(String node, TestServer server) throws Exception {
        return server.app.pool().preparedQuery("SELECT leased FROM budget_leases WHERE node = $1")
            .execute(Tuple.of(node)).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    }
}
