package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.ScenarioSpec;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything one load run needs, validated once on construction.
 *
 * @param url              base URL: scheme (http or https), host, port
 * @param rate             planned requests per second, all workers together
 * @param durationNanos    measured time after warm-up
 * @param warmupNanos      time before measuring; requests planned in it are not recorded
 * @param connections      connections in total, shared out between workers
 * @param threads          workers, one event loop and one set of recorders each
 * @param maxInFlight      requests in flight per connection (HTTP/1.1 pipelining or HTTP/2 streams)
 * @param timeoutNanos     a request with no answer this long is a timeout
 * @param maxBacklog       sends waiting for a connection before further ones are dropped, per worker
 * @param intervalNanos    length of one interval in the interval log and the progress line
 * @param reportDir        where to write the report files; null for console only
 * @param progress         print a live progress line
 */
public record RunConfig(URI url, ScenarioSpec scenario, double rate, long durationNanos, long warmupNanos,
                        int connections, int threads, int maxInFlight, boolean http2, boolean insecure,
                        ArrivalPlan.Kind arrival, long seed, long timeoutNanos, int maxBacklog,
                        long intervalNanos, Path reportDir, boolean progress) {

    public RunConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(arrival, "arrival");
        final String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("--url must start with http:// or https://, was " + url);
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("--url has no host: " + url);
        }
        require(rate > 0, "--rate must be > 0");
        require(durationNanos > 0, "--duration must be > 0");
        require(warmupNanos >= 0, "--warmup must be >= 0");
        require(connections >= 1, "--connections must be >= 1");
        require(threads >= 1, "--threads must be >= 1");
        require(threads <= connections, "--threads must not exceed --connections (each worker needs a connection)");
        require(maxInFlight >= 1, "--max-in-flight must be >= 1");
        require(timeoutNanos >= 1_000_000, "--timeout must be at least 1ms");
        require(maxBacklog >= 0, "--max-backlog must be >= 0");
        require(intervalNanos >= 10_000_000, "--interval must be at least 10ms");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public boolean tls() {
        return url.getScheme().equalsIgnoreCase("https");
    }

    public int port() {
        return url.getPort() > 0 ? url.getPort() : tls() ? 443 : 80;
    }

    /** Path prefix from the URL (without trailing slash), prepended to every scenario path. */
    public String basePath() {
        final String path = url.getRawPath();
        return path == null || path.equals("/") ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** @return connections given to worker {@code index}; the remainder goes to the first workers. */
    public int connectionsOf(int index) {
        return connections / threads + (index < connections % threads ? 1 : 0);
    }

    public RunConfig withRate(double newRate) {
        return new RunConfig(url, scenario, newRate, durationNanos, warmupNanos, connections, threads, maxInFlight,
                http2, insecure, arrival, seed, timeoutNanos, maxBacklog, intervalNanos, reportDir, progress);
    }

    public RunConfig withReportDir(Path dir) {
        return new RunConfig(url, scenario, rate, durationNanos, warmupNanos, connections, threads, maxInFlight,
                http2, insecure, arrival, seed, timeoutNanos, maxBacklog, intervalNanos, dir, progress);
    }
}
