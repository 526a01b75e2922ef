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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres goes away for a while (seconds here; the property is the same for minutes) while outcomes keep being
 * appended from an event loop: every acknowledged outcome is in Postgres once it is back, counted once.
 */
class PostgresOutageTest {

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
            // Every 2 ms, 10 rewards from an event loop: about 5,000 per second.
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

            Thread.sleep(1000);
            assertTrue(pipeline.status().postgresUp());
            postgres.stop();
            final long outageStarted = System.nanoTime();
            final int acknowledgedBeforeOutage = acknowledged.size();
            boolean sawDown = false;
            long maxBacklog = 0;
            while (System.nanoTime() - outageStarted < TimeUnit.SECONDS.toNanos(4)) {
                final PipelineStatus status = pipeline.status();
                sawDown |= !status.postgresUp();
                maxBacklog = Math.max(maxBacklog, status.journalEvents());
                Thread.sleep(50);
            }
            final int acknowledgedDuringOutage = acknowledged.size() - acknowledgedBeforeOutage;
            postgres.start();
            Thread.sleep(1000);
            running.set(false);
            assertTrue(stopped.await(10, TimeUnit.SECONDS));
            while (inFlight.get() > 0) {
                Thread.sleep(10);
            }
            PgFixture.await(pipeline.flush());

            System.out.println("outage: acknowledged " + acknowledged.size() + " (" + acknowledgedDuringOutage
                    + " during the outage), failed " + failed.get() + ", max journal backlog " + maxBacklog);
            assertTrue(sawDown, "the pipeline never noticed the outage");
            assertTrue(acknowledgedDuringOutage > 1000, "appends must go on while Postgres is down");
            assertTrue(maxBacklog > 1000, "events must wait in the journal during the outage: " + maxBacklog);
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
}
