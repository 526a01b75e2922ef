package io.arbiter.server.outcome;

import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.files.DurableFiles;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The take-back of a reward another node stored first ({@link PostgresWriter#STORED_ELSEWHERE}), against a real
 * Postgres with two node ids: a batch that committed but whose journal checkpoint could not be written is read and
 * shipped again, and its rewards stored elsewhere are handed over for take-back once, by the shipping whose
 * checkpoint was written, not once per shipping.
 */
class StoredElsewhereTakeBackTest {

    private static final String DUPLICATES = "arbiter.outcome.postgres.duplicates";

    @TempDir
    Path firstJournal;
    @TempDir
    Path secondJournal;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    private Pool nodePool(String node) {
        return TestPostgres.pool(pg.vertx, new PgConnectOptions(pg.options).addProperty("arbiter.node", node), 2);
    }

    private OutcomePipeline start(Pool pool, Path journal, Metrics metrics) {
        return PgFixture.await(OutcomePipeline.start(pg.vertx, pool, PgFixture.config(journal), metrics,
                Clock.systemUTC(), NoticeRules.aggregation()));
    }

    private static OutcomeEvent reward(String id) {
        return new OutcomeEvent(OutcomeKind.REWARD, System.currentTimeMillis(), id, "exp", "A", "", 1.0, 0);
    }

    /** Node n1 stores reward "dup" first (its own journal, shipped and closed). */
    private void storeOnFirstNode(Pool first) {
        final OutcomePipeline one = start(first, firstJournal, new Metrics());
        PgFixture.await(one.append(reward("dup")));
        PgFixture.await(one.flush());
        PgFixture.await(one.close());
    }

    /** A non-empty folder where n2's checkpoint's temporary file goes: every checkpoint write fails until removed. */
    private Path blockSecondCheckpoint() throws IOException {
        final Path blocker = DurableFiles.temporaryOf(secondJournal.resolve(JournalDescriptor.CHECKPOINT_FILE));
        Files.createDirectories(blocker.resolve("full"));
        return blocker;
    }

    private static void unblock(Path blocker) throws IOException {
        Files.delete(blocker.resolve("full"));
        Files.delete(blocker);
    }

    @Test
    void aBatchShippedAgainAfterAFailedCheckpointTakesBackOnce() throws Exception {
        final Pool first = nodePool("n1");
        final Pool second = nodePool("n2");
        try {
            storeOnFirstNode(first);

            final Metrics metrics = new Metrics();
            final OutcomePipeline two = start(second, secondJournal, metrics);
            final List<String> takenBack = new CopyOnWriteArrayList<>();
            two.onRewardsStoredElsewhere(rewards -> rewards.forEach(r -> takenBack.add(r.id())));
            final Path blocker = blockSecondCheckpoint();
            PgFixture.await(two.append(reward("dup")));
            PgFixture.await(two.append(reward("own")));
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (metrics.registry().get(DUPLICATES).counter().count() < 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(20); // the batch committed at least three times, its checkpoint failing each time
            }
            assertTrue(metrics.registry().get(DUPLICATES).counter().count() >= 3, "shipped again");
            unblock(blocker);
            PgFixture.await(two.flush());
            PgFixture.await(two.close());

            assertEquals(List.of("dup"), takenBack, "the reward node n1 stored is taken back once on n2");
            assertEquals(1, pg.count("SELECT count(*) FROM rewards WHERE decision_id = 'dup' AND node = 'n1'"));
            assertEquals(1, pg.count("SELECT count(*) FROM rewards WHERE decision_id = 'own' AND node = 'n2'"));
        } finally {
            first.close();
            second.close();
        }
    }

    /**
     * A close whose checkpoint cannot be written ships the batch again only after a back-off, as the running shipper
     * does, not in a loop as fast as Postgres answers until the close timeout: each shipping of the one-reward batch
     * after the first counts one duplicate, so the duplicates during the close count the shippings.
     */
    @Test
    void aCloseWhoseCheckpointCannotBeWrittenShipsAgainOnlyAfterTheBackOff() throws Exception {
        final Pool second = nodePool("n2");
        try {
            final Metrics metrics = new Metrics();
            final OutcomePipeline two = start(second, secondJournal, metrics);
            final Path blocker = blockSecondCheckpoint();
            PgFixture.await(two.append(reward("own")));
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (metrics.registry().get(DUPLICATES).counter().count() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20); // committed, its checkpoint failed, shipped again
            }
            final double before = metrics.registry().get(DUPLICATES).counter().count();
            assertTrue(before >= 1, "shipped again");
            two.close().await(); // 5 s close timeout, 200 ms retryMax (PgFixture.config)
            final double during = metrics.registry().get(DUPLICATES).counter().count() - before;
            unblock(blocker);
            assertTrue(during <= 5_000 / 200 + 2, during + " shippings during the close: one a back-off at most");
            assertEquals(1, pg.count("SELECT count(*) FROM rewards WHERE decision_id = 'own' AND node = 'n2'"));
        } finally {
            second.close();
        }
    }

    /**
     * A node stopped after a batch committed and before its checkpoint was written (the folder stays in the way until
     * the pipeline is gone, as a kill would leave it): that life hands nothing over, since the take-back follows the
     * checkpoint; the next life reads the batch again and hands the reward over at most once (the server itself
     * listens only after the recovered tail is shipped, see deploy.md).
     */
    @Test
    void aStopBetweenCommitAndCheckpointHandsTheRewardOverOnceAcrossBothLives() throws Exception {
        final Pool first = nodePool("n1");
        final Pool second = nodePool("n2");
        try {
            storeOnFirstNode(first);

            final Metrics metrics = new Metrics();
            final OutcomePipeline before = start(second, secondJournal, metrics);
            final List<String> takenBack = new CopyOnWriteArrayList<>();
            before.onRewardsStoredElsewhere(rewards -> rewards.forEach(r -> takenBack.add("before:" + r.id())));
            final Path blocker = blockSecondCheckpoint();
            PgFixture.await(before.append(reward("dup")));
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (metrics.registry().get(DUPLICATES).counter().count() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(metrics.registry().get(DUPLICATES).counter().count() >= 1, "committed");
            before.close().await(); // the checkpoint still cannot be written: the batch stays in the journal
            unblock(blocker);

            final OutcomePipeline after = start(second, secondJournal, new Metrics());
            after.onRewardsStoredElsewhere(rewards -> rewards.forEach(r -> takenBack.add("after:" + r.id())));
            PgFixture.await(after.append(reward("later")));
            PgFixture.await(after.flush());
            PgFixture.await(after.close());

            // the replay may ship before the listener is set (as in the server): at most once, never by the first life
            final long firstLife = takenBack.stream().filter(id -> id.startsWith("before:")).count();
            assertEquals(0, firstLife, "handed over by the life whose checkpoint failed");
            assertTrue(takenBack.isEmpty() || takenBack.equals(List.of("after:dup")), "handed over " + takenBack);
        } finally {
            first.close();
            second.close();
        }
    }
}
