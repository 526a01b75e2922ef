package io.arbiter.server.pg;

import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Background connections against the real embedded Postgres: at low priority the backend serving the connection, the
 * thread its rows are decoded on and a thread that asks run at nice 19; at normal priority nothing changes. Linux
 * only (it reads {@code /proc}).
 */
class BackgroundConnectionsTest {

    @BeforeAll
    static void linux() {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "needs Linux's /proc/thread-self");
    }

    /** Field {@code n} (1-based, as in proc(5)) of a {@code stat} file. */
    private static long statField(Path stat, int n) throws IOException {
        final String text = Files.readString(stat);
        final String[] after = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(after[n - 3]);
    }

    private static long nice(long pid) throws IOException {
        return statField(Path.of("/proc", Long.toString(pid), "stat"), 19);
    }

    private static long parent(long pid) throws IOException {
        return statField(Path.of("/proc", Long.toString(pid), "stat"), 4);
    }

    private static long threadNice() {
        try {
            return statField(Path.of("/proc/thread-self/stat"), 19);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long backendPid(SqlConnection connection) throws Exception {
        return connection.query("SELECT pg_backend_pid()").execute().await(30, TimeUnit.SECONDS)
            .iterator().next().getInteger(0);
    }

    @Test
    void atLowPriorityTheBackendAndTheDecodingThreadRunAtNiceNineteen() throws Exception {
        try (BackgroundConnections background = new BackgroundConnections(TestPostgres.shared().connectOptions(),
                true, true)) {
            final SqlConnection connection = background.open();
            try {
                final long backend = backendPid(connection);
                assertEquals(19, nice(backend), "the backend serving the background connection");
                assertNotEquals(19, nice(parent(backend)), "the postmaster keeps its priority");
                final CompletableFuture<Long> decodedAt = new CompletableFuture<>();
                connection.query("SELECT generate_series(1, 1000)").execute()
                    .onComplete(done -> decodedAt.complete(threadNice()));
                assertEquals(19, decodedAt.get(30, TimeUnit.SECONDS), "the thread the rows arrive on");
            } finally {
                connection.close().await(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void atNormalPriorityNothingIsLowered() throws Exception {
        try (BackgroundConnections background = new BackgroundConnections(TestPostgres.shared().connectOptions(),
                true, false)) {
            final SqlConnection connection = background.open();
            try {
                final long backend = backendPid(connection);
                assertEquals(nice(parent(backend)), nice(backend), "the backend runs as the postmaster does");
                final CompletableFuture<Long> decodedAt = new CompletableFuture<>();
                connection.query("SELECT 1").execute().onComplete(done -> decodedAt.complete(threadNice()));
                assertNotEquals(19, decodedAt.get(30, TimeUnit.SECONDS));
            } finally {
                connection.close().await(30, TimeUnit.SECONDS);
            }
            final CompletableFuture<Long> asked = new CompletableFuture<>();
            final Thread worker = new Thread(() -> {
                background.lowerCurrentThread();
                asked.complete(threadNice());
            });
            worker.start();
            assertNotEquals(19, asked.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void lowerCurrentThreadLowersThatThreadOnly() throws Exception {
        try (BackgroundConnections background = new BackgroundConnections(TestPostgres.shared().connectOptions(),
                true, true)) {
            final long before = threadNice();
            final CompletableFuture<Long> asked = new CompletableFuture<>();
            final Thread worker = new Thread(() -> {
                background.lowerCurrentThread();
                asked.complete(threadNice());
            });
            worker.start();
            assertEquals(19, asked.get(30, TimeUnit.SECONDS));
            assertEquals(before, threadNice(), "the calling test thread keeps its priority");
        }
    }
}
