package io.arbiter.server.cluster;

import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link LinearSync} against a real Postgres, the other nodes' rows written directly: each node's rows are applied
 * once and in its order; a row the sink cannot apply yet holds back the rows of its node (not another node's) until
 * a later round, and is passed over after the give-up time; this node's own rows are never read; what was applied
 * survives a clean stop.
 */
class LinearSyncTest {

    @TempDir
    Path dataDir;

    private final Vertx vertx = Vertx.vertx();
    private Pool pool;
    private final List<String> applied = new ArrayList<>();
    private final Set<String> refused = new HashSet<>();

    @BeforeEach
    void database() throws Exception {
        pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 2);
        Migrations.migrate(pool).await(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        pool.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** A stored linear reward of {@code node} with number {@code seq}, its decision id {@code id}. */
    private void row(String node, long seq, String id) throws Exception {
        pool.preparedQuery("INSERT INTO linear_rewards (node, seq, decision_id, reward, time) "
            + "VALUES ($1, $2, $3, 1, now())").execute(Tuple.of(node, seq, id)).await(10, TimeUnit.SECONDS);
        pool.preparedQuery("INSERT INTO linear_reward_heads AS h (node, last) VALUES ($1, $2) "
            + "ON CONFLICT (node) DO UPDATE SET last = greatest(h.last, EXCLUDED.last)")
            .execute(Tuple.of(node, seq)).await(10, TimeUnit.SECONDS);
    }

    private LinearSync.Outcome sink(String decisionId, double reward) {
        if (refused.contains(decisionId)) {
            return LinearSync.Outcome.RETRY;
        }
        applied.add(decisionId);
        return LinearSync.Outcome.APPLIED;
    }

    @Test
    void eachNodesRowsAreAppliedOnceInOrderAndARowThatMustWaitHoldsBackOnlyItsNode() throws Exception {
        row("x", 3, "x3");
        row("x", 7, "x7");
        row("x", 9, "x9");
        row("y", 4, "y4");
        row("me", 5, "mine");
        final LinearSync sync = new LinearSync(pool, "me", 1000, dataDir);
        refused.add("x7"); // its experiment has not reached this node yet
        assertEquals(2, sync.round(this::sink));
        assertEquals(List.of("x3", "y4"), applied, "x9 waits behind x7; y goes on; this node's own never");
        assertEquals(0, sync.round(this::sink));

        refused.clear();
        row("y", 6, "y6");
        assertEquals(3, sync.round(this::sink));
        assertEquals(List.of("x3", "y4", "x7", "x9", "y6"), applied);
        assertEquals(0, sync.round(this::sink), "nothing twice");
        assertEquals(3 + 2, sync.applied());
        sync.close();

        // A clean stop keeps what was applied: a restarted node applies only what is new.
        row("x", 12, "x12");
        final LinearSync again = new LinearSync(pool, "me", 1000, dataDir);
        again.readSeenFile();
        assertEquals(1, again.round(this::sink));
        assertEquals(List.of("x3", "y4", "x7", "x9", "y6", "x12"), applied);
        again.close();
    }

    @Test
    void aRowThatWaitsTooLongIsPassedOverAndCounted() throws Exception {
        row("x", 1, "gone");
        row("x", 2, "x2");
        final LinearSync sync = new LinearSync(pool, "me", 1000, dataDir, 200);
        refused.add("gone"); // its experiment was deleted: it will never apply here
        assertEquals(0, sync.round(this::sink));
        Thread.sleep(300);
        assertEquals(1, sync.round(this::sink));
        assertEquals(List.of("x2"), applied);
        assertEquals(1, sync.dropped());
        sync.close();
    }
}
