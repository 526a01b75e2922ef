package io.arbiter.server.pg;

import io.arbiter.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.util.Objects;

/**
 * The server's Postgres: the one named by {@code postgres.url} ({@code PG_URL}) when set, else an embedded one with
 * its cluster in {@code <dataDir>/pg}; a pool to it; the schema migrated ({@link Migrations}) before anyone uses it.
 */
public final class Database {
    private static final int SHIPPING_POOL_SIZE = 2;
    private final Vertx vertx;
    private final EmbeddedPostgres embedded;
    private final Pool pool;
    private final String description;
    private final PgConnectOptions connectOptions;
    private Vertx shippingVertx;
    private Pool shippingPool;

    private Database(Vertx vertx, EmbeddedPostgres embedded, Pool pool, String description,
                     PgConnectOptions connectOptions) {
        this.vertx = vertx;
        this.embedded = embedded;
        this.pool = pool;
        this.description = description;
        this.connectOptions = connectOptions;
    }

    /** Chooses, starts (embedded: on a worker thread) and migrates the database; fails leaving nothing running. */
    public static Future<Database> open(Vertx vertx, ServerConfig config) {
        return open(vertx, config, "");
    }

    /**
     * As {@link #open(Vertx, ServerConfig)}, with every connection's {@code arbiter.node} setting naming this node
     * (the {@code node_aggregates} trigger reads it).
     */
    public static Future<Database> open(Vertx vertx, ServerConfig config, String nodeId) {
        Objects.requireNonNull(vertx, "vertx");
        return vertx.executeBlocking(() -> connect(vertx, config, nodeId), false)
            .compose(database -> Migrations.migrate(database.pool).map(database)
                .recover(failure -> database.close().transform(closed -> Future.<Database>failedFuture(failure))));
    }

    private static Database connect(Vertx vertx, ServerConfig config, String nodeId) throws java.io.IOException {
        final EmbeddedPostgres embedded;
        final PgConnectOptions connect;
        final String description;
        if (config.pgUrl != null) {
            embedded = null;
            connect = PgConnectOptions.fromUri(config.pgUrl);
            description = "external Postgres " + connect.getHost() + ":" + connect.getPort() + "/"
                + connect.getDatabase();
        } else {
            embedded = EmbeddedPostgres.launch(EmbeddedPostgresConfig.defaults()
                .withDataDir(config.dataDir.resolve("pg"))
                .withPort(config.embeddedPgPort)
                .withStopOnJvmExit(false));
            connect = embedded.connectOptions();
            description = "embedded Postgres " + embedded.redactedUrl() + " (cluster in " + embedded.clusterDir() + ")";
        }
        connect.addProperty("client_min_messages", "warning"); // no NOTICE chatter in the server's log
        if (!nodeId.isEmpty()) {
            connect.addProperty("arbiter.node", nodeId);
        }
        final Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.pgPoolSize))
            .connectingTo(connect).using(vertx).build();
        return new Database(vertx, embedded, pool, description, connect);
    }

    /** The pool every part of the server writes and reads through. */
    public Pool pool() {
        return pool;
    }

    /**
     * The outcome pipeline's pool, on a one-thread Vert.x instance of its own: a batch's rows are encoded and its
     * answers decoded there, never on an event loop that serves requests (a batch of a thousand or two rows holds its
     * event loop for about a millisecond, while requests on it wait unread). Created on first use with
     * {@link #shippingVertx()}; closed with the database.
     */
    public synchronized Pool shippingPool() {
        if (shippingPool == null) {
            shippingPool = PgBuilder.pool().with(new PoolOptions().setMaxSize(SHIPPING_POOL_SIZE))
                .connectingTo(connectOptions).using(shippingVertx()).build();
        }
        return shippingPool;
    }

    /** The Vert.x instance {@link #shippingPool()} lives on (one event loop, one worker). */
    public synchronized Vertx shippingVertx() {
        if (shippingVertx == null) {
            shippingVertx = privateLoop();
        }
        return shippingVertx;
    }

    /**
     * A Vert.x instance of one event loop (and one worker), apart from the serving one: background I/O that must not
     * hold an event loop requests wait on (the shipper's batches, an evaluation's pages) lives there.
     */
    static Vertx privateLoop() {
        return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    }

    /** How the pool connects (a copy): for a connection of its own, such as a {@code LISTEN}ing one. */
    public PgConnectOptions connectOptions() {
        return new PgConnectOptions(connectOptions);
    }

    /** The embedded Postgres, or null when an external one is used (for operational tooling and tests). */
    public EmbeddedPostgres embedded() {
        return embedded;
    }

    /** Which database this is, for the start-up log line. */
    public String description() {
        return description;
    }

    /** Closes the pools, then stops the embedded Postgres (on a worker thread). */
    public Future<Void> close() {
        final Pool shipping;
        final Vertx shippingLoop;
        synchronized (this) {
            shipping = shippingPool;
            shippingLoop = shippingVertx;
            shippingPool = null;
            shippingVertx = null;
        }
        return pool.close()
            .eventually(() -> shipping == null ? Future.succeededFuture() : shipping.close())
            .eventually(() -> shippingLoop == null ? Future.succeededFuture() : shippingLoop.close())
            .eventually(() -> embedded == null ? Future.succeededFuture()
            : vertx.executeBlocking(() -> {
                embedded.close();
                return null;
            }, false));
    }
}
