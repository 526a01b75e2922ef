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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClusterSync} against a real Postgres, the other nodes' rows written directly: growth is applied once; a row
 * whose {@code updated_at} is older than the incremental read's margin (a transaction that stamped its rows long
 * before it committed) is still applied, once, by the periodic full read; a sink that refuses a row gets it again;
 * this node's own rows are never read; what was seen survives a clean stop.
 */
class ClusterSyncTest {

    private static final String UPSERT_SEGMENT = """
            INSERT INTO node_segment_aggregates (node, experiment, segment, level, variant, trials, successes,
                                                 reward_sum, reward_square_sum, updated_at)
            VALUES ($1, 'seg', $2, 7, 'A', $3, $3, $3, $3, now() - $4 * interval '1 second')
            ON CONFLICT (node, experiment, segment, variant) DO UPDATE
            SET trials = EXCLUDED.trials, successes = EXCLUDED.successes, reward_sum = EXCLUDED.reward_sum,
                reward_square_sum = EXCLUDED.reward_square_sum, updated_at = EXCLUDED.updated_at""";
    private static final String UPSERT_ARM = """
            INSERT INTO node_aggregates (node, scope, arm, trials, successes, reward_sum, reward_square_sum)
            VALUES ($1, 'hero', 'A', $2, $2, $2, $2)
            ON CONFLICT (node, scope, arm) DO UPDATE SET trials = EXCLUDED.trials, successes = EXCLUDED.successes,
                reward_sum = EXCLUDED.reward_sum, reward_square_sum = EXCLUDED.reward_square_sum""";

    @TempDir
    Path dataDir;

    private final Vertx vertx = Vertx.vertx();
    private Pool pool;
    /** Segment growth handed to the sink, as "segment:trials". */
    private final List<String> segments = new CopyOnWriteArrayList<>();
    private final List<Long> arms = new CopyOnWriteArrayList<>();
    private boolean accept = true;

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

    private void segment(String node, long segment, long trials, long secondsAgo) throws Exception {
        pool.preparedQuery(UPSERT_SEGMENT).execute(Tuple.of(node, segment, trials, secondsAgo))
            .await(10, TimeUnit.SECONDS);
    }

    private boolean segmentSink(String experiment, long segment, long level, String variant, long trials,
                                long successes, double rewardSum, double rewardSquareSum) {
        if (accept) {
            segments.add(segment + ":" + trials);
        }
        return accept;
    }

    private boolean armSink(String scope, String arm, long trials, long successes, double rewardSum,
                            double rewardSquareSum) {
        if (accept) {
            arms.add(trials);
        }
        return accept;
    }

    private int round(ClusterSync sync) {
        return sync.round(this::armSink, this::segmentSink);
    }

    @Test
    void aRowStampedBeforeTheMarginIsAppliedOnceByTheFullRead() throws Exception {
        final ClusterSync sync = new ClusterSync(pool, "me", 1000, dataDir);
        segment("other", 1, 5, 0);
        segment("me", 2, 9, 0); // this node's own: never read back
        assertEquals(1, round(sync)); // round 0 reads everything
        assertEquals(List.of("1:5"), segments);

        segment("other", 1, 8, 0); // recent: the next incremental round sees it
        assertEquals(1, round(sync));
        segment("other", 1, 12, 60); // committed now, stamped a minute ago: older than the margin
        segment("other", 3, 4, 0);
        assertEquals(1, round(sync)); // only segment 3
        assertEquals(List.of("1:5", "1:3", "3:4"), segments);
        int rounds = 3;
        while (rounds % ClusterSync.FULL_SEGMENT_READ_EVERY != 0) {
            assertEquals(0, round(sync), "round " + rounds);
            rounds++;
        }
        assertEquals(1, round(sync), "the full read finds segment 1's last growth");
        assertEquals(List.of("1:5", "1:3", "3:4", "1:4"), segments);
        for (int i = 0; i < ClusterSync.FULL_SEGMENT_READ_EVERY + 1; i++) {
            assertEquals(0, round(sync), "nothing applied twice");
        }
    }

    @Test
    void aRefusedRowIsOfferedAgainUntilTheSinkTakesIt() throws Exception {
        final ClusterSync sync = new ClusterSync(pool, "me", 1000, dataDir);
        pool.preparedQuery(UPSERT_ARM).execute(Tuple.of("other", 6L)).await(10, TimeUnit.SECONDS);
        segment("other", 1, 5, 0);
        accept = false; // the definition has not reached this node yet
        assertEquals(0, round(sync));
        assertEquals(0, round(sync));
        accept = true;
        assertEquals(2, round(sync));
        assertEquals(List.of(6L), arms);
        assertEquals(List.of("1:5"), segments);
        assertEquals(0, round(sync));
    }

    @Test
    void whatWasSeenSurvivesACleanStop() throws Exception {
        final ClusterSync first = new ClusterSync(pool, "me", 3_600_000, dataDir);
        segment("other", 1, 5, 0);
        pool.preparedQuery(UPSERT_ARM).execute(Tuple.of("other", 6L)).await(10, TimeUnit.SECONDS);
        first.start(null, null, this::armSink, this::segmentSink);
        awaitRound(first);
        first.close();
        assertTrue(Files.exists(dataDir.resolve(ClusterSync.SEEN_SEGMENTS_FILE)));
        assertEquals(List.of("1:5"), segments);

        segment("other", 1, 7, 0);
        final ClusterSync second = new ClusterSync(pool, "me", 3_600_000, dataDir);
        second.start(null, null, this::armSink, this::segmentSink);
        awaitRound(second);
        second.close();
        assertEquals(List.of("1:5", "1:2"), new ArrayList<>(segments), "only the growth since the stop");
        assertEquals(List.of(6L), arms);
    }

    private static void awaitRound(ClusterSync sync) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sync.lastRoundMillis() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(sync.lastRoundMillis() > 0, "no sync round within 30 s");
    }
}
