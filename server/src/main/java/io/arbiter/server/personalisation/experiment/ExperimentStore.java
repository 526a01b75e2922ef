package io.arbiter.server.personalisation.experiment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Experiment definitions in Postgres (table {@code experiments}), shared by every node: admin changes survive restarts
 * and reach the other nodes. Each write gets a new {@code version} from Postgres (migration V42), which orders the
 * writes of all nodes.
 */
public final class ExperimentStore {
    private final Pool pool;

    /** One stored definition and the version of its last write. */
    public record Stored(JsonObject definition, long version) {
    }

    public ExperimentStore(Pool pool) {
        this.pool = Objects.requireNonNull(pool);
    }

    public Future<List<Stored>> loadAll() {
        return pool.query("SELECT definition, version FROM experiments ORDER BY id").execute().map(rows -> {
            final List<Stored> all = new ArrayList<>();
            for (final Row row : rows) {
                all.add(new Stored(json(row.getValue(0)), row.getLong(1)));
            }
            return all;
        });
    }

    /** Stores the definition; answers the version Postgres gave this write. */
    public Future<Long> save(JsonObject stored) {
        return pool.preparedQuery("INSERT INTO experiments (id, definition, updated_at) VALUES ($1, $2, now()) "
                + "ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now() "
                + "RETURNING version")
            .execute(Tuple.of(stored.getString("id"), stored))
            .map(rows -> rows.iterator().next().getLong(0));
    }

    static JsonObject json(Object value) {
        return value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value));
    }
}
