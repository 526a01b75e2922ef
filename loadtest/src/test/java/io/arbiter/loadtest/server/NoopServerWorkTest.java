package io.arbiter.loadtest.server;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The no-op server's synthetic service time: each request holds the event loop for the configured time. The two tests
 * that measure time are tagged {@code timing} (run after the unit tests by {@code ./mvnw verify}) and state their
 * margins.
 */
class NoopServerWorkTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Margin: none needed, a lower bound only (an answer before the 20 ms of work would be a defect). */
    @Test
    @Tag("timing")
    void everyRequestIsAnsweredOnlyAfterItsWorkIsDone() throws Exception {
        final long work = TimeUnit.MILLISECONDS.toNanos(20);
        final int port = NoopServer.start(vertx, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0, false, work))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        final HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            final long start = System.nanoTime();
            final HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/openrtb2/bid"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            final long took = System.nanoTime() - start;
            assertEquals(204, response.statusCode());
            // a lower bound only: the server spins until the work time has passed, so no answer can come sooner
            assertTrue(took >= work, "answered after " + took + " ns, before the " + work + " ns of work");
        }
    }

    /** Margin: CPU time at least a tenth of the 50 ms of work (a sleep uses about none; preemption takes some). */
    @Test
    @Tag("timing")
    void theWorkIsSpentOnTheCpuNotAsleep() {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long work = TimeUnit.MILLISECONDS.toNanos(50);
        final long before = threads.getCurrentThreadCpuTime();
        NoopServer.work(work);
        final long cpu = threads.getCurrentThreadCpuTime() - before;
        // a sleeping wait would use next to no CPU; a tenth leaves room for the thread being preempted meanwhile
        assertTrue(cpu >= work / 10, "CPU time " + cpu + " ns for " + work + " ns of work");
    }

    @Test
    void negativeDurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0, false, -1));
    }
}
