package io.arbiter.server.personalisation.experiment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Experiment definitions in Postgres (table {@code experiments}), so admin changes survive restarts. */
public final class ExperimentStore {
    private final Pool pool;

    public ExperimentStore(Pool pool) {
        this.pool = Objects.requireNonNull(pool);
    }

    public Future<List<JsonObject>> loadAll() {
        return pool.query("SELECT definition FROM experiments ORDER BY id").execute().map(rows -> {
            final List<JsonObject> all = new ArrayList<>();
            for (final Row row : rows) {
                final Object value = row.getValue(0);
                all.add(value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value)));
            }
            return all;
        });
    }

    public Future<Void> save(JsonObject stored) {
        return pool.preparedQuery("INSERT INTO experiments (id, definition, updated_at) VALUES ($1, $2, now()) "
                + "ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()")
            .execute(Tuple.of(stored.getString("id"), stored))
            .mapEmpty();
    }
}
