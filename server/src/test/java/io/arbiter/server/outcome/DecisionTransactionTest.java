package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decisions and outcomes are shipped in separate transactions: decision rows with an asynchronous commit, rewards
 * never; a batch whose outcome transaction fails after its decision transaction committed retries only the outcomes
 * (the decision counts are added once); a replayed batch inserts nothing twice.
 */
class DecisionTransactionTest {

    private static final long T = 1_700_000_000_000L;

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void decisionRowsCommitAsynchronouslyAndRewardsSynchronously() {
        // A trigger records the synchronous_commit setting in force in each inserting transaction.
        pg.query("""
                CREATE TABLE commit_modes (tbl text, mode text);
                CREATE FUNCTION note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO commit_modes VALUES (TG_TABLE_NAME, current_setting('synchronous_commit'));
                    RETURN NULL;
                END $$;
                CREATE TRIGGER decisions_mode AFTER INSERT ON decisions
                    FOR EACH STATEMENT EXECUTE FUNCTION note_commit_mode();
                CREATE TRIGGER rewards_mode AFTER INSERT ON rewards
                    FOR EACH STATEMENT EXECUTE FUNCTION note_commit_mode();""");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        for (int i = 0; i < 100; i++) {
            assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, T, "d" + i, "exp", "a", "u",
                    0.5, 0)));
        }
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, T, "d1", "exp", "a", "", 1, 0)));
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.close());
        assertEquals(100, pg.count("SELECT count(*) FROM decisions"));
        assertEquals(java.util.Set.of("off"), pg.strings("SELECT mode FROM commit_modes WHERE tbl = 'decisions'"));
        assertEquals(java.util.Set.of("on"), pg.strings("SELECT mode FROM commit_modes WHERE tbl = 'rewards'"));
    }

    @Test
    void aFailedOutcomeTransactionRetriesWithoutAddingDecisionCountsTwice() {
        // The rewards table is away: the decision transaction commits, the outcome transaction fails (42P01) until
        // the table is back.
        pg.query("ALTER TABLE rewards RENAME TO rewards_away");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final int n = 500;
        for (int i = 0; i < n; i++) {
            assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, T, "d" + i, "exp", "a", "u",
                    0.5, 0)));
        }
        final io.vertx.core.Future<Void> ack = pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, T, "d1", "exp",
                "a", "", 1, 0));
        PgFixture.await(ack);
        final long deadline = System.nanoTime() + 30_000_000_000L;
        // The decisions may ship in more than one batch, and the reward's batch may fail before theirs commit: wait
        // for both the failure and every decision row.
        while ((pipeline.status().postgresUp() || pg.count("SELECT count(*) FROM decisions") < n)
            && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        assertFalse(pipeline.status().postgresUp(), "the outcome transaction fails while rewards is away");
        assertEquals(n, pg.count("SELECT count(*) FROM decisions"), "decision part committed on its own");
        pg.query("ALTER TABLE rewards_away RENAME TO rewards");
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.close());
        assertEquals(n, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'a'"));
        assertEquals(1, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'exp' AND arm = 'a'"));
        assertEquals(1, pg.count("SELECT count(*) FROM rewards"));
    }

    @Test
    void aDecisionBatchRetriedAfterItsCommitInsertsAndCountsNothingTwice() {
        final PostgresWriter writer = new PostgresWriter(pg.pool, java.util.List.of());
        final List<OutcomeEvent> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(new OutcomeEvent(OutcomeKind.DECISION, T + i, "d" + i, "exp", "a", "u", 0.5, 0));
        }
        final List<DecisionCounts.Delta> counts = List.of(new DecisionCounts.Delta("exp", "a", 200));
        final java.util.UUID batch = java.util.UUID.randomUUID();
        assertEquals(200, PgFixture.await(writer.writeDecisions(batch, rows, counts)));
        // The same batch again, as when the commit succeeded but its answer was lost.
        assertEquals(0, PgFixture.await(writer.writeDecisions(batch, rows, counts)));
        assertEquals(200, pg.count("SELECT count(*) FROM decisions"));
        assertEquals(200, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'a'"));
        // Another batch with the same rows is another batch (ring rows are never offered twice).
        assertEquals(200, PgFixture.await(writer.writeDecisions(java.util.UUID.randomUUID(), rows, counts)));
        assertEquals(400, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'a'"));
    }

    @Test
    void aReplayedBatchInsertsNothingTwice() {
        final List<OutcomeEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(new OutcomeEvent(OutcomeKind.REWARD, T + i, "r" + i, "exp", "v" + (i % 3), "", i % 2, 0));
            events.add(new OutcomeEvent(OutcomeKind.DECISION, T + i, "j" + i, "exp", "v" + (i % 3), "u", 0.3, 0));
        }
        events.add(events.get(1)); // a journal decision appended twice (a client retry) is stored once
        final OutcomePipeline first = pg.start(PgFixture.config(journalDir));
        for (final OutcomeEvent event : events) {
            PgFixture.await(first.append(event));
        }
        PgFixture.await(first.flush());
        PgFixture.await(first.close());
        final String totals = "SELECT (SELECT count(*) FROM rewards) || '/' || (SELECT count(*) FROM decisions) || '/'"
                + " || (SELECT sum(trials) FROM arm_aggregates) || '/' || (SELECT sum(successes) FROM arm_aggregates)"
                + " || '/' || (SELECT sum(reward_sum) FROM arm_aggregates)";
        final java.util.Set<String> before = pg.strings(totals);
        assertEquals(java.util.Set.of("300/300/300/150/150"), before);
        // The same records shipped again, as after a crash between the commit and the checkpoint: a new journal.
        final OutcomePipeline replay = pg.start(PgFixture.config(journalDir.resolve("replay")));
        for (final OutcomeEvent event : events) {
            PgFixture.await(replay.append(event));
        }
        PgFixture.await(replay.flush());
        PgFixture.await(replay.close());
        assertEquals(before, pg.strings(totals));
    }
}
