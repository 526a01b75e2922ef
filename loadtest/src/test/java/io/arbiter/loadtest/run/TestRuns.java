package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.ScenarioSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers for tests that run the generator for real against a server the test starts. */
final class TestRuns {
    private TestRuns() {
    }

    static RunConfig config(String url, String scenario, String path, double rate, long warmupMs, long durationMs,
                            int connections, long timeoutMs, Path reportDir) {
        return new RunConfig(URI.create(url), new ScenarioSpec(scenario, List.of("hero"), 1000, 0.5,
                Map.of(), null, path), rate, TimeUnit.MILLISECONDS.toNanos(durationMs),
                TimeUnit.MILLISECONDS.toNanos(warmupMs), connections, 1, 1, false, false, ArrivalPlan.Kind.CONSTANT,
                1234, TimeUnit.MILLISECONDS.toNanos(timeoutMs), 1_000_000, 500_000_000L, reportDir, false);
    }

    /**
     * A server for failure cases: {@code /slow} answers after 100 ms (without blocking), {@code /fail}
     * answers 500, {@code /hang} never answers, {@code /close} answers and closes the connection, anything else 200
     * at once.
     */
    static int startTroubleServer(Vertx vertx) throws Exception {
        return await(vertx.createHttpServer().requestHandler(request -> trouble(vertx, request))
                .listen(0, "127.0.0.1")).actualPort();
    }

    private static void trouble(Vertx vertx, HttpServerRequest request) {
        switch (request.path()) {
            case "/slow" -> vertx.setTimer(100, id -> request.response().end("slow"));
            case "/fail" -> request.response().setStatusCode(500).end("{\"error\":\"boom\"}");
            case "/hang" -> { }
            case "/close" -> request.response().putHeader("Connection", "close").end("bye");
            default -> request.response().end("ok");
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
