package io.arbiter.server.bid.budget;

import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What the lease table costs on the embedded Postgres (docs/BENCHMARKS.md, series W): lease takes per second with
 * eight takers on one campaign (every take waits for the day row's lock) and on eight campaigns, and the time of one
 * node's lease round (heartbeat and the others' spend) holding 1,000 campaigns. Prints, asserts nothing; not part of
 * the build:
 * {@code ./mvnw -B -o -q -pl server -am test -Dcheckstyle.skip -Dtest=LeaseStoreMeasurement -Dleases.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "leases.measure", matches = "true")
class LeaseStoreMeasurement {
    private static final long DAY = LocalDate.of(2026, 12, 6).toEpochDay();
    private static final long SECONDS = 5;

    @Test
    void measure() throws Exception {
        final Vertx vertx = Vertx.vertx();
        final Pool pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 8);
        try {
            Migrations.migrate(pool).await(60, TimeUnit.SECONDS);
            for (int run = 0; run < 3; run++) {
                System.out.printf("run %d: takes/s, 8 takers on one campaign: %.0f; on eight campaigns: %.0f%n", run,
                    takesPerSecond(pool, true, run), takesPerSecond(pool, false, run));
            }
            final LeaseStore node = new LeaseStore(pool, "round", 30_000);
            final List<String> campaigns = new ArrayList<>();
            for (int c = 0; c < 1_000; c++) {
                campaigns.add("h" + c);
                node.take("h" + c, DAY, Long.MAX_VALUE / 4, 1_000, 0, 30_000);
            }
            final long[] spent = new long[campaigns.size()];
            final double[] millis = new double[50];
            for (int r = 0; r < millis.length; r++) {
                Arrays.fill(spent, r);
                final long t0 = System.nanoTime();
                node.heartbeat(DAY, campaigns, spent, 30_000);
                millis[r] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(millis);
            System.out.printf("lease round (heartbeat + others' spend), 1,000 campaigns: median %.1f ms, max %.1f ms%n",
                millis[millis.length / 2], millis[millis.length - 1]);
        } finally {
            pool.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static double takesPerSecond(Pool pool, boolean oneCampaign, int run) throws Exception {
        final ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            final List<Future<Long>> counts = new ArrayList<>();
            for (int n = 0; n < 8; n++) {
                final LeaseStore store = new LeaseStore(pool, "n" + n, 30_000);
                final String campaign = (oneCampaign ? "one-" : "own-" + n + "-") + run;
                counts.add(threads.submit(() -> {
                    long takes = 0;
                    while (System.nanoTime() < end) {
                        store.take(campaign, DAY, Long.MAX_VALUE / 4, 1_000, 0, 30_000);
                        takes++;
                    }
                    return takes;
                }));
            }
            long total = 0;
            for (final Future<Long> f : counts) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            return total / (double) SECONDS;
        } finally {
            threads.shutdownNow();
        }
    }
}
