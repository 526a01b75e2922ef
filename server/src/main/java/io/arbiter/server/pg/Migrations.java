package io.arbiter.server.pg;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Versioned SQL migrations ({@code db/migration/V<n>__<description>.sql}, listed in order in
 * {@code db/migration/migrations.txt}) applied through the reactive client.
 *
 * <p>Each migration runs in its own transaction together with its row in {@code schema_version}, under a transaction
 * scoped advisory lock, so several nodes starting at once apply each migration exactly once, and a restart applies
 * nothing. An applied migration whose text changed fails the start: applied migrations are never edited.
 */
public final class Migrations {

    public static final String DIRECTORY = "db/migration/";
    public static final String INDEX = DIRECTORY + "migrations.txt";
    /** Arbitrary constant key of the advisory lock serialising migrations across nodes. */
    static final long ADVISORY_LOCK_KEY = 0x4172626974657231L;

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");
    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());

    /** One migration script. */
    public record Migration(int version, String description, String sql, long checksum) {
    }

    private Migrations() {
    }

    /** The migrations on the class path, in version order. */
    public static List<Migration> available() {
        final List<Migration> migrations = new ArrayList<>();
        for (final String line : read(INDEX).split("\n")) {
            final String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            final Matcher matcher = FILE_NAME.matcher(name);
            if (!matcher.matches()) {
                throw new IllegalStateException("bad migration file name in " + INDEX + ": " + name);
            }
            final int version = Integer.parseInt(matcher.group(1));
            if (!migrations.isEmpty() && migrations.get(migrations.size() - 1).version() >= version) {
                throw new IllegalStateException("migrations out of order in " + INDEX + " at " + name);
            }
            final String sql = read(DIRECTORY + name);
            final CRC32C crc = new CRC32C();
            crc.update(sql.getBytes(StandardCharsets.UTF_8));
            migrations.add(new Migration(version, matcher.group(2).replace('_', ' '), sql, crc.getValue()));
        }
        return List.copyOf(migrations);
    }

    /** Applies every migration not yet applied; the future holds how many were applied now. */
    public static Future<Integer> migrate(Pool pool) {
        Objects.requireNonNull(pool, "pool");
        final List<Migration> migrations = available();
        Future<Integer> chain = pool.withTransaction(conn -> lock(conn)
                .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS schema_version ("
                        + "version integer PRIMARY KEY, description text NOT NULL, checksum bigint NOT NULL, "
                        + "installed_at timestamptz NOT NULL DEFAULT now())").execute())
                .map(0));
        for (final Migration migration : migrations) {
            chain = chain.compose(applied -> pool.withTransaction(conn -> apply(conn, migration))
                    .map(done -> done ? applied + 1 : applied));
        }
        return chain.onSuccess(applied -> LOG.log(System.Logger.Level.INFO,
                "schema migrations: {0} applied now, {1} known", Integer.toString(applied),
                Integer.toString(migrations.size())));
    }

    private static Future<Boolean> apply(SqlConnection conn, Migration migration) {
        return lock(conn)
                .compose(v -> conn.preparedQuery("SELECT checksum FROM schema_version WHERE version = $1")
                        .execute(Tuple.of(migration.version())))
                .compose(rows -> {
                    if (rows.size() > 0) {
                        final long checksum = rows.iterator().next().getLong(0);
                        if (checksum != migration.checksum()) {
                            return Future.failedFuture(new IllegalStateException("migration V" + migration.version()
                                    + " was changed after it was applied (checksum " + checksum + " in the database, "
                                    + migration.checksum() + " on the class path)"));
                        }
                        return Future.succeededFuture(false);
                    }
                    return conn.query(migration.sql()).execute()
                            .compose(r -> conn.preparedQuery(
                                    "INSERT INTO schema_version (version, description, checksum) VALUES ($1, $2, $3)")
                                    .execute(Tuple.of(migration.version(), migration.description(),
                                            migration.checksum())))
                            .map(true);
                });
    }

    private static Future<Void> lock(SqlConnection conn) {
        return conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(ADVISORY_LOCK_KEY)).mapEmpty();
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing class path resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
