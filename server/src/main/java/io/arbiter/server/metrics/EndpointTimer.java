package io.arbiter.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Request timers of one endpoint ({@code arbiter.http.requests}, tags endpoint and status), one per status code,
 * each registered on first use and then found by an array index: recording allocates nothing.
 */
public final class EndpointTimer {
    private final MeterRegistry registry;
    private final String endpoint;
    private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

    EndpointTimer(MeterRegistry registry, String endpoint) {
        this.registry = registry;
        this.endpoint = endpoint;
    }

    /** The endpoint's name (the {@code endpoint} tag). */
    public String endpoint() {
        return endpoint;
    }

    /** Records one request answered with {@code status} after {@code nanos}. */
    public void record(int status, long nanos) {
        final int index = status >= 100 && status < 600 ? status : 599;
        Timer timer = byStatus.get(index);
        if (timer == null) {
            timer = Timer.builder(MetricName.HTTP_REQUESTS.metricName())
                .description(MetricName.HTTP_REQUESTS.description())
                .tag("endpoint", endpoint).tag("status", Integer.toString(index))
                .publishPercentileHistogram() // percentiles are computed from the buckets by the scraper
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
            byStatus.compareAndSet(index, null, timer);
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }
}
