package io.arbiter.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The server's Micrometer registry and the meters the request path uses, resolved once and cached so that recording
 * is a lookup in a small array or map rather than a registry search.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry;
    private final ConcurrentMap<String, Counter> decisions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rewards = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();

    public Metrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public Metrics(PrometheusMeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    /** Request timers for one endpoint, one per status code. */
    public EndpointTimers endpoint(String endpoint) {
        return new EndpointTimers(endpoint);
    }

    public void decision(String experiment) {
        decisions.computeIfAbsent(experiment, e -> Counter.builder(MetricName.DECISIONS.metricName())
            .description("Decisions answered").tag("experiment", e).register(registry)).increment();
    }

    public void reward(String experiment, String status) {
        rewards.computeIfAbsent(experiment + '\u0000' + status, k -> Counter.builder(MetricName.REWARDS.metricName())
            .description("Rewards taken").tag("experiment", experiment).tag("status", status)
            .register(registry)).increment();
    }

    public void error(String reason) {
        errors.computeIfAbsent(reason, r -> Counter.builder(MetricName.ERRORS.metricName())
            .description("Requests refused, by reason").tag("reason", r).register(registry)).increment();
    }

    /** Per-status timers of one endpoint, created on first use. */
    public final class EndpointTimers {
        private final String endpoint;
        private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

        private EndpointTimers(String endpoint) {
            this.endpoint = endpoint;
        }

        public void record(int status, long nanos) {
            final int index = status >= 100 && status < 600 ? status : 599;
            Timer timer = byStatus.get(index);
            if (timer == null) {
                timer = Timer.builder(MetricName.HTTP_REQUESTS.metricName())
                    .description("Server-side request time, routed to response written")
                    .tag("endpoint", endpoint).tag("status", Integer.toString(index))
                    .publishPercentileHistogram() // percentiles are computed from the buckets by the scraper
                    .minimumExpectedValue(Duration.ofNanos(1_000))
                    .maximumExpectedValue(Duration.ofSeconds(10))
                    .register(registry);
                byStatus.compareAndSet(index, null, timer);
            }
            timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }
}
