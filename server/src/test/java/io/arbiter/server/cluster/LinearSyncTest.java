package io.arbiter.server.cluster;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinearSync} against a real Postgres, the other nodes' rows written directly: each node's rows are applied
 * once and in its order; a row the sink cannot apply yet holds back the rows of its node (not another node's) until
 * a later round, and is passed over after the give-up time, unless a full ring held it back (never passed over); this
 * node's own rows are never read; a restarted sync
 * reads from where the sink's models are. With real mapped linear models as the sink: a process killed between
 * queuing a round and applying it counts every row once after the restart, and a lost model file is given every
 * row again while the kept model counts none twice.
 */
class LinearSyncTest {

    @TempDir
    Path dataDir;

    private final Vertx vertx = Vertx.vertx();
    private Pool pool;
    private final List<String> applied = new ArrayList<>();
    private final Set<String> refused = new HashSet<>();
    /** What the sink was told was offered of each node (the models' positions, for the recording sink). */
    private final Map<String, Long> reported = new HashMap<>();

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

    /** A sink that records the decision ids offered, and keeps as its position what it is told was offered. */
    private final LinearSync.Sink sink = new LinearSync.Sink() {
        @Override
        public LinearSync.Outcome apply(String node, long number, String decisionId, double reward) {
            if (refused.contains(decisionId)) {
                return LinearSync.Outcome.RETRY;
            }
            if (decisionId.startsWith("throws")) {
                throw new IllegalArgumentException("experiment t: need features of dimension 3");
            }
            applied.add(decisionId);
            return LinearSync.Outcome.APPLIED;
        }

        @Override
        public long replayedUpTo(String node) {
            return reported.getOrDefault(node, 0L);
        }

        @Override
        public void replayed(String node, long number) {
            reported.put(node, number);
        }
    };

    @Test
    void eachNodesRowsAreAppliedOnceInOrderAndARowThatMustWaitHoldsBackOnlyItsNode() throws Exception {
        row("x", 3, "x3");
        row("x", 7, "x7");
        row("x", 9, "x9");
        row("y", 4, "y4");
        row("me", 5, "mine");
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        refused.add("x7"); // its experiment has not reached this node yet
        assertEquals(2, sync.round(sink));
        assertEquals(List.of("x3", "y4"), applied, "x9 waits behind x7; y goes on; this node's own never");
        assertEquals(0, sync.round(sink));

        refused.clear();
        row("y", 6, "y6");
        assertEquals(3, sync.round(sink));
        assertEquals(List.of("x3", "y4", "x7", "x9", "y6"), applied);
        assertEquals(0, sync.round(sink), "nothing twice");
        assertEquals(3 + 2, sync.applied());
        assertEquals(Map.of("x", 9L, "y", 6L), reported, "how far each node was offered, told every round");
        sync.close();

        // A restarted sync reads each node from where the sink's models are, and no further back.
        row("x", 12, "x12");
        final LinearSync again = new LinearSync(pool, "me", 1000);
        assertEquals(1, again.round(sink));
        assertEquals(List.of("x3", "y4", "x7", "x9", "y6", "x12"), applied);
        again.close();
    }

    @Test
    void aRowWhoseOfferThrowsIsSkippedAndCountedAndTheRoundGoesOnWithoutCallingPostgresUnreachable() throws Exception {
        row("x", 1, "x1");
        row("x", 2, "throws2");
        row("x", 3, "x3");
        row("x", 4, "throws4");
        row("y", 1, "y1");
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        assertEquals(3, sync.round(sink), "the rows behind the one that threw, and the other node's, are applied");
        assertEquals(List.of("x1", "x3", "y1"), applied);
        assertEquals(2, sync.failedRows());
        assertEquals(0, sync.dropped());
        assertTrue(sync.reachable(), "not a Postgres failure");
        assertEquals(Map.of("x", 4L, "y", 1L), reported, "the position moves past the rows that threw");
        row("x", 5, "x5");
        assertEquals(1, sync.round(sink), "a row that threw is not offered again; it blocks nothing");
        assertEquals(List.of("x1", "x3", "y1", "x5"), applied);
        assertEquals(2, sync.failedRows());
        sync.close();
    }

    @Test
    void closeEndsARoundUnderWayAtItsNextRowSoNothingIsOfferedAfterItReturns() throws Exception {
        pool.query("INSERT INTO linear_rewards (node, seq, decision_id, reward, time) "
            + "SELECT 'x', s, 'x' || s, 1, now() FROM generate_series(1, 1000) s").execute()
            .await(10, TimeUnit.SECONDS);
        pool.query("INSERT INTO linear_reward_heads (node, last) VALUES ('x', 1000)").execute()
            .await(10, TimeUnit.SECONDS);
        final AtomicInteger offers = new AtomicInteger();
        final CountDownLatch first = new CountDownLatch(1);
        final LinearSync sync = new LinearSync(pool, "me", 60_000);
        sync.start((PositionlessSink) (node, number, decisionId, reward) -> {
            first.countDown();
            sleepUninterruptibly(20); // a model offer that does not look at the interrupt: 1,000 rows, 20 s
            offers.incrementAndGet();
            return LinearSync.Outcome.APPLIED;
        });
        assertTrue(first.await(30, TimeUnit.SECONDS));
        sync.close();
        final int atClose = offers.get();
        Thread.sleep(300);
        assertEquals(atClose, offers.get(), "an offer after close returned: the models may be closed by then");
        assertTrue(atClose < 1000, atClose + " offers");
    }

    @Test
    void closeWhileARoundWaitsForPostgresIsNotAPostgresFailure() throws Exception {
        row("x", 1, "x1");
        final io.vertx.sqlclient.SqlConnection locker = pool.getConnection().await(10, TimeUnit.SECONDS);
        try {
            locker.query("BEGIN").execute().await(10, TimeUnit.SECONDS);
            locker.query("LOCK TABLE linear_reward_heads IN ACCESS EXCLUSIVE MODE").execute()
                .await(10, TimeUnit.SECONDS); // the round's first read waits for this lock
            final LinearSync sync = new LinearSync(pool, "me", 60_000);
            sync.start(sink);
            Thread.sleep(500);
            sync.close();
            assertTrue(sync.reachable(), "the close interrupted the round's wait; Postgres did not fail");
            assertEquals(List.of(), applied);
        } finally {
            locker.query("ROLLBACK").execute().await(10, TimeUnit.SECONDS);
            locker.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** Sleeps {@code millis} whatever interrupts come, and keeps the interrupt for the caller. */
    private static void sleepUninterruptibly(long millis) {
        final long end = System.nanoTime() + millis * 1_000_000;
        boolean interrupted = false;
        for (long left = millis; left > 0; left = (end - System.nanoTime()) / 1_000_000) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void rowsThatWaitTooLongArePassedOverTogetherAndCountedAndARowThatAppliesStartsTheClockAgain() throws Exception {
        for (int seq = 1; seq <= 6; seq++) {
            row("x", seq, seq == 4 || seq == 6 ? "x" + seq : "gone" + seq);
        }
        final LinearSync sync = new LinearSync(pool, "me", 1000, 1000); // give up after 1 s
        refused.addAll(List.of("gone1", "gone2", "gone3", "gone5")); // their experiment was deleted
        assertEquals(0, sync.round(sink));
        Thread.sleep(1_200);
        assertEquals(1, sync.round(sink), "the three rows that waited are passed over at once, not one a wait");
        assertEquals(List.of("x4"), applied);
        assertEquals(3, sync.dropped());
        assertEquals(0, sync.round(sink), "x4 applied: gone5 waits its own time");
        Thread.sleep(1_200);
        assertEquals(1, sync.round(sink));
        assertEquals(List.of("x4", "x6"), applied);
        assertEquals(4, sync.dropped());
        sync.close();
    }

    @Test
    void aRowThatThrowsBetweenRowsThatWaitDoesNotStartTheClockAgain() throws Exception {
        row("x", 1, "gone1");
        row("x", 2, "throws2");
        row("x", 3, "gone3");
        row("x", 4, "x4");
        final LinearSync sync = new LinearSync(pool, "me", 1000, 1000); // give up after 1 s
        refused.addAll(List.of("gone1", "gone3")); // their experiment was deleted
        assertEquals(0, sync.round(sink));
        Thread.sleep(1_200);
        assertEquals(1, sync.round(sink), "gone1 and gone3 passed over in one round: throws2 applied nothing");
        assertEquals(List.of("x4"), applied);
        assertEquals(2, sync.dropped());
        assertEquals(1, sync.failedRows());
        sync.close();
    }

    private static final int D = 3;

    /**
     * Real mapped linear models as the sink, one per experiment ("e", "f"): a decision id {@code experiment/variant/
     * seed} carries its features (drawn from the seed), as a signed decision id does on a server.
     */
    private static final class Models implements LinearSync.Sink {
        final Map<String, LinearModelTable> tables = new HashMap<>();

        Models(Path dir) {
            this(dir, 1 << 16);
        }

        /** With rings of {@code ringCapacity} bytes (1,024: 16 replayed rows). */
        Models(Path dir, int ringCapacity) {
            for (final String experiment : List.of("e", "f")) {
                tables.put(experiment, LinearModelTable.mapFile(dir.resolve(experiment + ".linear"), D, 2,
                    ringCapacity, 1.0, 1.0, 50));
            }
        }

        static FeatureVector features(String decisionId) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(decisionId.hashCode());
            final FeatureVector x = new FeatureVector(D, D);
            x.clear(D);
            for (int i = 0; i < D; i++) {
                x.set(i, rng.nextDouble() * 2 - 1);
            }
            return x;
        }

        @Override
        public LinearSync.Outcome apply(String node, long number, String decisionId, double reward) {
            final String[] parts = decisionId.split("/");
            return tables.get(parts[0]).offerReplayed(Integer.parseInt(parts[1]), features(decisionId), reward,
                LinearModelTable.sourceKey(node), number) ? LinearSync.Outcome.APPLIED : LinearSync.Outcome.FULL;
        }

        @Override
        public long replayedUpTo(String node) {
            long oldest = Long.MAX_VALUE;
            for (final LinearModelTable table : tables.values()) {
                oldest = Math.min(oldest, table.replayedUpTo(LinearModelTable.sourceKey(node)));
            }
            return oldest;
        }

        @Override
        public void replayed(String node, long number) {
            for (final LinearModelTable table : tables.values()) {
                if (table.replayedUpTo(LinearModelTable.sourceKey(node)) < number) {
                    table.offerReplayedUpTo(LinearModelTable.sourceKey(node), number); // a full ring: next round
                }
            }
        }

        @Override
        public int withoutPosition(String node) {
            int without = 0;
            for (final LinearModelTable table : tables.values()) {
                without += table.withoutPosition(LinearModelTable.sourceKey(node)) ? 1 : 0;
            }
            return without;
        }

        /** Applies everything queued (one read stops at the ring's end: a ring that wrapped takes two). */
        void applyAll() {
            for (final LinearModelTable table : tables.values()) {
                for (int read = 0; read < 3 && table.pendingBytes() > 0; read++) {
                    table.applyPendingObservations(Integer.MAX_VALUE);
                }
            }
        }

        /** Per experiment and variant: observations, mean and covariance, as text (exact doubles). */
        Map<String, String> published() {
            final Map<String, String> all = new HashMap<>();
            tables.forEach((experiment, table) -> {
                for (int v = 0; v < 2; v++) {
                    final double[] mean = new double[D];
                    final double[] covariance = new double[D * D];
                    final long n = table.copyPublished(v, mean, covariance);
                    all.put(experiment + v, n + " " + Arrays.toString(mean) + " " + Arrays.toString(covariance));
                }
            });
            return all;
        }

        /** What a killed process leaves: the pages of the mapped files, no clean close. */
        void kill() {
            tables.values().forEach(LinearModelTable::force);
        }

        void close() {
            tables.values().forEach(LinearModelTable::close);
        }
    }

    /** Rows numbered 1..n of {@code node}, over experiments e and f and their two variants; rewards 0..2. */
    private void rows(String node, int n, Xoroshiro128PlusPlus rng) throws Exception {
        for (int seq = 1; seq <= n; seq++) {
            final String id = (rng.nextInt(3) == 0 ? "f" : "e") + "/" + rng.nextInt(2) + "/" + node + seq;
            pool.preparedQuery("INSERT INTO linear_rewards (node, seq, decision_id, reward, time) "
                + "VALUES ($1, $2, $3, $4, now())").execute(Tuple.of(node, seq, id, (double) rng.nextInt(3)))
                .await(10, TimeUnit.SECONDS);
        }
        pool.preparedQuery("INSERT INTO linear_reward_heads (node, last) VALUES ($1, $2)")
            .execute(Tuple.of(node, (long) n)).await(10, TimeUnit.SECONDS);
    }

    @Test
    void aProcessKilledBetweenQueuingARoundAndApplyingItCountsEveryRowOnceAfterTheRestart(@TempDir Path other)
        throws Exception {
        final long seed = Long.getLong("linear.seed", System.nanoTime()); // a failure prints it: -Dlinear.seed=
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        rows("x", 120, rng);
        rows("y", 80, rng);
        final int appliedBeforeKill = rng.nextInt(200);
        final String context = "-Dlinear.seed=" + seed + ", " + appliedBeforeKill + " applied before the kill";

        // The expected models: every row once, on a node that is never killed.
        final Models once = new Models(other);
        assertEquals(200, new LinearSync(pool, "me", 1000).round(once), context);
        once.applyAll();

        final Models killed = new Models(dataDir);
        assertEquals(200, new LinearSync(pool, "me", 1000).round(killed), context); // queued in the models' rings
        final LinearModelTable e = killed.tables.get("e");
        e.applyPendingObservations(Math.max(1, appliedBeforeKill)); // some of one model's, in its ring's order
        killed.kill();

        final Models restarted = new Models(dataDir);
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        sync.round(restarted); // from where the models are: the queued rows behind that are offered again
        restarted.applyAll();
        assertEquals(once.published(), restarted.published(), context);
        assertEquals(0, sync.round(restarted), context);
        restarted.applyAll();
        assertEquals(once.published(), restarted.published(), "nothing more in later rounds; " + context);
        once.close();
        restarted.close();
    }

    @Test
    void aLostModelFileIsGivenEveryRowAgainAndTheKeptModelCountsNoneTwice(@TempDir Path other) throws Exception {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(18);
        rows("x", 150, rng);
        rows("y", 60, rng);
        final Models models = new Models(dataDir);
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        assertEquals(210, sync.round(models));
        sync.round(models); // the positions of rows that taught the other model, through the rings
        models.applyAll();
        final Map<String, String> expected = models.published();
        models.close();

        Files.delete(dataDir.resolve("e.linear"));
        final Models restarted = new Models(dataDir);
        final LinearSync again = new LinearSync(pool, "me", 1000);
        again.round(restarted);
        restarted.applyAll();
        assertEquals(expected, restarted.published(), "e rebuilt from every row; f took none twice");
        restarted.close();
    }

    /** Model g (an experiment created later), beside e and f. */
    private static LinearModelTable modelG(Path dir) {
        return LinearModelTable.mapFile(dir.resolve("g.linear"), D, 2, 1 << 16, 1.0, 1.0, 50);
    }

    @Test
    void nodesWhoseRowsAreGoneTakeNoSlotOfANewModelSoALiveNodeKeepsOneBeyond256Heads() throws Exception {
        for (int node = 0; node < 300; node++) {
            row("gone" + node, 1, "e/0/gone" + node);
        }
        final Models models = new Models(dataDir);
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        assertEquals(300, sync.round(models));
        models.applyAll(); // e and f: 256 slots each, taken by those nodes while their rows were kept
        pool.query("DELETE FROM linear_rewards").execute().await(10, TimeUnit.SECONDS); // retention; heads stay
        models.tables.put("g", modelG(dataDir));
        sync.round(models);
        models.applyAll();
        for (int seq = 1; seq <= 40; seq++) {
            row("x", seq, "g/" + seq % 2 + "/x" + seq);
        }
        assertEquals(40, sync.round(models));
        sync.round(models);
        models.applyAll();
        final LinearModelTable g = models.tables.get("g");
        assertEquals(40, g.replayedUpTo(LinearModelTable.sourceKey("x")), "the live node has its slot in g");
        assertEquals(0, g.replayedUpTo(LinearModelTable.sourceKey("gone1")), "a node without rows has none");
        assertEquals(2, sync.withoutPosition(), "e and f, full since before, keep no position of x");
        final Map<String, String> expected = models.published();
        models.close();

        final Models restarted = new Models(dataDir);
        restarted.tables.put("g", modelG(dataDir));
        new LinearSync(pool, "me", 1000).round(restarted); // from 0 (e and f have no position of x): g skips them
        restarted.applyAll();
        assertEquals(expected, restarted.published(), "g counts none of x's rows twice");
        restarted.close();
    }

    @Test
    void nodesWithRowsBeyondAModelsSlotsAreCounted() throws Exception {
        for (int node = 0; node < 300; node++) {
            row("n" + node, 1, (node % 2 == 0 ? "e" : "f") + "/0/n" + node);
        }
        final Models models = new Models(dataDir);
        final LinearSync sync = new LinearSync(pool, "me", 1000);
        assertEquals(300, sync.round(models));
        models.applyAll();
        sync.round(models);
        assertEquals(2 * (300 - 256), sync.withoutPosition(), "each model: 256 slots, 44 nodes without");
        models.close();
    }

    @Test
    void aFullRingHoldsTheRowsBackUntilTheApplierDrainsItHoweverLongThatTakesAndLosesNone(@TempDir Path other)
        throws Exception {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(21);
        rows("x", 120, rng);
        rows("y", 50, rng);
        final Models once = new Models(other);
        assertEquals(170, new LinearSync(pool, "me", 1000).round(once));
        once.applyAll();

        final Models small = new Models(dataDir, 1024); // 16 rows a ring: catch-up fills it at once
        final LinearSync sync = new LinearSync(pool, "me", 1000, 100); // an unknown experiment waits 0.1 s only
        int offered = sync.round(small);
        assertTrue(offered < 170, "the rings are full before the round's end");
        Thread.sleep(300); // the applier is late: the rings stay full for longer than the give-up time
        offered += sync.round(small);
        for (int round = 0; offered < 170 && round < 100; round++) {
            small.applyAll();
            offered += sync.round(small);
        }
        sync.round(small); // the positions, behind the last rows
        small.applyAll();
        assertEquals(170, offered, "every row offered once");
        assertEquals(0, sync.dropped(), "a row held back by a full ring is never passed over");
        assertTrue(sync.deferred() > 0, "held back, counted");
        assertEquals(once.published(), small.published(), "the same models as with rings that never fill");
        for (final LinearModelTable table : small.tables.values()) {
            assertEquals(0, table.rejected(), "a replay held back is no refused live reward");
        }
        once.close();
        small.close();
    }
}
