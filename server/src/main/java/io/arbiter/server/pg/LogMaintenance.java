package io.arbiter.server.pg;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the logs bounded: creates the decision log's daily partitions ahead of time and drops the expired ones, and
 * deletes expired reward and OpenRTB event rows (and decision batch ids older than a day) in small batches.
 * Aggregates are never touched.
 *
 * <p>Never blocks ingestion: partitions are created with {@code CREATE TABLE} + {@code ATTACH PARTITION} and removed
 * with {@code DETACH PARTITION ... CONCURRENTLY} + {@code DROP TABLE}, which take no lock that conflicts with inserts
 * into the other partitions (a detach waits for the transactions that may still use the partition, such as a long
 * evaluation query, while inserts go on); rows are deleted 5,000 at a time. Before a partition is detached, the
 * low end of {@code decision_log_range} moves past it, so the shipper stops routing rows to it.
 *
 * <p>Several nodes may run it: a session advisory lock lets one run at a time, the others skip the round. Blocking
 * (it waits on the pool's futures): call it from a maintenance thread, never from an event loop.
 */
public final class LogMaintenance {

    /** How many days of partitions exist ahead of today (UTC). */
    public static final int DAYS_AHEAD = 7;
    private static final long ADVISORY_LOCK_KEY = 0x4172_6269_4c6f_6731L; // "ArbiLog1"
    private static final int DELETE_BATCH = 5_000;
    private static final long DAY_MILLIS = 86_400_000L;
    private static final long TIMEOUT_SECONDS = 600;
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final System.Logger LOG = System.getLogger(LogMaintenance.class.getName());

    /**
     * What one round did.
     *
     * @param ran               false when another node held the lock (nothing done)
     * @param partitionsCreated decision partitions created
     * @param partitionsDropped decision partitions detached and dropped
     * @param rewardsDeleted    reward rows deleted
     * @param rtbEventsDeleted  OpenRTB event rows deleted
     */
    public record Report(boolean ran, int partitionsCreated, List<String> partitionsDropped, long rewardsDeleted,
                         long rtbEventsDeleted) {
    }

    private final Pool pool;
    private final Retention retention;
    private final Clock clock;

    public LogMaintenance(Pool pool, Retention retention, Clock clock) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** One round: partitions ahead, expired partitions and rows out. */
    public Report run() throws Exception {
        final SqlConnection conn = await(pool.getConnection());
        try {
            final boolean locked = await(conn.preparedQuery("SELECT pg_try_advisory_lock($1)")
                .execute(Tuple.of(ADVISORY_LOCK_KEY))).iterator().next().getBoolean(0);
            if (!locked) {
                return new Report(false, 0, List.of(), 0, 0);
            }
            try {
                final long now = clock.millis();
                final int created = createAhead(conn, now);
                final List<String> dropped = dropExpiredPartitions(conn, now - retention.decisions().toMillis());
                final OffsetDateTime rewardCutoff = time(now - retention.rewards().toMillis());
                final long rewards = deleteInBatches(conn, "DELETE FROM rewards WHERE ctid = ANY(ARRAY("
                    + "SELECT ctid FROM rewards WHERE time < $1 LIMIT " + DELETE_BATCH + "))", rewardCutoff);
                // The other nodes' copy of the linear rewards (V48) goes with the rewards it repeats.
                deleteInBatches(conn, "DELETE FROM linear_rewards WHERE ctid = ANY(ARRAY("
                    + "SELECT ctid FROM linear_rewards WHERE time < $1 LIMIT " + DELETE_BATCH + "))", rewardCutoff);
                final long rtb = deleteInBatches(conn, "DELETE FROM rtb_events WHERE ctid = ANY(ARRAY("
                    + "SELECT ctid FROM rtb_events WHERE time < $1 LIMIT " + DELETE_BATCH + "))", rewardCutoff);
                // A decision batch is retried within minutes at most; a day of ids is plenty.
                deleteInBatches(conn, "DELETE FROM decision_batches WHERE id = ANY(ARRAY(SELECT id FROM "
                    + "decision_batches WHERE shipped_at < $1 LIMIT " + DELETE_BATCH + "))", time(now - DAY_MILLIS));
                final Report report = new Report(true, created, dropped, rewards, rtb);
                if (created + dropped.size() + rewards + rtb > 0) {
                    LOG.log(System.Logger.Level.INFO, "log maintenance: " + report);
                }
                return report;
            } finally {
                await(conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(ADVISORY_LOCK_KEY)));
            }
        } finally {
            conn.close();
        }
    }

    private int createAhead(SqlConnection conn, long now) throws Exception {
        return await(conn.preparedQuery("SELECT arbiter_ensure_decision_partitions($1, $2)")
            .execute(Tuple.of(time(now), DAYS_AHEAD))).iterator().next().getInteger(0);
    }

    /** Detaches (concurrently) and drops every partition whose upper bound is at or before {@code cutoffMillis}. */
    private List<String> dropExpiredPartitions(SqlConnection conn, long cutoffMillis) throws Exception {
        final List<String> expired = new ArrayList<>();
        final List<Boolean> pending = new ArrayList<>();
        long newLow = Long.MIN_VALUE;
        for (final Row row : await(conn.query("SELECT c.relname, i.inhdetachpending FROM pg_inherits i "
            + "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'decisions'::regclass").execute())) {
            final String name = row.getString(0);
            final long upper = upperBoundMillis(name);
            if (upper != Long.MIN_VALUE && upper <= cutoffMillis) {
                expired.add(name);
                pending.add(row.getBoolean(1));
                newLow = Math.max(newLow, upper);
            }
        }
        if (expired.isEmpty()) {
            return expired;
        }
        await(conn.preparedQuery("UPDATE decision_log_range SET low = greatest(low, $1)").execute(
            Tuple.of(time(newLow))));
        for (int i = 0; i < expired.size(); i++) {
            final String table = quote(expired.get(i));
            await(conn.query("ALTER TABLE decisions DETACH PARTITION " + table
                + (pending.get(i) ? " FINALIZE" : " CONCURRENTLY")).execute());
            await(conn.query("DROP TABLE " + table).execute());
        }
        return expired;
    }

    /**
     * The upper bound of a partition named by {@code arbiter_ensure_decision_partitions}
     * ({@code decisions_<yyyymmdd>}: the next day) or by the migration ({@code decisions_before_<yyyymmdd>}: that
     * day); {@link Long#MIN_VALUE} for any other name (left alone).
     */
    static long upperBoundMillis(String partition) {
        try {
            if (partition.startsWith("decisions_before_")) {
                return dayStart(LocalDate.parse(partition.substring("decisions_before_".length()), DAY));
            }
            if (partition.startsWith("decisions_") && partition.length() == "decisions_".length() + 8) {
                return dayStart(LocalDate.parse(partition.substring("decisions_".length()), DAY).plusDays(1));
            }
        } catch (java.time.format.DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
        return Long.MIN_VALUE;
    }

    private static long deleteInBatches(SqlConnection conn, String sql, OffsetDateTime cutoff) throws Exception {
        long total = 0;
        while (true) {
            final int deleted = await(conn.preparedQuery(sql).execute(Tuple.of(cutoff))).rowCount();
            total += deleted;
            if (deleted < DELETE_BATCH) {
                return total;
            }
        }
    }

    private static long dayStart(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static OffsetDateTime time(long millis) {
        return OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
        return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
