package io.arbiter.server.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared definitions between server nodes on one Postgres: an experiment or a campaign stored through any node's
 * admin API is served by every node within milliseconds of its commit. Every write of a definition takes a new
 * version and notifies channel {@value #CHANNEL} on commit (migration V42); this node {@code LISTEN}s on its own
 * connection ({@link PgSubscriber}, reconnecting every second while Postgres is away), reads the row that changed and
 * hands it to the kind's {@link Sink}. Notifications of this node's own writes are skipped: its admin path served them.
 *
 * <p>A notification sent while this node was not listening is lost, so every {@code cluster.definitionReread}, and
 * each time the subscription is (re)established, every stored version is compared with the one served here and the
 * newer rows are applied: the re-read bounds how late a change can arrive when a notification was missed.
 *
 * <p>Rows are read and applied on one thread of its own ({@code arbiter-definition-sync}), never on an event loop,
 * one at a time; a sink serves a version only if it is newer than what it serves, so a row applied twice (the
 * notification and a re-read) or late (after a newer one) changes nothing.
 */
public final class DefinitionSync implements AutoCloseable {

    /** The channel the V42 triggers notify. */
    public static final String CHANNEL = "arbiter_definitions";
    /** How often a lost subscription is tried again. */
    static final long RECONNECT_MILLIS = 1_000;

    /** Serves one kind of definition (experiments, campaigns). Called on the sync thread only. */
    public interface Sink {
        /** The version of the stored definition served under {@code id} here, 0 when none. */
        long servedVersion(String id);

        /** Serves {@code definition} (stored as {@code version}) unless as new a version is served; whether it did. */
        boolean apply(JsonObject definition, long version);

        /** A sink from its two functions. */
        static Sink of(java.util.function.ToLongFunction<String> servedVersion,
                       java.util.function.BiPredicate<JsonObject, Long> apply) {
            return new Sink() {
                @Override
                public long servedVersion(String id) {
                    return servedVersion.applyAsLong(id);
                }

                @Override
                public boolean apply(JsonObject definition, long version) {
                    return apply.test(definition, version);
                }
            };
        }
    }

    private static final System.Logger LOG = System.getLogger(DefinitionSync.class.getName());

    private final Vertx vertx;
    private final PgConnectOptions connect;
    private final Pool pool;
    private final String nodeId;
    private final long rereadMillis;
    /** Kind (as in the notification: {@code experiment}, {@code campaign}) to its table and sink. */
    private final Map<String, Target> targets;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "arbiter-definition-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong applied = new AtomicLong();
    private volatile PgSubscriber subscriber;
    private volatile boolean listening;
    private volatile boolean closed;
    private volatile long lastLagMillis;
    private volatile long lastRereadMillis;

    private record Target(String table, Sink sink) {
    }

    /**
     * @param connect      how to reach Postgres (the subscription has a connection of its own, outside the pool)
     * @param pool         where the rows are read
     * @param rereadMillis how often every stored version is compared with the served ones
     * @param experiments  serves experiments (table {@code experiments})
     * @param campaigns    serves campaigns (table {@code campaigns})
     */
    public DefinitionSync(Vertx vertx, PgConnectOptions connect, Pool pool, String nodeId, long rereadMillis,
                          Sink experiments, Sink campaigns) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.connect = new PgConnectOptions(Objects.requireNonNull(connect, "connect"));
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.rereadMillis = rereadMillis;
        this.targets = Map.of("experiment", new Target("experiments", Objects.requireNonNull(experiments)),
            "campaign", new Target("campaigns", Objects.requireNonNull(campaigns)));
    }

    /**
     * Subscribes (without waiting: a Postgres that is away is tried again every second, and the first re-read runs
     * once the subscription holds), and starts the periodic re-read and the subscription watch.
     */
    public void start() {
        subscribe();
        thread.scheduleWithFixedDelay(this::reread, rereadMillis, rereadMillis, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::watch, RECONNECT_MILLIS, RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void subscribe() {
        final PgSubscriber next = PgSubscriber.subscriber(vertx, connect)
            .reconnectPolicy(retries -> RECONNECT_MILLIS); // a lost connection is tried again every second, forever
        next.channel(CHANNEL)
            .subscribeHandler(v -> {
                listening = true;
                LOG.log(System.Logger.Level.INFO, "definition sync: listening on " + CHANNEL);
                submit(this::reread); // whatever was written while this node was not listening
            })
            .handler(this::notified);
        subscriber = next;
        next.connect().onFailure(e -> {
            LOG.log(System.Logger.Level.WARNING, "definition sync: cannot listen on " + CHANNEL + " (trying again "
                + "every " + RECONNECT_MILLIS + " ms; the re-read every " + rereadMillis + " ms still applies "
                + "changes): " + e.getMessage());
            next.close();
        });
    }

    /** Every second: notices a lost subscription, and subscribes again if the first attempt failed. */
    private void watch() {
        final PgSubscriber current = subscriber;
        if (closed || current == null) {
            return;
        }
        if (current.closed()) {
            listening = false;
            subscribe();
        } else if (current.actualConnection() == null) {
            listening = false; // reconnecting; the subscribe handler sets it again and re-reads
        }
    }

    private void notified(String payload) {
        final JsonObject change;
        try {
            change = new JsonObject(payload);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "definition sync: unreadable notification '" + payload + "'");
            return;
        }
        if (nodeId.equals(change.getString("node"))) {
            return; // this node's own write: its admin path serves it
        }
        final Target target = targets.get(change.getString("kind"));
        final String id = change.getString("id");
        final Long version = change.getLong("version");
        if (target != null && id != null && version != null) {
            submit(() -> {
                if (version > target.sink().servedVersion(id)) {
                    apply(target, id);
                }
            });
        }
    }

    /** A step on the sync thread. */
    private interface Task {
        void run() throws Exception;
    }

    private void submit(Task task) {
        if (!closed) {
            try {
                thread.execute(() -> {
                    try {
                        task.run();
                    } catch (Exception e) {
                        LOG.log(System.Logger.Level.WARNING, "definition sync: " + e.getMessage());
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Reads the row of {@code id} and applies it (the row as it is now: a newer write than notified is fine). */
    private void apply(Target target, String id) throws java.util.concurrent.TimeoutException {
        final io.vertx.sqlclient.RowSet<Row> rows = pool.preparedQuery("SELECT definition, version, "
                + "(extract(epoch FROM updated_at) * 1000)::int8 FROM " + target.table() + " WHERE id = $1")
            .execute(Tuple.of(id)).await(30, TimeUnit.SECONDS);
        for (final Row row : rows) {
            final Object value = row.getValue(0);
            final JsonObject definition = value instanceof JsonObject json ? json
                : new JsonObject(String.valueOf(value));
            final boolean served;
            try {
                served = target.sink().apply(definition, row.getLong(1));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "definition sync: cannot serve " + target.table() + " '" + id
                    + "' version " + row.getLong(1) + " here: " + e.getMessage());
                return;
            }
            if (served) {
                applied.incrementAndGet();
                lastLagMillis = Math.max(0, System.currentTimeMillis() - row.getLong(2));
                LOG.log(System.Logger.Level.DEBUG, () -> "definition sync: serving " + target.table() + " '" + id
                    + "' version " + row.getLong(1));
            }
        }
    }

    /** Compares every stored version with the served one and applies the newer rows. Answers how many it applied. */
    int reread() {
        if (closed) {
            return 0;
        }
        final long before = applied.get();
        try {
            for (final Target target : targets.values()) {
                for (final Row row : pool.query("SELECT id, version FROM " + target.table()).execute()
                    .await(30, TimeUnit.SECONDS)) {
                    if (row.getLong(1) > target.sink().servedVersion(row.getString(0))) {
                        apply(target, row.getString(0));
                    }
                }
            }
            lastRereadMillis = System.currentTimeMillis();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "definition sync: re-read failed (next in " + rereadMillis
                + " ms): " + e.getMessage());
        }
        return (int) (applied.get() - before);
    }

    /** Definitions of other nodes' writes served here since start. */
    public long applied() {
        return applied.get();
    }

    /** Whether this node is subscribed to the channel now. */
    public boolean listening() {
        return listening;
    }

    /** Milliseconds from the write of the last definition applied here to its application (its commit, about). */
    public long lastLagMillis() {
        return lastLagMillis;
    }

    /** When the last complete re-read ended (epoch ms), 0 before the first. */
    public long lastRereadMillis() {
        return lastRereadMillis;
    }

    /** Stops listening and re-reading. */
    @Override
    public void close() {
        closed = true;
        listening = false;
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        final PgSubscriber current = subscriber;
        if (current != null) {
            current.close();
        }
    }
}
