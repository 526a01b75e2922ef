package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.ScenarioSpec;
import io.arbiter.loadtest.server.NoopServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS, HTTP/2 (ALPN and cleartext prior knowledge) and HTTP/1.1 pipelining all carry a run. */
class ProtocolTest {
    private final Vertx server = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        TestRuns.await(server.close());
    }

    /**
     * Warm-up 1.5 s and a 10 s timeout: a cold TLS handshake on a loaded 2-core machine can take
     * seconds, and the first HTTP/2-over-TLS connections have been seen to fail their handshake there
     * (docs/loadtest.md, limitations). Requests planned in the warm-up are not counted.
     */
    private RunResult run(String url, boolean http2, boolean insecure, int maxInFlight) throws Exception {
        return run(url, http2, insecure, maxInFlight, 1_500_000_000L);
    }

    private RunResult run(String url, boolean http2, boolean insecure, int maxInFlight,
            long warmupNanos) throws Exception {
        final RunConfig config = new RunConfig(URI.create(url), new ScenarioSpec("decide", List.of("hero"), 100, 0,
                Map.of(), null, "/"), 400, 500_000_000L, warmupNanos, 2, 1, maxInFlight, http2, insecure,
                ArrivalPlan.Kind.CONSTANT, 5, 10_000_000_000L, 10_000, 500_000_000L, null, false);
        return new LoadRun(config, null).run();
    }

    @Test
    void httpsWithHttp2OverAlpn() throws Exception {
        final int port = TestRuns.await(NoopServer.start(server, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0,
                true)));
        final RunResult r = run("https://localhost:" + port, true, true, 8);
        assertEquals(0, r.errors(), r.errorsByKind() + " " + r.firstFailures());
        assertEquals(200, r.count(Counter.RESPONSES));
        assertEquals(200L, r.statuses().get(200));
    }

    @Test
    void httpsRejectsASelfSignedCertificateWithoutInsecure() throws Exception {
        final int port = TestRuns.await(NoopServer.start(server, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0,
                true)));
        // No warm-up: every failed handshake takes a while, and warm-up requests would go first.
        final RunResult r = run("https://localhost:" + port, false, false, 1, 0);
        assertEquals(0, r.count(Counter.RESPONSES));
        assertTrue(r.count(Counter.TLS) > 0, r.errorsByKind() + " " + r.firstFailures());
        assertEquals(r.failures(), r.count(Counter.TLS), r.errorsByKind() + " " + r.firstFailures());
        assertEquals(200, r.failures() + r.count(Counter.UNSENT) + r.count(Counter.UNFINISHED), r.counters().toString(
                ));
    }

    @Test
    void cleartextHttp2AndPipelinedHttp1() throws Exception {
        final int port = TestRuns.await(NoopServer.start(server, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0,
                false)));
        final RunResult h2c = run("http://127.0.0.1:" + port, true, false, 8);
        assertEquals(0, h2c.errors(), h2c.errorsByKind() + " " + h2c.firstFailures());
        assertEquals(200, h2c.count(Counter.RESPONSES));
        final RunResult pipelined = run("http://127.0.0.1:" + port, false, false, 4);
        assertEquals(0, pipelined.errors(), pipelined.errorsByKind() + " " + pipelined.firstFailures());
        assertEquals(200, pipelined.count(Counter.RESPONSES));
    }
}
