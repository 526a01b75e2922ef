package io.arbiter.server.pg;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EmbeddedPostgresTest {

    private Vertx vertx;
    private Path dataDir;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        dataDir = Path.of("target", "pg-test", "lifecycle-" + System.nanoTime());
    }

    @AfterEach
    void tearDown() {
        vertx.close().await();
        PostgresBinaries.deleteRecursively(dataDir);
    }

    @Test
    void placesTheClusterWhereTheUnprivilegedUserCanReachItWhenRunningAsRoot() throws Exception {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "only meaningful as root");
        final Path first = privateDir("first").resolve("pg");
        final Path second = privateDir("second").resolve("pg");
        final Path firstCluster;
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(first))) {
            firstCluster = postgres.clusterDir();
            assertTrue(firstCluster.startsWith(Path.of("/var/tmp")), firstCluster.toString());
            assertTrue(Files.readString(first.resolve("CLUSTER_LOCATION")).contains(firstCluster.toString()));
            assertEquals(EmbeddedPostgres.UNPRIVILEGED_ID, Files.getAttribute(firstCluster, "unix:uid"));
            assertEquals(1, queryInt(postgres, "SELECT 1"));
        }
        // The first data dir goes away (as a test's temporary directory does): the next fallback start collects
        // its cluster, while a cluster whose data dir still exists stays.
        PostgresBinaries.deleteRecursively(first.getParent());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(second))) {
            assertFalse(Files.exists(firstCluster), "abandoned cluster collected");
            assertTrue(Files.exists(postgres.clusterDir().resolve("PG_VERSION")));
            postgres.close();
            PostgresBinaries.deleteRecursively(second.getParent());
            try (EmbeddedPostgres third = EmbeddedPostgres.launch(TestPostgres.config(privateDir("third")
                    .resolve("pg")))) {
                assertFalse(Files.exists(postgres.clusterDir()), "collected once its data dir was deleted");
                third.close();
                PostgresBinaries.deleteRecursively(third.config().dataDir().getParent());
                PostgresBinaries.deleteRecursively(third.clusterDir());
                Files.deleteIfExists(third.clusterDir().resolveSibling(third.clusterDir().getFileName() + ".origin"));
            }
        }
    }

    /** A temporary directory like a JUnit @TempDir: mode 0700, so not traversable by others. */
    private Path privateDir(String name) throws Exception {
        final Path dir = Files.createTempDirectory("arbiter-pg-test-" + name);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir.toRealPath();
    }

    @Test
    void startsStopsAndRestartsOnTheSamePortKeepingData() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            final int port = postgres.port();
            assertTrue(port > 0);
            assertEquals("postgres://arbiter@127.0.0.1:" + port + "/arbiter", postgres.redactedUrl());
            assertTrue(Files.exists(postgres.clusterDir().resolve("PG_VERSION")));
            execute(postgres, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

            postgres.stop();
            assertFalse(postgres.isRunning());
            final Pool pool = TestPostgres.pool(vertx, postgres.connectOptions(), 1);
            assertThrows(Exception.class, () -> pool.query("SELECT 1").execute().await(10, TimeUnit.SECONDS));
            pool.close();

            postgres.start();
            assertEquals(port, postgres.port());
            assertEquals(42, queryInt(postgres, "SELECT v FROM kept"));
        }
    }

    @Test
    void adoptsAServerLeftRunningByAKilledJvmAndClearsStalePidFiles() throws Exception {
        final EmbeddedPostgres first = EmbeddedPostgres.launch(TestPostgres.config(dataDir).withStopOnJvmExit(false));
        execute(first, "CREATE TABLE t (v int); INSERT INTO t VALUES (7)");
        final long pid = Long.parseLong(Files.readAllLines(first.clusterDir().resolve("postmaster.pid")).get(0).trim());
        // "first" is abandoned without close, as if its JVM had been killed: Postgres is still running.
        try (EmbeddedPostgres second = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            assertEquals(first.port(), second.port());
            assertEquals(pid, Long.parseLong(
                    Files.readAllLines(second.clusterDir().resolve("postmaster.pid")).get(0).trim()));
            assertEquals(7, queryInt(second, "SELECT v FROM t"));
            second.stop();

            // A pid file naming a live process that is not this cluster's postgres (pid reuse after a crash).
            final Path pidFile = second.clusterDir().resolve("postmaster.pid");
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n" + second.clusterDir() + "\n0\n"
                    + second.port() + "\n");
            second.start();
            assertEquals(7, queryInt(second, "SELECT v FROM t"));
        }
    }

    @Test
    void recoversWhenPostgresItselfWasKilled() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            execute(postgres, "CREATE TABLE t (v int); INSERT INTO t VALUES (3)");
            final long pid = Long.parseLong(Files.readAllLines(postgres.clusterDir().resolve("postmaster.pid")).get(0)
                    .trim());
            final ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
            postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
            postmaster.destroyForcibly();
            postmaster.onExit().get(30, TimeUnit.SECONDS);
            postgres.stop(); // nothing to stop: must not throw
            postgres.start(); // stale postmaster.pid, crash recovery from the WAL
            assertEquals(3, queryInt(postgres, "SELECT v FROM t"));
        }
    }

    @Test
    void passwordAuthenticationWorks() throws Exception {
        final EmbeddedPostgresConfig config = TestPostgres.config(dataDir).withPassword("s3cret:/@");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(config)) {
            assertEquals(1, queryInt(postgres, "SELECT 1"));
            assertTrue(postgres.url().contains("arbiter:s3cret%3A%2F%40@"), postgres.url());
            final Pool wrong = TestPostgres.pool(vertx, postgres.connectOptions().setPassword("wrong"), 1);
            assertThrows(Exception.class, () -> wrong.query("SELECT 1").execute().await(10, TimeUnit.SECONDS));
            wrong.close();
        }
    }

    @Test
    void generatesAPasswordKeptPrivateAndRefusesConnectionsWithoutIt() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            final Path file = postgres.passwordFile();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            final String password = Files.readString(file).strip();
            assertTrue(password.length() >= 32, "generated password is long enough");
            assertEquals(password, postgres.connectOptions().getPassword());
            assertFalse(postgres.redactedUrl().contains(password));
            assertEquals(1, queryInt(postgres, "SELECT 1"));
            assertRefused(withoutPassword(postgres));
            assertRefused(postgres.connectOptions().setPassword(""));
            assertRefused(postgres.connectOptions().setPassword("wrong"));

            postgres.stop();
            postgres.start();
            assertEquals(password, Files.readString(file).strip(), "a restart keeps the password");
            assertEquals(1, queryInt(postgres, "SELECT 1"));
        }
        try (EmbeddedPostgres again = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            assertEquals(1, queryInt(again, "SELECT 1"));
        }
    }

    @Test
    void upgradesAClusterThatTrustedEveryoneAndKeepsItsData() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.launch(TestPostgres.config(dataDir))) {
            execute(postgres, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (11)");
        }
        // Make it a cluster as earlier versions left it: trust in pg_hba.conf, no password file.
        try (EmbeddedPostgres probe = new EmbeddedPostgres(TestPostgres.config(dataDir))) {
            final Path cluster = Files.exists(dataDir.resolve("CLUSTER_LOCATION"))
                    ? Path.of(Files.readString(dataDir.resolve("CLUSTER_LOCATION")).replaceAll(
                            "(?s).*lives in (\\S+)\\s*$", "$1")) : dataDir;
            final Path hba = cluster.resolve("pg_hba.conf");
            Files.writeString(hba, Files.readString(hba).replace("scram-sha-256", "trust"));
            assertTrue(Files.readString(hba).contains("127.0.0.1/32            trust"));
            Files.delete(dataDir.resolve(EmbeddedPostgres.PASSWORD_FILE));
            probe.start();
            assertTrue(Files.exists(probe.passwordFile()));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    probe.passwordFile())));
            assertFalse(Files.readAllLines(hba).stream()
                    .anyMatch(line -> !line.startsWith("#") && line.contains("trust")), Files.readString(hba));
            assertEquals(11, queryInt(probe, "SELECT v FROM kept"));
            assertRefused(withoutPassword(probe));
        }
    }

    private static io.vertx.pgclient.PgConnectOptions withoutPassword(EmbeddedPostgres postgres) {
        final io.vertx.pgclient.PgConnectOptions given = postgres.connectOptions();
        return new io.vertx.pgclient.PgConnectOptions().setHost(given.getHost()).setPort(given.getPort())
                .setDatabase(given.getDatabase()).setUser(given.getUser());
    }

    private void assertRefused(io.vertx.pgclient.PgConnectOptions options) {
        final Pool pool = TestPostgres.pool(vertx, options, 1);
        try {
            assertThrows(Exception.class, () -> pool.query("SELECT 1").execute().await(10, TimeUnit.SECONDS));
        } finally {
            pool.close();
        }
    }

    private void execute(EmbeddedPostgres postgres, String sql) throws Exception {
        final Pool pool = TestPostgres.pool(vertx, postgres.connectOptions(), 1);
        try {
            pool.query(sql).execute().await(10, TimeUnit.SECONDS);
        } finally {
            pool.close();
        }
    }

    private int queryInt(EmbeddedPostgres postgres, String sql) throws Exception {
        final Pool pool = TestPostgres.pool(vertx, postgres.connectOptions(), 1);
        try {
            final Row row = pool.query(sql).execute().await(10, TimeUnit.SECONDS).iterator().next();
            return row.getInteger(0);
        } finally {
            pool.close();
        }
    }
}
