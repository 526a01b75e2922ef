package io.arbiter.server.outcome;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres's disk full, injected: every insert into the logs fails with SQLSTATE 53100 ({@code disk_full}), as
 * Postgres answers when it cannot extend a file. The pipeline survives it as it survives an outage: decisions keep
 * being counted, acknowledged rewards wait in the journal until it is full, then appends are refused (the server's
 * 503); once there is room again, everything acknowledged ships, counted once.
 */
class PostgresDiskFullTest {

    private static final long LIMIT = 64 * 1024;

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void aFullDiskIsSurvivedLikeAnOutage() throws Exception {
        pg.query("""
                CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
                END $$;
                CREATE TRIGGER rewards_disk_full BEFORE INSERT ON rewards
                    FOR EACH STATEMENT EXECUTE FUNCTION disk_full();
                CREATE TRIGGER decisions_disk_full BEFORE INSERT ON decisions
                    FOR EACH STATEMENT EXECUTE FUNCTION disk_full();""");
        final OutcomeConfig config = PgFixture.config(journalDir).withMaxJournalBytes(LIMIT).withSegmentBytes(
                16 * 1024);
        final OutcomePipeline pipeline = pg.start(config);
        for (int i = 0; i < 100; i++) {
            assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, System.currentTimeMillis(),
                    "d-" + i, "exp", "v0", "u", 0.5, 0)));
        }
        final Set<String> acknowledged = new HashSet<>();
        int refused = 0;
        final List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            futures.add(pipeline.append(reward(i)));
        }
        for (int i = 0; i < futures.size(); i++) {
            try {
                futures.get(i).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                acknowledged.add("r-" + i);
            } catch (ExecutionException e) {
                assertInstanceOf(JournalFullException.class, e.getCause());
                refused++;
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pipeline.status().postgresUp() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        final PipelineStatus status = pipeline.status();
        System.out.println("disk full: acknowledged " + acknowledged.size() + ", refused " + refused + "; " + status);
        assertFalse(status.postgresUp(), status.toString());
        assertTrue(status.journalFull(), status.toString());
        assertTrue(refused > 0 && acknowledged.size() > 100, acknowledged.size() + " / " + refused);
        assertEquals(0, pg.count("SELECT count(*) FROM rewards"));

        // Room again: everything acknowledged ships, once, and the decisions' counts with it.
        pg.query("DROP TRIGGER rewards_disk_full ON rewards; DROP TRIGGER decisions_disk_full ON decisions");
        PgFixture.await(pipeline.flush());
        assertEquals(acknowledged, pg.strings("SELECT decision_id FROM rewards"));
        assertEquals(acknowledged.size(), pg.count("SELECT sum(trials) FROM arm_aggregates WHERE scope = 'exp'"));
        assertEquals(100, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v0'"));
        assertFalse(pipeline.status().journalFull());
        PgFixture.await(pipeline.append(reward(9_999)));
        PgFixture.await(pipeline.flush());
        assertEquals(acknowledged.size() + 1, pg.count("SELECT count(*) FROM rewards"));
        PgFixture.await(pipeline.close());
    }

    private static OutcomeEvent reward(int i) {
        return new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "r-" + i, "exp", "v" + (i % 4), "",
                i % 2, 0);
    }
}
