package io.arbiter.server.metrics;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The one name list is documented name by name, and recording on the request paths allocates nothing. */
class MetricsTest {
    /** A table row of docs/metrics.md that starts with a metric name. */
    private static final Pattern ROW = Pattern.compile("^\\| `(arbiter\\.[a-z0-9_.]+)` \\|");


    @Test
    void everyNameIsDistinctAndListedInTheDocs() throws Exception {
        final String docs = Files.readString(Path.of("..", "docs", "metrics.md"));
        final Set<String> seen = new HashSet<>();
        for (final MetricName name : MetricName.values()) {
            assertTrue(seen.add(name.metricName()), "twice: " + name.metricName());
            assertTrue(docs.contains("`" + name.metricName() + "`"), name.metricName() + " missing in docs/metrics.md");
        }
        for (final NoBidReason reason : NoBidReason.values()) {
            assertTrue(docs.contains("`" + reason.tag() + "`"), "no-bid reason " + reason.tag() + " not documented");
        }
    }

    @Test
    void everyNameInTheDocsTablesIsAMetric() throws Exception {
        final Set<String> names = new HashSet<>();
        for (final MetricName name : MetricName.values()) {
            names.add(name.metricName());
        }
        final List<String> unknown = new ArrayList<>();
        boolean removed = false;
        for (final String line : Files.readAllLines(Path.of("..", "docs", "metrics.md"))) {
            if (line.startsWith("## ")) {
                removed = line.equals("## Renamed or removed");
            }
            final Matcher row = ROW.matcher(line);
            if (!removed && row.find() && !names.contains(row.group(1))) {
                unknown.add(row.group(1));
            }
        }
        assertEquals(List.of(), unknown, "named in docs/metrics.md but not in MetricName");
    }

    @Test
    void recordingOnTheRequestPathsAllocatesNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        final Metrics metrics = new Metrics();
        final EndpointTimer timer = metrics.endpoint("openrtb_bid");
        final BidMetrics bids = metrics.bids();
        final String[] campaigns = {"spring-sale", "car-video", "news-native", "c4"};
        for (final String campaign : campaigns) {
            campaign.hashCode(); // a string caches its hash on first use, as campaign ids do
        }
        final NoBidReason[] reasons = NoBidReason.values();
        final Runnable requests = () -> {
            for (int i = 0; i < 100_000; i++) {
                bids.bid(campaigns[i & 3], 1.0 + (i & 15));
                bids.noBid(reasons[i % reasons.length]);
                metrics.decisionMade(campaigns[i & 3]);
                timer.record(i % 3 == 0 ? 204 : 200, 1_000 + i);
                metrics.requestRefused(400);
            }
        };
        requests.run(); // registers every meter once
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        requests.run();
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        System.out.println("metrics: " + allocated + " bytes allocated for 500,000 recordings");
        // One object per recording would be >= 8 MB; allow noise from the allocation counter itself.
        assertTrue(allocated < 64 * 1024, allocated + " bytes");
        assertEquals(200_000, metrics.registry().find(MetricName.BID_BIDS.metricName()).counters().stream()
            .mapToDouble(c -> c.count()).sum(), 0.0, "every recording counted");
    }

    @Test
    void theJvmsCollectionsAndMemoryAreMetered() throws Exception {
        final Metrics metrics = new Metrics();
        metrics.bindJvm();
        try {
            System.gc(); // reported by a JMX notification on another thread
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!metrics.scrape().contains("jvm_gc_pause_seconds_count{") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            final String text = metrics.scrape();
            assertTrue(text.contains("jvm_gc_pause_seconds_count{"), "a collection's pause is counted");
            assertTrue(text.contains("jvm_memory_used_bytes{area=\"heap\""), "heap pools are measured");
            assertTrue(text.contains("jvm_threads_live_threads"), "threads are counted");
        } finally {
            metrics.unbindJvm();
        }
    }
}
