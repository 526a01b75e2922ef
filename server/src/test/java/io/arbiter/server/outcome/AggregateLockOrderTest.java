package io.arbiter.server.outcome;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every statement that folds into the aggregate rows all nodes share takes their row locks in key order, so two nodes'
 * shippers wait for each other instead of deadlocking. Each case holds the lowest key's row in another transaction
 * (as another node's open transaction would), lets the writer fold into twenty rows handed to it in descending order,
 * and looks, once the writer waits, which of the other rows it has locked already: none in key order; without the
 * order, the rows before the held one in whatever order they came (a deadlock when the other node needs one of them).
 * The cases: decision counts, a reward batch's arm fold and segment fold, an OpenRTB batch's arm fold.
 */
class AggregateLockOrderTest {

    private static final long T = System.currentTimeMillis();
    private static final int ROWS = 20;
    private static final String HOLD_LOWEST_ARM =
            "SELECT arm FROM arm_aggregates WHERE scope = 'exp' AND arm = 'a00' FOR UPDATE";

    @RegisterExtension
    final PgFixture pg = PgFixture.shared();
    private final PostgresWriter writer = new PostgresWriter(pg.pool, List.of());

    @Test
    void decisionCountsLockArmRowsInKeyOrder() {
        seedArms();
        final List<DecisionCounts.Delta> counts = new ArrayList<>();
        for (int i = ROWS - 1; i >= 0; i--) {
            counts.add(new DecisionCounts.Delta("exp", arm(i), 1));
        }
        final List<String> locked = lockedWhileWaiting(HOLD_LOWEST_ARM,
                "SELECT arm FROM arm_aggregates WHERE scope = 'exp' AND arm <> 'a00' FOR UPDATE SKIP LOCKED",
                () -> writer.writeDecisions(UUID.randomUUID(), List.of(), counts).mapEmpty());
        assertEquals(List.of(), locked, "arm rows locked before the lowest one, which another transaction held");
        assertEquals(ROWS, pg.count("SELECT sum(decisions) FROM arm_aggregates WHERE scope = 'exp'"));
    }

    @Test
    void rewardsLockArmRowsInKeyOrder() {
        seedArms();
        final List<OutcomeEvent> rewards = new ArrayList<>();
        for (int i = ROWS - 1; i >= 0; i--) {
            rewards.add(new OutcomeEvent(OutcomeKind.REWARD, T, "d" + i, "exp", arm(i), "", 1, 0));
        }
        final List<String> locked = lockedWhileWaiting(HOLD_LOWEST_ARM,
                "SELECT arm FROM arm_aggregates WHERE scope = 'exp' AND arm <> 'a00' FOR UPDATE SKIP LOCKED",
                () -> writer.writeOutcomes(rewards).mapEmpty());
        assertEquals(List.of(), locked, "arm rows locked before the lowest one, which another transaction held");
        assertEquals(ROWS, pg.count("SELECT sum(trials) FROM arm_aggregates WHERE scope = 'exp'"));
    }

    @Test
    void openRtbEventsLockArmRowsInKeyOrder() {
        pg.query("INSERT INTO arm_aggregates (scope, arm) SELECT 'ctr:camp', 'a' || lpad(i::text, 2, '0') "
                + "FROM generate_series(0, " + (ROWS - 1) + ") AS i");
        final PostgresWriter clicks = new PostgresWriter(pg.pool,
                List.of(new AggregationRule(OutcomeKind.CLICK, "ctr:", 0, 1, false)));
        final List<OutcomeEvent> events = new ArrayList<>();
        for (int i = ROWS - 1; i >= 0; i--) {
            events.add(new OutcomeEvent(OutcomeKind.CLICK, T, "click" + i, "camp", arm(i), "", 0, 0));
        }
        final List<String> locked = lockedWhileWaiting(
                "SELECT arm FROM arm_aggregates WHERE scope = 'ctr:camp' AND arm = 'a00' FOR UPDATE",
                "SELECT arm FROM arm_aggregates WHERE scope = 'ctr:camp' AND arm <> 'a00' FOR UPDATE SKIP LOCKED",
                () -> clicks.writeOutcomes(events).mapEmpty());
        assertEquals(List.of(), locked, "arm rows locked before the lowest one, which another transaction held");
        assertEquals(ROWS, pg.count("SELECT sum(successes) FROM arm_aggregates WHERE scope = 'ctr:camp'"));
    }

    @Test
    void rewardsLockSegmentRowsInKeyOrder() {
        pg.query("INSERT INTO segment_aggregates (experiment, segment, level, variant) "
                + "SELECT 'exp', s, s, 'v' FROM generate_series(1, " + ROWS + ") AS s");
        final List<OutcomeEvent> rewards = new ArrayList<>();
        for (int i = ROWS; i >= 1; i--) {
            rewards.add(new OutcomeEvent(OutcomeKind.REWARD, T, "d" + i, "exp", "v", "", 1, 0, 0, i + ":" + i));
        }
        final List<String> locked = lockedWhileWaiting(
                "SELECT segment FROM segment_aggregates WHERE experiment = 'exp' AND segment = 1 FOR UPDATE",
                "SELECT segment::text FROM segment_aggregates WHERE experiment = 'exp' AND segment <> 1 "
                        + "FOR UPDATE SKIP LOCKED",
                () -> writer.writeOutcomes(rewards).mapEmpty());
        assertEquals(List.of(), locked, "segment rows locked before the lowest one, which another transaction held");
        assertEquals(ROWS, pg.count("SELECT sum(trials) FROM segment_aggregates WHERE experiment = 'exp'"));
    }

    private void seedArms() {
        pg.query("INSERT INTO arm_aggregates (scope, arm) SELECT 'exp', 'a' || lpad(i::text, 2, '0') "
                + "FROM generate_series(0, " + (ROWS - 1) + ") AS i");
    }

    private static String arm(int i) {
        return String.format("a%02d", i);
    }

    /**
     * Holds the row {@code hold} locks (the lowest key) in a transaction of its own, starts the write, waits until it
     * waits for a lock, and answers which of the other rows the writer holds by then ({@code probe} locks the others
     * that nobody holds; the rows it skips are the writer's). Then lets the write finish.
     */
    private List<String> lockedWhileWaiting(String hold, String probe, Supplier<Future<Void>> write) {
        final SqlConnection blocker = PgFixture.await(pg.pool.getConnection());
        final SqlConnection prober = PgFixture.await(pg.pool.getConnection());
        try {
            PgFixture.await(blocker.query("BEGIN").execute());
            PgFixture.await(blocker.query(hold).execute());
            final Future<Void> written = write.get();
            waitForALockWait();
            assertFalse(written.isComplete(), "the writer waits for the row the other transaction holds");
            PgFixture.await(prober.query("BEGIN").execute());
            final List<String> free = new ArrayList<>();
            for (final Row row : PgFixture.await(prober.query(probe).execute())) {
                free.add(row.getValue(0).toString());
            }
            PgFixture.await(prober.query("ROLLBACK").execute());
            PgFixture.await(blocker.query("COMMIT").execute());
            PgFixture.await(written);
            final List<String> locked = new ArrayList<>();
            for (final Row row : PgFixture.await(prober.query(probe.replace(" FOR UPDATE SKIP LOCKED", ""))
                    .execute())) {
                final String key = row.getValue(0).toString();
                if (!free.contains(key)) {
                    locked.add(key);
                }
            }
            return locked;
        } finally {
            blocker.close();
            prober.close();
        }
    }

    private void waitForALockWait() {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (pg.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND datname = current_database()") == 0) {
            assertTrue(System.nanoTime() < deadline, "the write never waited for the held row");
            LockSupport.parkNanos(5_000_000L);
        }
        assertEquals(1, pg.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND datname = current_database()"), "exactly the writer waits");
    }
}
