package io.arbiter.loadtest;

import io.arbiter.loadtest.server.NoopServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code loadtest noop-server}: the built-in no-op HTTP server, for floors and cross-checks. */
@Command(name = "noop-server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A tiny HTTP server that answers at once: the loopback floor and the wrk cross-check need it.",
            "Answers in the real API's shapes: POST /v1/decide 200 with a token, /v1/reward 202,",
            "/openrtb2/bid 204, anything else 200 \"ok\". Runs until killed."})
final class NoopServerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8081", description = "Port to listen on. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind. Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--threads", defaultValue = "1", description = "Event loops serving requests. Default: "
            + "${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--tls", description = "Serve HTTPS (HTTP/2 by ALPN) with a throwaway self-signed certificate; use "
            + "--insecure on the client.")
    boolean tls;

    @Option(names = "--stall-every", defaultValue = "0", converter = LoadTestCommand.DurationConverter.class,
            description = "Block each event loop this often, like a GC pause (0: never). Default: ${DEFAULT-VALUE}")
    long stallEveryNanos;

    @Option(names = "--stall-for", defaultValue = "50ms", converter = LoadTestCommand.DurationConverter.class,
            description = "How long each stall lasts. Default: ${DEFAULT-VALUE}")
    long stallNanos;

    @Option(names = "--work-per-request", defaultValue = "0", converter = LoadTestCommand.DurationConverter.class,
            description = "Keep the event loop busy this long for each request before answering, a synthetic service "
                    + "time (e.g. 20us). Default: ${DEFAULT-VALUE}")
    long workNanos;

    @Override
    public Integer call() throws Exception {
        final Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(
                threads));
        final int bound = NoopServer.start(vertx, new NoopServer.Settings(host, port, threads, stallEveryNanos,
                stallNanos, tls,
                workNanos))
                .toCompletionStage().toCompletableFuture().get();
        System.out.printf("noop-server listening on %s://%s:%d with %d event loop(s)%s%s%n", tls ? "https" : "http",
                host, bound,
                threads, vertx.isNativeTransportEnabled() ? ", native epoll" : "",
                (stallEveryNanos > 0 ? ", stalling " + stallNanos / 1_000_000 + "ms every "
                        + stallEveryNanos / 1_000_000 + "ms" : "")
                        + (workNanos > 0 ? ", " + Durations.formatMicros(workNanos / 1000.0) + " of work per request"
                                : ""));
        new CountDownLatch(1).await();
        return 0;
    }
}
