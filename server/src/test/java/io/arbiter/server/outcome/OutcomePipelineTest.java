package io.arbiter.server.outcome;

import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutcomePipelineTest {

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    /** Expected totals for one arm. */
    private static final class Totals {
        long trials;
        long successes;
        double sum;
        double squares;
    }

    @Test
    void awaitAppendsSettledReturnsOnlyOnceEveryAcceptedAppendsListenersHaveRun() {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final int n = 500;
        final java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < n; i++) {
            final long takes = i == n - 1 ? 50_000_000 : 200_000; // the last one the longest: a wait ending early
            pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "s-" + i, "exp", "A", "",
                1, 0)).onComplete(done -> { // as a notice applies its bill to the ledger, taking a while
                    java.util.concurrent.locks.LockSupport.parkNanos(takes);
                    ran.incrementAndGet();
                });
        }
        assertTrue(pipeline.awaitAppendsSettled(Duration.ofSeconds(30)));
        assertEquals(n, ran.get(), "every listener ran before the wait returned");
        assertEquals(0, pipeline.unsettledAppends());
    }

    @Test
    void rewardsReachPostgresWithExactAggregatesAndDuplicatesCountOnce() {
        final long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println("rewardsReachPostgres seed=" + seed);
        final Random random = new Random(seed);
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir).withBatchSize(500));
        final int n = 5_000;
        final List<OutcomeEvent> events = new ArrayList<>();
        final Map<String, Totals> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final String experiment = "exp" + random.nextInt(3);
            final String variant = "v" + random.nextInt(4);
            final double reward = random.nextInt(10) == 0 ? random.nextDouble() * 10 : random.nextInt(2);
            events.add(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "d-" + i, experiment, variant,
                    "", reward, 0));
            final Totals totals = expected.computeIfAbsent(experiment + "/" + variant, k -> new Totals());
            totals.trials++;
            totals.successes += reward > 0 ? 1 : 0;
            totals.sum += reward;
            totals.squares += reward * reward;
        }
        final List<Future<Void>> acks = new ArrayList<>();
        for (final OutcomeEvent event : events) {
            acks.add(pipeline.append(event));
        }
        // Duplicates: a client retry of 500 random rewards, some in the same batch as the original.
        for (int i = 0; i < 500; i++) {
            acks.add(pipeline.append(events.get(random.nextInt(n))));
        }
        PgFixture.await(Future.all(acks));
        PgFixture.await(pipeline.flush());

        assertEquals(n, pg.count("SELECT count(*) FROM rewards"));
        final Map<String, Row> aggregates = new HashMap<>();
        for (final Row row : pg.query("SELECT * FROM arm_aggregates")) {
            aggregates.put(row.getString("scope") + "/" + row.getString("arm"), row);
        }
        assertEquals(expected.keySet(), aggregates.keySet());
        expected.forEach((key, totals) -> {
            final Row row = aggregates.get(key);
            assertEquals(totals.trials, row.getLong("trials"), key);
            assertEquals(totals.successes, row.getLong("successes"), key);
            assertEquals(totals.sum, row.getDouble("reward_sum"), 1e-6, key);
            assertEquals(totals.squares, row.getDouble("reward_square_sum"), 1e-6, key);
        });
        final List<ArmAggregate> loaded = PgFixture.await(pipeline.loadAggregates());
        assertEquals(expected.size(), loaded.size());
        assertEquals(n, PgFixture.await(pipeline.loadOutcomeIdsSince(OutcomeKind.REWARD, 0)).size());
        assertEquals(n / 2, PgFixture.await(pipeline.loadOutcomeIdsSince(OutcomeKind.REWARD,
                1_700_000_000_000L + n / 2)).size());
        final PipelineStatus status = pipeline.status();
        assertEquals(0, status.journalEvents(), status.toString());
        assertEquals(0, status.journalBytes(), status.toString());
        assertTrue(status.postgresUp());
        PgFixture.await(pipeline.close());

        // A second pipeline on the same journal replays nothing and appending the same ids again changes nothing.
        final OutcomePipeline again = pg.start(PgFixture.config(journalDir));
        assertEquals(0, again.recoveredEvents());
        PgFixture.await(again.append(events.get(0)));
        PgFixture.await(again.flush());
        assertEquals(n, pg.count("SELECT count(*) FROM rewards"));
        assertEquals(n, pg.count("SELECT sum(trials) FROM arm_aggregates"));
        PgFixture.await(again.close());
    }

    @Test
    void everyDecisionIsCountedAndSampledRowsAreLogged() {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir).withDecisionSampleRate(0.25));
        final int n = 20_000;
        for (int i = 0; i < n; i++) {
            assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L, "dec-" + i,
                    "exp", "v" + (i % 2), "user-" + i, 0.5, 0)));
        }
        PgFixture.await(pipeline.flush());
        assertEquals(n / 2, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v0'"));
        assertEquals(n / 2, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v1'"));
        final long rows = pg.count("SELECT count(*) FROM decisions");
        // Binomial(20000, 0.25): mean 5000, sd 61; +-500 is more than 8 sd (false failure rate < 1e-15).
        assertTrue(Math.abs(rows - n / 4) < 500, "sampled rows " + rows);
        assertEquals(0, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v0'"));
        PgFixture.await(pipeline.close());
    }

    @Test
    void openRtbEventsFeedCtrCvrAndSpendAggregates() {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final List<Future<Void>> acks = new ArrayList<>();
        final long t = 1_700_000_000_000L;
        for (int i = 0; i < 10; i++) {
            acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.WIN, t, "b" + i, "camp", "cr1", "", 2.0, 0)));
            acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.BILL, t, "b" + i, "camp", "cr1", "", 2.0, 0)));
        }
        for (int i = 0; i < 4; i++) {
            acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.CLICK, t, "b" + i, "camp", "cr1", "", 0, 0)));
        }
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.CONVERSION, t, "b0", "camp", "cr1", "", 0, 0)));
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.LOSS, t, "b99", "camp", "cr1", "", 0, 102)));
        // duplicates
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.BILL, t, "b0", "camp", "cr1", "", 2.0, 0)));
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.CLICK, t, "b0", "camp", "cr1", "", 0, 0)));
        PgFixture.await(Future.all(acks));
        PgFixture.await(pipeline.flush());

        assertEquals(26, pg.count("SELECT count(*) FROM rtb_events"));
        assertEquals(102, pg.count("SELECT code FROM rtb_events WHERE kind = 4"));
        assertEquals(10, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'ctr:camp' AND arm = 'cr1'"));
        assertEquals(4, pg.count("SELECT successes FROM arm_aggregates WHERE scope = 'ctr:camp' AND arm = 'cr1'"));
        assertEquals(4, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'cvr:camp' AND arm = 'cr1'"));
        assertEquals(1, pg.count("SELECT successes FROM arm_aggregates WHERE scope = 'cvr:camp' AND arm = 'cr1'"));
        assertEquals(10, pg.count("SELECT trials FROM arm_aggregates WHERE scope = 'spend:camp'"));
        assertEquals(20, pg.count("SELECT reward_sum::int8 FROM arm_aggregates WHERE scope = 'spend:camp'"));
        assertEquals(4, PgFixture.await(pipeline.loadOutcomeIdsSince(OutcomeKind.CLICK, t)).size());
        assertEquals(10, PgFixture.await(pipeline.loadOutcomeIdsSince(OutcomeKind.BILL, t)).size());
        PgFixture.await(pipeline.close());
    }

    @Test
    void appendsFromSeveralEventLoopsCompleteOnTheirOwnContextAfterTheFsync() throws Exception {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final int loops = 4;
        final int perLoop = 2_000;
        final java.util.concurrent.atomic.AtomicInteger wrongContext = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger notDurable = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(loops * perLoop);
        for (int l = 0; l < loops; l++) {
            final io.vertx.core.Context context = pg.vertx.getOrCreateContext();
            final int loop = l;
            context.runOnContext(v -> {
                for (int i = 0; i < perLoop; i++) {
                    final String id = "ctx" + loop + "-" + i;
                    pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L, id, "exp", "v" + loop,
                            "", 1, 0)).onComplete(ar -> {
                                if (io.vertx.core.Vertx.currentContext() != context) {
                                    wrongContext.incrementAndGet();
                                }
                                if (ar.failed()) {
                                    notDurable.incrementAndGet();
                                }
                                done.countDown();
                            });
                }
            });
        }
        assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, wrongContext.get());
        assertEquals(0, notDurable.get());
        PgFixture.await(pipeline.flush());
        assertEquals(loops * perLoop, pg.count("SELECT count(*) FROM rewards"));
        for (int l = 0; l < loops; l++) {
            assertEquals(perLoop, pg.count("SELECT trials FROM arm_aggregates WHERE arm = 'v" + l + "'"));
        }
        PgFixture.await(pipeline.close());
    }

    @Test
    void decisionsOfferedConcurrentlyAreAllCountedAndLogged() throws Exception {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final int threads = 4;
        final int perThread = 10_000;
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        final List<Thread> offerers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int thread = t;
            offerers.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    if (!pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L,
                            "t" + thread + "-" + i, "exp", "v" + (i % 3), "u", 1.0 / 3, 0))) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        offerers.forEach(Thread::start);
        for (final Thread offerer : offerers) {
            offerer.join();
        }
        PgFixture.await(pipeline.flush());
        final long rows = pg.count("SELECT count(*) FROM decisions");
        assertEquals(threads * perThread, rows + refused.get());
        assertEquals(threads * perThread, pg.count("SELECT sum(decisions) FROM arm_aggregates"));
        assertEquals(threads * perThread, pg.count("SELECT count(DISTINCT id) FROM decisions") + refused.get());
        PgFixture.await(pipeline.close());
    }

    @Test
    void aFullDecisionRingDropsRowsButStillCountsDecisions() {
        // The shipper wakes only for the flush below (a 30 s flush interval), so the 4 KiB ring (about 60 rows) fills.
        final Metrics metrics = new Metrics();
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir).withRingCapacityBytes(4096)
                .withFlushInterval(Duration.ofSeconds(30)), metrics);
        int accepted = 0;
        final int n = 2_000;
        for (int i = 0; i < n; i++) {
            if (pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, 0, "d" + i, "exp", "v" + (i % 2), "", 1,
                    0))) {
                accepted++;
            }
        }
        assertTrue(accepted < n, "a 4 KiB ring cannot hold " + n + " decisions");
        assertEquals(n - accepted, metrics.registry().get("arbiter.outcome.decisions.dropped").tag("reason", "full")
                .counter().count(), "each refused row counted once, as ring full");
        assertEquals(0, metrics.registry().get("arbiter.outcome.decisions.dropped").tag("reason", "unstorable")
                .counter().count());
        assertTrue(pipeline.status().ringDepth() <= accepted);
        PgFixture.await(pipeline.flush());
        assertEquals(accepted, pg.count("SELECT count(*) FROM decisions"), "the rows the ring took, and only those");
        assertEquals(n / 2, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v0'"),
                "every decision counted, its row dropped or not");
        assertEquals(n / 2, pg.count("SELECT decisions FROM arm_aggregates WHERE scope = 'exp' AND arm = 'v1'"));
        PgFixture.await(pipeline.close());
    }

    @Test
    void aJournalIsUsedByOnePipelineAtATime() {
        final OutcomePipeline first = pg.start(PgFixture.config(journalDir));
        final Throwable error = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class,
                () -> pg.start(PgFixture.config(journalDir)));
        assertTrue(String.valueOf(error.getMessage()).contains("in use"), String.valueOf(error));
        PgFixture.await(first.close());
        PgFixture.await(pg.start(PgFixture.config(journalDir)).close());
    }

    @Test
    void anIdlePipelineStillReportsWhetherPostgresAnswers() throws Exception {
        final OutcomePipeline up = pg.start(PgFixture.config(journalDir.resolve("up")));
        final OutcomePipeline down = pg.start(pg.deadPool(), PgFixture.config(journalDir.resolve("down")));
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!up.status().postgresUp() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(up.status().postgresUp());
        assertEquals(false, down.status().postgresUp());
        PgFixture.await(up.close());
        PgFixture.await(down.close());
    }
}
