package io.arbiter.server.outcome;

import io.arbiter.server.pg.EmbeddedPostgres;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres goes away while outcomes keep being appended from an event loop: every acknowledged outcome is in Postgres
 * once it is back, counted once. The test is driven by conditions, not durations: Postgres stays down until the
 * pipeline has noticed and has acknowledged {@value #DURING_OUTAGE} more appends, so a slow machine makes the test
 * slower, not different (the deadlines only bound a hang).
 */
class PostgresOutageTest {
    private static final int BEFORE_OUTAGE = 500;
    private static final int DURING_OUTAGE = 2_000;
    private static final long DEADLINE_SECONDS = 60;

    @TempDir
    Path journalDir;

    @Test
    void everyAcknowledgedAppendReachesPostgresAfterAnOutage() throws Exception {
        final Path dataDir = Path.of("target", "pg-test", "outage-" + System.nanoTime());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir));
             PgFixture pg = new PgFixture(postgres)) {
            final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir).withBatchSize(1000));
            final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            final AtomicInteger failed = new AtomicInteger();
            final AtomicInteger inFlight = new AtomicInteger();
            final AtomicLong sequence = new AtomicLong();
            final AtomicBoolean running = new AtomicBoolean(true);
            final CountDownLatch stopped = new CountDownLatch(1);
            final Context context = pg.vertx.getOrCreateContext();
            // Every 2 ms, 10 rewards from an event loop, across both the outage's start and its end.
            context.runOnContext(v -> pg.vertx.setPeriodic(2, id -> {
                if (!running.get()) {
                    pg.vertx.cancelTimer(id);
                    stopped.countDown();
                    return;
                }
                for (int i = 0; i < 10; i++) {
                    final long n = sequence.incrementAndGet();
                    final String rewardId = "o-" + n;
                    inFlight.incrementAndGet();
                    pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, System.currentTimeMillis(), rewardId,
                                    "exp", "v" + (n % 5), "", n % 2, 0))
                            .onComplete(ar -> {
                                if (ar.succeeded()) {
                                    acknowledged.add(rewardId);
                                } else {
                                    failed.incrementAndGet();
                                }
                                inFlight.decrementAndGet();
                            });
                }
            }));

            awaitCondition("appends acknowledged with Postgres up",
                    () -> acknowledged.size() >= BEFORE_OUTAGE && pipeline.status().postgresUp());
            postgres.stop();
            awaitCondition("the pipeline noticing the outage", () -> !pipeline.status().postgresUp());
            final int acknowledgedAtOutage = acknowledged.size();
            awaitCondition(DURING_OUTAGE + " appends acknowledged while Postgres is down",
                    () -> acknowledged.size() >= acknowledgedAtOutage + DURING_OUTAGE);
            final PipelineStatus during = pipeline.status();
            assertFalse(during.postgresUp(), during.toString());
            // Acknowledged after the pipeline saw Postgres down, so none of them can have shipped: they wait on disk.
            assertTrue(during.journalEvents() >= DURING_OUTAGE, "events wait in the journal: " + during);
            postgres.start();
            awaitCondition("the pipeline seeing Postgres again", () -> pipeline.status().postgresUp());
            running.set(false);
            assertTrue(stopped.await(DEADLINE_SECONDS, TimeUnit.SECONDS));
            awaitCondition("the last appends completing", () -> inFlight.get() == 0);
            PgFixture.await(pipeline.flush());

            System.out.println("outage: acknowledged " + acknowledged.size() + " (" + acknowledgedAtOutage
                    + " before the outage was seen), failed " + failed.get() + ", journal backlog during it "
                    + during.journalEvents());
            assertEquals(0, failed.get());
            assertEquals(acknowledged, pg.strings("SELECT decision_id FROM rewards"));
            assertEquals(acknowledged.size(), pg.count("SELECT sum(trials) FROM arm_aggregates"));
            assertEquals(acknowledged.stream().mapToLong(id -> Long.parseLong(id.substring(2)) % 2).sum(),
                    pg.count("SELECT sum(successes) FROM arm_aggregates"));
            final PipelineStatus status = pipeline.status();
            assertEquals(0, status.journalEvents(), status.toString());
            assertTrue(status.postgresUp());
            assertFalse(status.journalFull());
            PgFixture.await(pipeline.close());
        } finally {
            TestPostgres.deleteDataDir(dataDir);
        }
    }

    /** Polls {@code condition} until it holds; fails, naming {@code what}, if it has not after the deadline. */
    private static void awaitCondition(String what, BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no " + what + " within " + DEADLINE_SECONDS + " s");
            }
            Thread.sleep(20);
        }
    }
}
