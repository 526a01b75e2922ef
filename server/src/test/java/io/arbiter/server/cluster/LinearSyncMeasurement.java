package io.arbiter.server.cluster;

import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.concurrent.TimeUnit;

/**
 * How fast a node catches up on the other nodes' linear rewards (docs/BENCHMARKS.md, series AI): 200,000 stored rows
 * of two other nodes, read by {@link LinearSync} rounds (up to 20,000 rows each) into a sink that only counts, so the
 * rate is Postgres's and the sync's, not the models' (a model takes an offer in well under a microsecond,
 * {@code LinearOfferBenchmark}). Three runs. Prints; asserts nothing; not part of the build:
 * {@code ./mvnw -B -o -q -pl server -am test -Dcheckstyle.skip -Dtest=LinearSyncMeasurement -Dlinear.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "linear.measure", matches = "true")
class LinearSyncMeasurement {
    private static final int ROWS_PER_NODE = 100_000;
    /** Takes every row; no model, so no positions: each run's sync starts from the first row. */
    private static final LinearSync.Sink COUNTING = (PositionlessSink) (node, number, decisionId, reward) ->
        LinearSync.Outcome.APPLIED;

    @Test
    void measure() throws Exception {
        final Vertx vertx = Vertx.vertx();
        final Pool pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 2);
        try {
            Migrations.migrate(pool).await(60, TimeUnit.SECONDS);
            for (final String node : new String[] {"x", "y"}) {
                pool.preparedQuery("INSERT INTO linear_rewards (node, seq, decision_id, reward, time) "
                    + "SELECT $1, s, 'd2.' || s || repeat('.', 140), s % 2, now() FROM generate_series(1, $2) AS s")
                    .execute(Tuple.of(node, ROWS_PER_NODE)).await(120, TimeUnit.SECONDS);
                pool.preparedQuery("INSERT INTO linear_reward_heads (node, last) VALUES ($1, $2)")
                    .execute(Tuple.of(node, ROWS_PER_NODE)).await(10, TimeUnit.SECONDS);
            }
            pool.query("ANALYZE linear_rewards").execute().await(60, TimeUnit.SECONDS);
            for (int run = 0; run < 3; run++) {
                final LinearSync sync = new LinearSync(pool, "me-" + run, 1000);
                final long t0 = System.nanoTime();
                int rounds = 0;
                long applied = 0;
                while (applied < 2L * ROWS_PER_NODE) {
                    applied += sync.round(COUNTING);
                    rounds++;
                }
                final double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("run %d: %,d rows in %d rounds, %.2f s: %,.0f rows/s; an idle round afterwards "
                    + "%.1f ms%n", run, applied, rounds, seconds, applied / seconds, idleRound(sync));
                sync.close();
            }
        } finally {
            pool.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static double idleRound(LinearSync sync) {
        final long t0 = System.nanoTime();
        sync.round(COUNTING);
        return (System.nanoTime() - t0) / 1e6;
    }
}
