package io.arbiter.server.outcome;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows the other nodes replay into their linear models ({@code linear_rewards}, V48), against a real Postgres:
 * only the rewards marked as having taught a linear model, only when actually stored (a repeat adds none), numbered
 * after everything the node committed before, the node's head at the newest; and a second transaction of the same
 * node cannot draw numbers before the first has committed (the head's row lock), so a reader never passes a number
 * that is still to commit.
 */
class LinearRewardsTest {

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    private static OutcomeEvent reward(String id, double value, int code) {
        return new OutcomeEvent(OutcomeKind.REWARD, System.currentTimeMillis(), id, "lin", "A", "", value, code);
    }

    private List<String> shared() {
        final List<String> ids = new ArrayList<>();
        for (final Row row : pg.query("SELECT decision_id || '=' || reward FROM linear_rewards ORDER BY seq")) {
            ids.add(row.getString(0));
        }
        return ids;
    }

    @Test
    void onlyStoredLinearRewardsAreSharedOnceInTheOrderTheyCommit() throws Exception {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        PgFixture.await(pipeline.append(reward("a", 1, OutcomeEvent.TEACHES_LINEAR)));
        PgFixture.await(pipeline.append(reward("plain", 1, 0)));
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.append(reward("b", 0.5, OutcomeEvent.TEACHES_LINEAR)));
        PgFixture.await(pipeline.append(reward("a", 1, OutcomeEvent.TEACHES_LINEAR))); // a repeat: stored before
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.append(reward("c", 0, OutcomeEvent.TEACHES_LINEAR)));
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.close());

        assertEquals(List.of("a=1", "b=0.5", "c=0"), shared());
        assertEquals(3, pg.count("SELECT count(*) FROM rewards WHERE experiment = 'lin' AND decision_id <> 'plain'"));
        assertEquals(pg.count("SELECT max(seq) FROM linear_rewards"),
            pg.count("SELECT last FROM linear_reward_heads WHERE node = ''"), "the head is the newest number");
    }

    @Test
    void aSecondTransactionOfOneNodeDrawsNumbersOnlyAfterTheFirstCommits() throws Exception {
        PgFixture.await(pg.pool.query(PostgresWriter.LOCK_LINEAR_HEAD).execute()); // the row exists, as usually
        final SqlConnection first = PgFixture.await(pg.pool.getConnection());
        final SqlConnection second = PgFixture.await(pg.pool.getConnection());
        try {
            final Transaction firstTx = PgFixture.await(first.begin());
            PgFixture.await(first.query(PostgresWriter.LOCK_LINEAR_HEAD).execute());
            final Transaction secondTx = PgFixture.await(second.begin());
            final AtomicLong lockedAt = new AtomicLong();
            final io.vertx.core.Future<?> secondLocked = second.query(PostgresWriter.LOCK_LINEAR_HEAD).execute()
                .onSuccess(rows -> lockedAt.set(System.nanoTime()));
            Thread.sleep(300); // long enough for an unlocked statement to answer
            final long committedAt = System.nanoTime();
            PgFixture.await(firstTx.commit());
            secondLocked.await(10, TimeUnit.SECONDS);
            assertTrue(lockedAt.get() > committedAt, "the node's second transaction waited for the first's commit");
            PgFixture.await(secondTx.commit());
        } finally {
            first.close();
            second.close();
        }
    }
}
