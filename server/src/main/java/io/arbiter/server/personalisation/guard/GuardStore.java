package io.arbiter.server.personalisation.guard;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The safeguards' state in Postgres: guardrail suspensions (table {@code variant_suspensions}, migration V35), each
 * with its evidence, and when it was resumed with the counts it was resumed at (the guardrail watches the variant
 * afresh from there), so a restart serves the same variants; and the holdout group's decision counts, added to
 * {@code arm_aggregates} under the {@link GuardCounters#scope} of the holdout's primary reward.
 */
public final class GuardStore {
    private final Pool pool;

    /**
     * What the store holds for one variant at start.
     *
     * @param experiment the experiment
     * @param suspension the open suspension, or null if the variant was resumed
     * @param baseline   for a resumed variant, the counts it was resumed at; null otherwise
     */
    public record Loaded(String experiment, Suspension suspension, JsonObject baseline) {
    }

    public GuardStore(Pool pool) {
        this.pool = Objects.requireNonNull(pool);
    }

    public Future<Void> insert(String experiment, Suspension suspension) {
        return pool.preparedQuery("INSERT INTO variant_suspensions (experiment, variant, metric, suspended_at, "
                + "evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .execute(Tuple.of(experiment, suspension.variant(), suspension.metric(), time(suspension.atMillis()),
                suspension.evidence()))
            .mapEmpty();
    }

    /** Marks the variant's open suspensions resumed, with the counts the guardrails restart from. */
    public Future<Void> resume(String experiment, String variant, long atMillis, JsonObject baseline) {
        return pool.preparedQuery("UPDATE variant_suspensions SET resumed_at = $3, "
                + "evidence = evidence || jsonb_build_object('resumedAt', $4::text, 'baseline', $5::jsonb) "
                + "WHERE experiment = $1 AND variant = $2 AND resumed_at IS NULL")
            .execute(Tuple.of(experiment, variant, time(atMillis), Instant.ofEpochMilli(atMillis).toString(),
                baseline))
            .mapEmpty();
    }

    /** Adds holdout decisions to their aggregate rows (one statement for all). */
    public Future<Void> addDecisions(List<GuardCounters.DecisionDelta> deltas) {
        if (deltas.isEmpty()) {
            return Future.succeededFuture();
        }
        final String[] scopes = new String[deltas.size()];
        final String[] arms = new String[deltas.size()];
        final Long[] counts = new Long[deltas.size()];
        for (int i = 0; i < scopes.length; i++) {
            scopes[i] = deltas.get(i).scope();
            arms[i] = deltas.get(i).variant();
            counts[i] = deltas.get(i).count();
        }
        return pool.preparedQuery("INSERT INTO arm_aggregates AS a (scope, arm, decisions, updated_at) "
                + "SELECT scope, arm, n, now() "
                + "FROM unnest($1::text[], $2::text[], $3::int8[]) AS input(scope, arm, n) "
                + "ON CONFLICT (scope, arm) DO UPDATE SET decisions = a.decisions + EXCLUDED.decisions, "
                + "updated_at = EXCLUDED.updated_at")
            .execute(Tuple.of(scopes, arms, counts)).mapEmpty();
    }

    /** Per (experiment, variant), the latest row: an open suspension, or the baseline of the last resume. */
    public Future<List<Loaded>> loadLatest() {
        return pool.query("SELECT DISTINCT ON (experiment, variant) experiment, variant, metric, "
                + "(extract(epoch FROM suspended_at) * 1000)::int8, evidence, resumed_at IS NULL "
                + "FROM variant_suspensions ORDER BY experiment, variant, suspended_at DESC")
            .execute().map(rows -> {
                final List<Loaded> loaded = new ArrayList<>();
                for (final Row row : rows) {
                    final Object raw = row.getValue(4);
                    final JsonObject evidence = raw instanceof JsonObject json ? json
                        : new JsonObject(String.valueOf(raw));
                    if (row.getBoolean(5)) {
                        loaded.add(new Loaded(row.getString(0), new Suspension(row.getString(1), row.getString(2),
                            row.getLong(3), evidence), null));
                    } else {
                        loaded.add(new Loaded(row.getString(0), null,
                            evidence.getJsonObject("baseline", new JsonObject()).put("variant", row.getString(1))));
                    }
                }
                return loaded;
            });
    }

    private static OffsetDateTime time(long millis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }
}
