package io.arbiter.server.it;

import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the tests with several server processes share: a folder for the nodes' data, a fresh database on the shared
 * embedded Postgres with a pool to read it ({@link #db}), and the nodes launched ({@link #nodes}), all stopped after
 * each test.
 */
abstract class ProcessClusterTest {
    @TempDir
    Path dir;

    Vertx vertx;
    Pool db;
    final List<ServerProcess> nodes = new ArrayList<>();

    @BeforeEach
    void openVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (final ServerProcess node : nodes) {
            node.close();
        }
        nodes.clear();
        if (db != null) {
            db.close();
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** A fresh database for this test; {@link #db} reads it. Answers the URL the nodes connect with. */
    String freshDatabase() {
        final PgConnectOptions options = TestPostgres.freshDatabase(vertx, TestPostgres.shared());
        db = TestPostgres.pool(vertx, options, 2);
        return ServerProcess.url(options);
    }
}
