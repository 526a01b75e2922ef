package io.arbiter.server.pg;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Postgres connections for long background reads (off-policy evaluation jobs), kept out of the way of decisions.
 *
 * <p>A connection of the server's pool lives on one of the event loops that serve HTTP, and the rows of every page it
 * reads are decoded there: a page of thousands of rows holds that event loop for a millisecond or more while
 * requests wait unread in the socket. The server's own decide histogram does not see that wait (it starts when a
 * request is parsed); the client does. So a background connection lives on an event loop of its own (a private,
 * one-thread Vert.x instance created on first use), never one that serves requests.
 *
 * <p>At low priority (the server's default, {@code evaluation.priority}) the threads that do the background work
 * (that event loop, and each thread that calls {@link #lowerCurrentThread()}) and, when Postgres runs on this host as
 * the embedded one, the backend process serving the connection run at nice 19, so on a busy machine they take the
 * CPU decisions leave. Lowering uses {@code renice} (util-linux) on the thread or process id (Linux: each thread has
 * its own); where that is not available it is logged once and the work runs at normal priority. An external
 * Postgres's backend is not reniced (it runs on another host or as another user). At normal priority nothing is
 * lowered.
 *
 * <p>Thread safety: {@link #open} may be called from any thread but an event loop (it blocks).
 */
public final class BackgroundConnections implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackgroundConnections.class.getName());
    private static final int NICE = 19;
    private static final long TIMEOUT_SECONDS = 60;

    private final PgConnectOptions connect;
    private final boolean localBackend;
    private final boolean low;
    private final AtomicBoolean warned = new AtomicBoolean();
    private Vertx vertx;
    private boolean closed;

    /**
     * @param connect      how to reach Postgres (copied)
     * @param localBackend whether the backend processes run on this host as this user or one this process may
     *                     renice (the embedded Postgres)
     * @param low          whether background work runs at low CPU priority
     */
    public BackgroundConnections(PgConnectOptions connect, boolean localBackend, boolean low) {
        this.connect = new PgConnectOptions(Objects.requireNonNull(connect, "connect"));
        this.localBackend = localBackend;
        this.low = low;
    }

    /**
     * Opens a connection on the background event loop, its backend lowered as the priority says; the caller closes
     * it. Blocks: never call it on an event loop.
     */
    public SqlConnection open() throws InterruptedException, ExecutionException, TimeoutException {
        final SqlConnection connection = await(PgConnection.connect(loop(), connect));
        if (low && localBackend) {
            try {
                final long pid = await(connection.query("SELECT pg_backend_pid()").execute())
                    .iterator().next().getInteger(0);
                lower(pid, "the Postgres backend " + pid);
            } catch (ExecutionException | TimeoutException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    /** Lowers the calling thread to the background priority (nothing at normal priority). */
    public void lowerCurrentThread() {
        if (low) {
            final long tid = currentThreadId();
            if (tid < 0) {
                warnOnce("this platform has no /proc/thread-self: background work runs at normal priority");
            } else {
                lower(tid, "thread " + Thread.currentThread().getName());
            }
        }
    }

    private synchronized Vertx loop() throws InterruptedException, ExecutionException, TimeoutException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (vertx == null) {
            final Vertx created = Database.privateLoop();
            if (low) {
                final Promise<Void> lowered = Promise.promise();
                created.runOnContext(v -> {
                    lowerCurrentThread();
                    lowered.complete();
                });
                await(lowered.future());
            }
            vertx = created;
        }
        return vertx;
    }

    private void lower(long id, String what) {
        try {
            final Process renice = new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", Long.toString(id))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!renice.waitFor(5, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                warnOnce("renice did not answer in 5 s: " + what + " runs at normal priority");
            } else if (renice.exitValue() != 0) {
                warnOnce("renice -n " + NICE + " failed for " + what + " (exit " + renice.exitValue()
                    + "): background work runs at normal priority");
            }
        } catch (IOException e) {
            warnOnce("no renice on this host (" + e.getMessage() + "): background work runs at normal priority");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void warnOnce(String message) {
        if (warned.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    /** The kernel's id of the calling thread, or -1 where {@code /proc/thread-self} does not exist. */
    static long currentThreadId() {
        try {
            final Path link = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
            return Long.parseLong(link.getFileName().toString());
        } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
            return -1;
        }
    }

    private static <T> T await(Future<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Closes the background event loop (connections still open are closed with it). */
    @Override
    public void close() {
        final Vertx toClose;
        synchronized (this) {
            closed = true;
            toClose = vertx;
            vertx = null;
        }
        if (toClose != null) {
            try {
                await(toClose.close());
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "the background event loop did not close: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
