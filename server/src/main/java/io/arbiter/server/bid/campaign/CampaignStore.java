package io.arbiter.server.bid.campaign;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Where campaign definitions are kept so admin changes survive restarts. The Postgres implementation uses table
 * {@code campaigns} (migration {@code V20__campaigns.sql}); tests use {@link #inMemory()}.
 */
public interface CampaignStore {

    Future<List<JsonObject>> loadAll();

    Future<Void> save(JsonObject stored);

    static CampaignStore postgres(Pool pool) {
        return new CampaignStore() {
            @Override
            public Future<List<JsonObject>> loadAll() {
                return pool.query("SELECT definition FROM campaigns ORDER BY id").execute().map(rows -> {
                    final List<JsonObject> all = new ArrayList<>();
                    for (final Row row : rows) {
                        final Object value = row.getValue(0);
                        all.add(value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value)));
                    }
                    return all;
                });
            }

            @Override
            public Future<Void> save(JsonObject stored) {
                return pool.preparedQuery("INSERT INTO campaigns (id, definition, updated_at) VALUES ($1, $2, now()) "
                        + "ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()")
                    .execute(Tuple.of(stored.getString("id"), stored))
                    .mapEmpty();
            }
        };
    }

    /** A store in memory (tests, and runs without a database). */
    static CampaignStore inMemory() {
        final java.util.concurrent.ConcurrentSkipListMap<String, JsonObject> map =
            new java.util.concurrent.ConcurrentSkipListMap<>();
        return new CampaignStore() {
            @Override
            public Future<List<JsonObject>> loadAll() {
                final List<JsonObject> all = new ArrayList<>();
                map.values().forEach(v -> all.add(v.copy()));
                return Future.succeededFuture(all);
            }

            @Override
            public Future<Void> save(JsonObject stored) {
                map.put(stored.getString("id"), stored.copy());
                return Future.succeededFuture();
            }
        };
    }
}
