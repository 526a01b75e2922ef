package io.arbiter.server.bench;

import io.arbiter.bandits.context.PropensityMemo;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.server.metrics.EndpointTimer;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.decide.ContextLimits;
import io.arbiter.server.personalisation.decide.DecideHandler;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.guard.GuardStages;
import io.arbiter.server.token.DecisionTokens;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The decide path's per-call latency in process, per path, with the workload of {@code loadtest/scripts/bench-guard.sh}
 * (docs/BENCHMARKS.md, series AO): its four experiments as that script defines them ({@code plain} and
 * {@code guarded} with 3 variants, the guarded one with a 10% holdout, bounds, burn-in, a cap of 3 per day and a
 * guardrail; {@code segments} and {@code linear} with 10), requests drawn as the load tester's {@code decide} scenario
 * draws them (100,000 units, skewed by squaring a uniform draw, seed 42; uniform attributes and features), the
 * server's default cap store (2^15 buckets) and the server's maintenance (the propensities refreshed every second,
 * segments' every 100 ms, on another thread). The linear experiment is trained first (5,000 observations, click rates
 * by variant and first feature), so its propensity takes the quadrature.
 *
 * <p>Each call is {@code DecideHandler.decide} on a body already read, plus the endpoint timer's record (Micrometer,
 * as the server's {@code Endpoint} does); its {@link System#nanoTime()} is recorded into an HdrHistogram per path,
 * the thread's CPU time and allocation per block of calls, and the maintenance thread's CPU (the refreshes: what a
 * server's decide competes with for the cores besides the network stack, the load generator and Postgres). The paths
 * run interleaved, in rounds. For {@code guarded} the calls are also split by their answer: held out, capped (every
 * variant), and otherwise, with the propensity memo's misses (a pass over the cached draws for a restricted eligible
 * set: a variant the unit has capped). {@code cold} reads 4 MiB before each call (outside the timing; the CPU time per
 * call is not printed then, as it would include the sweeps), so each call starts with the caches another workload
 * left, as between two decides over HTTP; {@code hot} (the default) calls back to back.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *      -cp server/target/server.jar:benchmarks/target/benchmarks.jar io.arbiter.server.bench.DecideTails \
 *      [calls per block, 100000] [rounds, 5] [paths, plain,guarded,segments,linear] [hot|cold]
 * </pre>
 */
public final class DecideTails {
    static final String[] NAMES = {"plain", "guarded", "segments", "linear"};
    static final int UNITS = 100_000;
    static final int FEATURES = 15;

    private final DecideHandler handler;
    private final ExperimentRegistry registry;
    private final PropensityMemo memo;
    private final EndpointTimer timer;
    private final SplittableRandom random = new SplittableRandom(42);
    private final Clock clock = Clock.systemUTC();

    private DecideTails() throws Exception {
        final Metrics metrics = new Metrics();
        registry = new ExperimentRegistry(PosteriorTable.allocateDirect(4096, 0),
            SegmentStore.allocateDirect(1024, 16, 12 * 700, 0), 4000, 1000, null);
        publish("plain", "{\"variants\": [\"A\", \"B\", \"C\"], \"default\": \"A\"}");
        publish("guarded", "{\"variants\": [\"A\", \"B\", \"C\"], \"default\": \"A\", \"holdout\": 0.1,"
            + " \"minShare\": 0.05, \"shares\": {\"B\": {\"max\": 0.6}}, \"burnIn\": 100, \"frequencyCap\":"
            + " {\"count\": 3, \"period\": \"P1D\"}, \"guardrails\": [{\"metric\": \"unsubscribe\", \"direction\":"
            + " \"lower\", \"maxRelativeHarm\": 0.2, \"confidence\": 0.95}]}");
        publish("segments", "{\"variants\": [\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\"],"
            + " \"context\": {\"model\": \"segments\", \"attributes\": [\"device\", \"country\", \"visitor\"],"
            + " \"interactions\": [[\"device\", \"country\"]]}}");
        final StringBuilder features = new StringBuilder();
        for (int f = 0; f < FEATURES; f++) {
            features.append(f == 0 ? "" : ",").append("\"f").append(f).append('"');
        }
        publish("linear", "{\"variants\": [\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\"],"
            + " \"context\": {\"model\": \"linear\", \"features\": [" + features + "]}}");
        handler = new DecideHandler(registry, new DecisionTokens(new SignedTokens(
            "benchmark-secret-0123456789".getBytes(StandardCharsets.UTF_8))), new BidBench.DiscardingLog(),
            new Workspace(42, 256), clock, metrics, ContextLimits.DEFAULTS, 256, StickyAssignments.allocateDirect(4, 0),
            b -> new GuardStages(registry.table(), FrequencyCapStore.allocateDirect(15, 0), metrics, 256).install(b));
        final java.lang.reflect.Field decision = DecideHandler.class.getDeclaredField("decision");
        decision.setAccessible(true);
        final Object d = decision.get(handler);
        final java.lang.reflect.Field memoField = d.getClass().getDeclaredField("memo");
        memoField.setAccessible(true);
        memo = (PropensityMemo) memoField.get(d);
        timer = metrics.endpoint("decide");
        train(registry.get("linear"));
    }

    private void publish(String id, String definition) {
        final Experiment experiment = registry.prepare(ExperimentSpec.fromJson(id, new JsonObject(definition), 256));
        registry.publish(experiment);
    }

    /** 5,000 observations of uniform features, click rates 5-19% by variant and first feature. */
    private static void train(Experiment experiment) {
        final LinearSpec spec = experiment.linearSpec();
        final LinearThompson linear = experiment.linear();
        final FeatureVector x = new FeatureVector(spec.dimension(), linear.arms());
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(11);
        for (int n = 0; n < 5_000; n++) {
            spec.begin(x);
            for (int k = 0; k < FEATURES; k++) {
                x.set(spec.featureIndex("f" + k), (float) (Math.round(rng.nextDouble() * 1000) / 1000.0));
            }
            final int position = n % linear.arms();
            final double rate = 0.05 + 0.01 * position + 0.05 * x.get(spec.featureIndex("f0"));
            linear.update(linear.ordinal(position), x, rng.nextDouble() < rate ? 1.0 : 0.0);
            linear.table().applyPendingObservations(100);
        }
    }

    /** The load tester's decide body (DecideScenario): a skewed unit, and for a context path its draws. */
    private Buffer body(int path) {
        final double u = random.nextDouble();
        final int unit = (int) (u * u * UNITS);
        final StringBuilder json = new StringBuilder(320).append("{\"experiment\":\"").append(NAMES[path])
            .append("\",\"unit\":\"user-").append(unit).append("\",\"count\":1");
        if (path == 2) {
            json.append(",\"context\":{\"device\":\"v").append(random.nextInt(4)).append("\",\"country\":\"v")
                .append(random.nextInt(5)).append("\",\"visitor\":\"v").append(random.nextInt(3)).append("\"}");
        } else if (path == 3) {
            json.append(",\"features\":{");
            for (int f = 0; f < FEATURES; f++) {
                json.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":")
                    .append(Math.round(random.nextDouble() * 1000) / 1000.0);
            }
            json.append('}');
        }
        return Buffer.buffer(json.append('}').toString());
    }

    /** The maintenance thread, once started (for its CPU time). */
    private volatile Thread maintenanceThread;

    /** The server's maintenance: propensities every second, segments' refresher every 100 ms. */
    private ScheduledExecutorService maintenance() {
        final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "maintenance");
            t.setDaemon(true);
            maintenanceThread = t;
            return t;
        });
        final Workspace workspace = new Workspace(5, 256);
        maintenance.scheduleWithFixedDelay(() -> {
            for (final Experiment e : registry.all()) {
                e.propensities().refresh(registry.table(), workspace, clock.millis());
            }
        }, 0, 1000, TimeUnit.MILLISECONDS);
        final Workspace refresher = new Workspace(6, 256);
        maintenance.scheduleWithFixedDelay(() -> {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10); // 0.1 of a core
            for (final Experiment e : registry.all()) {
                e.segmentPropensities().refresh(refresher, clock.millis(), deadline);
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        return maintenance;
    }

    public static void main(String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final String[] chosen = (args.length > 2 ? args[2] : String.join(",", NAMES)).split(",");
        final int[] paths = new int[chosen.length];
        for (int i = 0; i < chosen.length; i++) {
            paths[i] = java.util.Arrays.asList(NAMES).indexOf(chosen[i]);
            if (paths[i] < 0) {
                throw new IllegalArgumentException("unknown path " + chosen[i] + "; paths: " + String.join(",", NAMES));
            }
        }
        // "cold": before each call, read 4 MiB (twice the L2 caches here) outside the timing, as the event loop's
        // caches are between two decides at 5,000/s over HTTP (the network stack, the other threads and processes)
        final long[] sweep = args.length > 3 && args[3].equals("cold") ? new long[1 << 19] : null;
        final DecideTails b = new DecideTails();
        final ScheduledExecutorService maintenance = b.maintenance();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final Buffer[] bodies = new Buffer[n];
        final Histogram all = new Histogram(3_600_000_000_000L, 3);
        final Histogram[] kinds = {new Histogram(3_600_000_000_000L, 3), new Histogram(3_600_000_000_000L, 3),
            new Histogram(3_600_000_000_000L, 3), new Histogram(3_600_000_000_000L, 3)};
        final String[] kindNames = {"chosen", "chosen+memo miss", "holdout", "capped"};
        Thread.sleep(1500); // the first refreshes
        for (int round = -1; round < rounds; round++) { // round -1 warms up, unrecorded
            for (final int path : paths) {
                for (int i = 0; i < n; i++) {
                    bodies[i] = b.body(path);
                }
                all.reset();
                for (final Histogram h : kinds) {
                    h.reset();
                }
                final long gc0 = gcCount();
                final long wall0 = System.nanoTime();
                final long refresh0 = threads.getThreadCpuTime(b.maintenanceThread.getId());
                final long cpu0 = threads.getCurrentThreadCpuTime();
                final long bytes0 = threads.getCurrentThreadAllocatedBytes();
                long misses = b.memo.misses();
                long swept = 0;
                for (int i = 0; i < n; i++) {
                    if (sweep != null) {
                        for (int k = 0; k < sweep.length; k += 8) {
                            swept += sweep[k];
                        }
                    }
                    final long t0 = System.nanoTime();
                    final String answer = b.handler.decide(bodies[i]);
                    final long t = System.nanoTime() - t0;
                    b.timer.record(200, t);
                    all.recordValue(t);
                    if (path == 1) {
                        final long m = b.memo.misses();
                        final int kind = answer == null || answer.endsWith("\"capped\":true}") ? 3
                            : answer.endsWith("\"holdout\":true}") ? 2 : m != misses ? 1 : 0;
                        misses = m;
                        kinds[kind].recordValue(t);
                    }
                }
                final double refresher = (threads.getThreadCpuTime(b.maintenanceThread.getId()) - refresh0)
                    / (double) (System.nanoTime() - wall0);
                final double cpu = sweep != null ? Double.NaN // the sweeps' CPU is in it
                    : (threads.getCurrentThreadCpuTime() - cpu0) / (double) n;
                final double bytes = (threads.getCurrentThreadAllocatedBytes() - bytes0) / (double) n;
                if (round < 0 || swept != 0) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "round %d %-8s cpu %6.0f ns  wall p50 %6.1f  p90 %6.1f  p99 %6.1f"
                        + "  p99.9 %7.1f  max %8.1f us  %5.0f B/call  gc %d  refresher %4.1f%% of a core  load %s%n",
                    round, NAMES[path], cpu, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(90) / 1e3,
                    all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3,
                    all.getMaxValue() / 1e3, bytes, gcCount() - gc0, 100 * refresher, load());
                if (path == 1) {
                    for (int k = 0; k < kinds.length; k++) {
                        final Histogram h = kinds[k];
                        System.out.printf(Locale.ROOT, "        guarded %-16s %5.1f%%  p50 %6.1f  p99 %6.1f us%n",
                            kindNames[k], 100.0 * h.getTotalCount() / n, h.getValueAtPercentile(50) / 1e3,
                            h.getValueAtPercentile(99) / 1e3);
                    }
                }
            }
        }
        final long cpu0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            b.timer.record(200, 1_000 + (i & 0xFFFF));
        }
        System.out.printf(Locale.ROOT, "endpoint timer record alone: cpu %.0f ns%n",
            (threads.getCurrentThreadCpuTime() - cpu0) / (double) n);
        maintenance.shutdownNow();
    }

    private static long gcCount() {
        long count = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
