package io.arbiter.server.outcome;

import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.pg.EmbeddedPostgres;
import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The Postgres CPU time per 1,000 logged decisions (docs/BENCHMARKS.md): a real pipeline on an embedded Postgres
 * (fsync on) ships {@code count} decisions offered at {@code rate} per second; the CPU time (user + system) of every
 * process of that Postgres (postmaster, backends, WAL writer, checkpointer, autovacuum) is read from
 * {@code /proc/<pid>/stat} before and after. Not a test: run by hand, see BENCHMARKS.md for the command.
 *
 * <p>Arguments: cluster directory, decisions (default 200,000), rate per second (default 20,000), seed.
 */
public final class DecisionLogCost {

    private DecisionLogCost() {
    }

    public static void main(String[] args) throws Exception {
        final Path dataDir = Path.of(args[0]);
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        final int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        final long seed = args.length > 3 ? Long.parseLong(args[3]) : System.nanoTime();
        final Vertx vertx = Vertx.vertx();
        final Path journal = Files.createTempDirectory("decision-log-cost");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            final PgConnectOptions options = TestPostgres.freshDatabase(vertx, postgres);
            final Pool pool = TestPostgres.pool(vertx, options, 4);
            Migrations.migrate(pool).await(60, TimeUnit.SECONDS);
            final OutcomePipeline pipeline = OutcomePipeline.start(vertx, pool, OutcomeConfig.defaults()
                    .withJournalDir(journal), new Metrics(), Clock.systemUTC(), NoticeRules.aggregation())
                    .await(60, TimeUnit.SECONDS);
            final SplittableRandom random = new SplittableRandom(seed);
            offer(pipeline, random, count / 10, rate); // warm-up: connections, plans, the first pages
            pipeline.flush().await(120, TimeUnit.SECONDS);
            final long postmaster = Long.parseLong(Files.readAllLines(postgres.clusterDir()
                    .resolve("postmaster.pid")).get(0).trim());
            final long cpuBefore = cpuTicks(postmaster);
            final long started = System.nanoTime();
            final int dropped = offer(pipeline, random, count, rate);
            pipeline.flush().await(300, TimeUnit.SECONDS);
            final long wallNanos = System.nanoTime() - started;
            final long cpuTicks = cpuTicks(postmaster) - cpuBefore;
            final double cpuMillis = cpuTicks * 1000.0 / 100; // USER_HZ is 100 on Linux
            System.out.printf("decisions=%d dropped=%d rate=%d wall_s=%.2f pg_cpu_ms=%.0f pg_cpu_ms_per_1000=%.2f"
                    + " seed=%d%n", count, dropped, rate, wallNanos / 1e9, cpuMillis,
                    cpuMillis * 1000.0 / (count - dropped), seed);
            pipeline.close().await(60, TimeUnit.SECONDS);
            pool.close();
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }

    /** Offers {@code n} decisions paced at {@code rate} per second; answers how many the ring refused. */
    private static int offer(OutcomePipeline pipeline, SplittableRandom random, int n, int rate) {
        final String[] variants = {"v0", "v1", "v2", "v3"};
        final long start = System.nanoTime();
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            final long due = start + (long) (i * (1e9 / rate));
            while (System.nanoTime() < due) {
                LockSupport.parkNanos(50_000);
            }
            final long now = System.currentTimeMillis();
            final String variant = variants[random.nextInt(variants.length)];
            final String id = "1.hero." + variant + "." + Long.toString(now, 36) + "."
                    + Long.toHexString(random.nextLong()) + "." + signature(random);
            if (!pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, now, id, "hero", variant,
                    "user-" + random.nextInt(1_000_000), 0.25, 0))) {
                dropped++;
            }
        }
        return dropped;
    }

    private static String signature(SplittableRandom random) {
        final byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** utime + stime of the postmaster and its live descendants, plus its exited children's, in clock ticks. */
    private static long cpuTicks(long postmaster) throws Exception {
        long total = 0;
        final ProcessHandle root = ProcessHandle.of(postmaster).orElseThrow();
        for (final ProcessHandle process : (Iterable<ProcessHandle>) () -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(root), root.descendants()).iterator()) {
            try {
                final String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
                final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
                if (process.pid() == postmaster) {
                    // cutime, cstime (16, 17): children that exited (autovacuum workers) and were waited for
                    total += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
                }
            } catch (java.io.IOException e) {
                // exited between listing and reading: its time shows in the postmaster's cutime at the next reading
            }
        }
        return total;
    }
}
