package io.arbiter.server.outcome;

import io.arbiter.server.pg.LogMaintenance;
import io.arbiter.server.pg.Retention;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention: expired decision partitions are dropped, new ones created ahead (gaps filled), expired reward rows
 * deleted, aggregates never touched; and a maintenance round waiting on a long reader does not hold up ingestion.
 */
class LogRetentionTest {

    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();
    private final long now = System.currentTimeMillis();

    private LogMaintenance maintenanceAt(long millis) {
        return new LogMaintenance(pg.pool, Retention.defaults(), Clock.fixed(Instant.ofEpochMilli(millis),
                ZoneOffset.UTC));
    }

    private Set<String> partitions() {
        return pg.strings("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = 'decisions'::regclass");
    }

    private static OutcomeEvent decision(String id, long time) {
        return new OutcomeEvent(OutcomeKind.DECISION, time, id, "exp", "a", "u", 0.5, 0);
    }

    @Test
    void dropsExpiredPartitionsAndRowsButNeverAggregates() throws Exception {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        assertTrue(pipeline.offerDecision(decision("old", now - 40 * DAY)));
        assertTrue(pipeline.offerDecision(decision("today", now)));
        assertTrue(pipeline.offerDecision(decision("soon", now + 5 * DAY)));
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, now - 100 * DAY, "old", "exp", "a",
                "", 1, OutcomeEvent.TEACHES_LINEAR)));
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, now, "today", "exp", "a", "", 1,
                OutcomeEvent.TEACHES_LINEAR)));
        PgFixture.await(pipeline.flush());
        assertEquals(3, pg.count("SELECT count(*) FROM decisions"));
        assertEquals(LogMaintenance.DAYS_AHEAD + 2, partitions().size(), partitions().toString());

        // Today: nothing has expired yet, the partitions ahead exist already.
        final LogMaintenance.Report today = maintenanceAt(now).run();
        assertTrue(today.ran());
        assertEquals(0, today.partitionsDropped().size(), today.toString());
        assertEquals(1, today.rewardsDeleted(), "the reward 100 days old is past the 90 days");
        assertEquals(Set.of("today"), pg.strings("SELECT decision_id FROM linear_rewards"),
                "the other nodes' copy of a linear reward goes with it");

        // 33 days on (the server was down meanwhile): the gap is filled, 30 days are kept (from day 3 on).
        final LogMaintenance.Report later = maintenanceAt(now + 33 * DAY).run();
        assertTrue(later.partitionsDropped().stream().anyMatch(name -> name.startsWith("decisions_before_")),
                later.toString());
        assertEquals(Set.of("soon"), pg.strings("SELECT id FROM decisions"));
        assertEquals(1, pg.count("SELECT count(*) FROM rewards"));
        assertEquals(2, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'exp'"), "aggregates kept");
        assertEquals(3, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp'"));
        for (long day = 3; day <= 33 + LogMaintenance.DAYS_AHEAD; day++) {
            final String name = "decisions_" + java.time.LocalDate.ofInstant(Instant.ofEpochMilli(now + day * DAY),
                    ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
            assertTrue(partitions().contains(name), name + " in " + partitions());
        }

        // A row older than what is kept is counted but not stored, and does not hold up the rest.
        assertTrue(pipeline.offerDecision(decision("expired", now)));
        assertTrue(pipeline.offerDecision(decision("kept", now + 30 * DAY)));
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, now, "r2", "exp", "a", "", 0, 0)));
        PgFixture.await(pipeline.flush());
        assertEquals(Set.of("soon", "kept"), pg.strings("SELECT id FROM decisions"));
        assertEquals(3, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'exp'"));
        assertEquals(5, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp'"));
        PgFixture.await(pipeline.close());
    }

    @Test
    void aRoundWaitingOnALongReaderDoesNotHoldUpIngestion() throws Exception {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        assertTrue(pipeline.offerDecision(decision("before", now)));
        PgFixture.await(pipeline.flush());
        // An evaluation job reading the log in a long transaction.
        final SqlConnection reader = PgFixture.await(pg.pool.getConnection());
        PgFixture.await(reader.query("BEGIN ISOLATION LEVEL REPEATABLE READ").execute());
        PgFixture.await(reader.query("SELECT count(*) FROM decisions").execute());
        final CompletableFuture<LogMaintenance.Report> round = CompletableFuture.supplyAsync(() -> {
            try {
                return maintenanceAt(now + 45 * DAY).run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The round gets as far as waiting for the reader (its detach), then ingestion goes on regardless.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pg.count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE decisions DETACH%'"
                + " AND wait_event_type IS NOT NULL") == 0) {
            assertTrue(System.nanoTime() < deadline, "the maintenance round never reached the detach");
            Thread.sleep(20);
        }
        for (int i = 0; i < 1000; i++) {
            assertTrue(pipeline.offerDecision(decision("during-" + i, now + 30 * DAY)));
        }
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, now, "during-0", "exp", "a", "", 1,
                0)));
        PgFixture.await(pipeline.flush().timeout(20, TimeUnit.SECONDS));
        assertFalse(round.isDone(), "the round still waits for the reader");
        assertEquals(1000, pg.count("SELECT count(*) FROM decisions WHERE id LIKE 'during-%'"));
        PgFixture.await(reader.query("COMMIT").execute());
        reader.close();
        final LogMaintenance.Report report = round.get(60, TimeUnit.SECONDS);
        assertTrue(report.partitionsDropped().size() > 1, report.toString());
        assertEquals(0, pg.count("SELECT count(*) FROM decisions WHERE id = 'before'"));
        PgFixture.await(pipeline.close());
    }
}
