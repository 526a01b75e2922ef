package io.arbiter.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * The one metrics facade (after prebid-server-java's {@code metric/Metrics}): methods named for what happened,
 * over the one name list {@link MetricName}. Nothing outside this package touches Micrometer (an ArchUnit rule holds
 * it). Meters on the request paths are resolved once and cached, so recording is an array index or a map lookup,
 * never a registry search or an allocation.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry;
    private final ConcurrentMap<String, Counter> decisions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> capped = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rewards = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Counter> refusals = new AtomicReferenceArray<>(600);
    private final OutcomeMetrics outcomes;
    private final BidMetrics bids;
    private final Timer syncLag;
    private io.micrometer.core.instrument.binder.jvm.JvmGcMetrics jvmGc;

    public Metrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public Metrics(PrometheusMeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry);
        this.outcomes = new OutcomeMetrics(registry);
        this.bids = new BidMetrics(registry);
        this.syncLag = Timer.builder(MetricName.CLUSTER_SYNC_LAG.metricName())
            .description(MetricName.CLUSTER_SYNC_LAG.description()).publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1)).register(registry);
    }

    /**
     * Binds the JVM's meters to the registry: collector pauses ({@code jvm_gc_pause_seconds}, per collector, action and
     * cause), memory pools ({@code jvm_memory_used_bytes} and the like) and threads ({@code jvm_threads_*}), so a tail
     * that the request histograms cannot see (a pause stops every event loop while requests wait unread) can be read
     * beside them. {@link #unbindJvm()} stops listening for collections.
     */
    public synchronized void bindJvm() {
        if (jvmGc == null) {
            jvmGc = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
            jvmGc.bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        }
    }

    /** Stops listening for the JVM's collections (the meters keep their last values). */
    public synchronized void unbindJvm() {
        if (jvmGc != null) {
            jvmGc.close();
            jvmGc = null;
        }
    }

    /** The registry itself, for tests and tooling; server code records through the intent methods. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    /** Request timers for one endpoint, one per status code. */
    public EndpointTimer endpoint(String endpoint) {
        return new EndpointTimer(registry, Objects.requireNonNull(endpoint));
    }

    /** A request was refused with {@code status} (4xx or 5xx). */
    public void requestRefused(int status) {
        final int index = status >= 100 && status < 600 ? status : 599;
        Counter counter = refusals.get(index);
        if (counter == null) {
            counter = Counter.builder(MetricName.ERRORS.metricName()).description(MetricName.ERRORS.description())
                .tag("reason", Integer.toString(index)).register(registry); // the registry returns one meter per tags
            refusals.compareAndSet(index, null, counter);
        }
        counter.increment();
    }

    /** A decision was answered for {@code experiment}. */
    public void decisionMade(String experiment) {
        Counter counter = decisions.get(experiment);
        if (counter == null) {
            counter = decisions.computeIfAbsent(experiment, e -> Counter.builder(MetricName.DECISIONS.metricName())
                .description(MetricName.DECISIONS.description()).tag("experiment", e).register(registry));
        }
        counter.increment();
    }

    /** A reward for {@code experiment} was taken with {@code status} ({@code accepted} or {@code duplicate}). */
    public void rewardTaken(String experiment, String status) {
        final String key = experiment + '\u0000' + status;
        rewards.computeIfAbsent(key, k -> Counter.builder(MetricName.REWARDS.metricName())
            .description(MetricName.REWARDS.description()).tag("experiment", experiment).tag("status", status)
            .register(registry)).increment();
    }

    /** A guardrail on {@code metric} suspended a variant of {@code experiment}. */
    public void variantSuspended(String experiment, String metric) {
        Counter.builder(MetricName.GUARDRAIL_SUSPENSIONS.metricName())
            .description(MetricName.GUARDRAIL_SUSPENSIONS.description()).tag("experiment", experiment)
            .tag("metric", metric).register(registry).increment();
    }

    /** A unit capped on every eligible variant of {@code experiment} got the fallback answer. */
    public void decisionCapped(String experiment) {
        Counter counter = capped.get(experiment);
        if (counter == null) {
            counter = capped.computeIfAbsent(experiment, e -> Counter.builder(MetricName.CAPPED_DECISIONS.metricName())
                .description(MetricName.CAPPED_DECISIONS.description()).tag("experiment", e).register(registry));
        }
        counter.increment();
    }

    /**
     * A cluster sync round applied other nodes' totals {@code millis} after the oldest of them was committed. A
     * histogram (buckets from 1 ms to 1 min), so the scraper computes the p99 over any window.
     */
    public void clusterSyncLag(long millis) {
        syncLag.record(millis, TimeUnit.MILLISECONDS);
    }

    /** What the outcome pipeline records. */
    public OutcomeMetrics outcomes() {
        return outcomes;
    }

    /** What the bidder records. */
    public BidMetrics bids() {
        return bids;
    }

    /** Registers a gauge that reads {@code value} of {@code owner} at each scrape (held weakly, as Micrometer does). */
    public <T> void gauge(MetricName name, T owner, ToDoubleFunction<T> value) {
        Gauge.builder(name.metricName(), owner, value).description(name.description()).baseUnit(name.baseUnit())
            .register(registry);
    }

    /** Registers a counter whose total is {@code value} of {@code owner}, read at each scrape. */
    public <T> void functionCounter(MetricName name, T owner, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name.metricName(), owner, value).description(name.description())
            .baseUnit(name.baseUnit()).register(registry);
    }
}
