package io.arbiter.server.bid.campaign;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Where campaign definitions are kept so admin changes survive restarts and reach the other nodes. The Postgres
 * implementation uses table {@code campaigns} (migrations {@code V20__campaigns.sql}, {@code V42}: each write gets a
 * new version, which orders every node's writes); tests use {@link #inMemory()}.
 */
public interface CampaignStore {

    /** One stored definition and the version of its last write. */
    record Stored(JsonObject definition, long version) {
    }

    Future<List<Stored>> loadAll();

    /** Stores the definition; answers the version this write got. */
    Future<Long> save(JsonObject stored);

    static CampaignStore postgres(Pool pool) {
        return new CampaignStore() {
            @Override
            public Future<List<Stored>> loadAll() {
                return pool.query("SELECT definition, version FROM campaigns ORDER BY id").execute().map(rows -> {
                    final List<Stored> all = new ArrayList<>();
                    for (final Row row : rows) {
                        final Object value = row.getValue(0);
                        all.add(new Stored(value instanceof JsonObject json ? json
                            : new JsonObject(String.valueOf(value)), row.getLong(1)));
                    }
                    return all;
                });
            }

            @Override
            public Future<Long> save(JsonObject stored) {
                return pool.preparedQuery("INSERT INTO campaigns (id, definition, updated_at) VALUES ($1, $2, now()) "
                        + "ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now() "
                        + "RETURNING version")
                    .execute(Tuple.of(stored.getString("id"), stored))
                    .map(rows -> rows.iterator().next().getLong(0));
            }
        };
    }

    /** A store in memory (tests, and runs without a database). */
    static CampaignStore inMemory() {
        final java.util.concurrent.ConcurrentSkipListMap<String, Stored> map =
            new java.util.concurrent.ConcurrentSkipListMap<>();
        final java.util.concurrent.atomic.AtomicLong versions = new java.util.concurrent.atomic.AtomicLong();
        return new CampaignStore() {
            @Override
            public Future<List<Stored>> loadAll() {
                final List<Stored> all = new ArrayList<>();
                map.values().forEach(v -> all.add(new Stored(v.definition().copy(), v.version())));
                return Future.succeededFuture(all);
            }

            @Override
            public Future<Long> save(JsonObject stored) {
                final long version = versions.incrementAndGet();
                map.put(stored.getString("id"), new Stored(stored.copy(), version));
                return Future.succeededFuture(version);
            }
        };
    }
}
