package io.arbiter.server.pg;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded Postgres shared by the tests of a JVM fork (started once, stopped at JVM exit); each test gets its own
 * fresh database so tests never see each other's rows.
 */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres shared;

    private TestPostgres() {
    }

    public static synchronized EmbeddedPostgres shared() {
        if (shared == null) {
            try {
                shared = EmbeddedPostgres.launch(config(Path.of("target", "pg-test", "shared")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public static EmbeddedPostgresConfig config(Path dataDir) {
        return EmbeddedPostgresConfig.defaults().withDataDir(dataDir).withDurableInit(false);
    }

    /** Creates a new empty database on the server and returns options connecting to it. */
    public static PgConnectOptions freshDatabase(Vertx vertx, EmbeddedPostgres postgres) {
        final String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet() + "_"
                + Long.toHexString(System.nanoTime());
        final Pool admin = pool(vertx, postgres.connectOptions(), 1);
        try {
            admin.query("CREATE DATABASE " + name).execute().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create database " + name, e);
        } finally {
            admin.close();
        }
        return postgres.connectOptions().setDatabase(name);
    }

    public static Pool pool(Vertx vertx, PgConnectOptions options, int size) {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(options).using(vertx).build();
    }

    /** Deletes a test cluster's files (after it was stopped). */
    public static void deleteDataDir(Path dataDir) {
        PostgresBinaries.deleteRecursively(dataDir);
    }
}
