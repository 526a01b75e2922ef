package io.arbiter.server.outcome;

import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.pg.EmbeddedPostgres;
import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A fresh database (migrated) on an embedded Postgres, a Vert.x instance and helpers to query it. A test class holds
 * one per test as {@code @RegisterExtension final PgFixture pg = PgFixture.shared();} (JUnit makes an instance of the
 * class per test, so each test gets a database of its own), and it is closed after each test; elsewhere, close it.
 */
final class PgFixture implements AutoCloseable, AfterEachCallback {

    final Vertx vertx = Vertx.vertx();
    final PgConnectOptions options;
    final Pool pool;

    PgFixture(EmbeddedPostgres postgres) {
        this.options = TestPostgres.freshDatabase(vertx, postgres);
        this.pool = TestPostgres.pool(vertx, options, 4);
        await(Migrations.migrate(pool));
    }

    static PgFixture shared() {
        return new PgFixture(TestPostgres.shared());
    }

    static OutcomeConfig config(Path journalDir) {
        return OutcomeConfig.defaults().withJournalDir(journalDir).withFlushInterval(Duration.ofMillis(10))
                .withRetry(Duration.ofMillis(20), Duration.ofMillis(200)).withCloseTimeout(Duration.ofSeconds(5))
                .withStatementTimeout(Duration.ofSeconds(10));
    }

    OutcomePipeline start(OutcomeConfig config) {
        return start(pool, config);
    }

    OutcomePipeline start(Pool pool, OutcomeConfig config) {
        return start(pool, config, new Metrics());
    }

    OutcomePipeline start(OutcomeConfig config, Metrics metrics) {
        return start(pool, config, metrics);
    }

    private OutcomePipeline start(Pool pool, OutcomeConfig config, Metrics metrics) {
        return await(OutcomePipeline.start(vertx, pool, config, metrics, Clock.systemUTC(),
                NoticeRules.aggregation()));
    }

    /** A pool to a port nothing listens on: every transaction fails fast. */
    Pool deadPool() {
        return TestPostgres.pool(vertx, new PgConnectOptions(options).setPort(1), 1);
    }

    RowSet<Row> query(String sql) {
        return await(pool.query(sql).execute());
    }

    long count(String sql) {
        return query(sql).iterator().next().getLong(0);
    }

    Set<String> strings(String sql) {
        final Set<String> values = new HashSet<>();
        for (final Row row : query(sql)) {
            values.add(row.getString(0));
        }
        return values;
    }

    static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.await(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out", e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        pool.close();
        vertx.close().await();
    }
}
