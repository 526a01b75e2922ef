package io.arbiter.server.outcome;

import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child process of {@link CrashRecoveryTest}: appends rewards as fast as it can (256 in flight) from an event loop
 * and prints {@code ACK <id>} for every acknowledged one, until it is killed. Arguments: journal dir, Postgres port,
 * database.
 */
public final class CrashingAppender {

    private CrashingAppender() {
    }

    public static void main(String[] args) throws Exception {
        final Path journalDir = Path.of(args[0]);
        final PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(Integer.parseInt(args[1]))
                .setDatabase(args[2]).setUser("arbiter");
        final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                "UTF-8");
        final Vertx vertx = Vertx.vertx();
        final Pool pool = TestPostgres.pool(vertx, options, 2);
        final OutcomeConfig config = OutcomeConfig.defaults().withJournalDir(journalDir).withBatchSize(300)
                .withFlushInterval(Duration.ofMillis(5)).withSegmentBytes(64 * 1024);
        final OutcomePipeline pipeline = OutcomePipeline.start(vertx, pool, config, new Metrics(),
                Clock.systemUTC(), NoticeRules.aggregation()).await(30, TimeUnit.SECONDS);
        out.println("READY");
        final AtomicLong sequence = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        vertx.getOrCreateContext().runOnContext(v -> vertx.setPeriodic(1, id -> {
            while (inFlight.get() < 256) {
                final long n = sequence.incrementAndGet();
                final String rewardId = "c-" + n;
                inFlight.incrementAndGet();
                pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, System.currentTimeMillis(), rewardId, "crash",
                        "v" + (n % 3), "", n % 2, 0)).onComplete(ar -> {
                            inFlight.decrementAndGet();
                            if (ar.succeeded()) {
                                out.println("ACK " + rewardId);
                            }
                        });
            }
        }));
        Thread.sleep(Long.MAX_VALUE);
    }
}
