package io.arbiter.server.bench;

import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.StickyAssignments;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * The server's decide path in process, from the body already read to the JSON answer: parse with the context limits,
 * look the experiment up, run the decision pipeline (context, eligibility, sticky, choice, log: count, sign the
 * {@code d2} id, offer the row to a discarding outcome log). What {@code DecideHandler} does between
 * {@code HotRoutes} handing it the body and the answer going to Vert.x. 10 variants each.
 * <ul>
 *   <li>{@code plain}: no context, every variant eligible.</li>
 *   <li>{@code segments}: 3 attributes (4 x 5 x 3 values) and one interaction; each call takes the next of 60
 *       contexts; propensities refreshed for every segment in use before measuring.</li>
 *   <li>{@code segmentsEligible}: the same with 7 of the 10 variants eligible.</li>
 *   <li>{@code linear}: d = 16 (15 numeric features and the intercept), propensity analytic; the model untrained,
 *       so every variant's score is alike and the propensity is exactly 1/10.</li>
 *   <li>{@code linearTrained}: the same after 5,000 observations (click rates 5-19% by variant and feature), so
 *       the variants' scores differ and the propensity takes the quadrature (experiment id "lint").</li>
 *   <li>{@code guarded}: no context, with every safeguard of issue #15: a 10% holdout, a 5% floor and a 30% cap on
 *       one variant, burn-in 100 (over by the time of measuring), a frequency cap (255 per day, so the 4,096 units
 *       rotated through are not capped out while measuring) and a guardrail; the safeguard stages are installed for
 *       every path, as in the server.</li>
 *   <li>{@code shadowed}: {@code plain} with a challenger (another prior): the SHADOW stage samples its choice
 *       beside the champion's on every call (experiment id "shade", as long as "plain": answers of the same size).</li>
 *   <li>{@code shadowedSegments}: {@code plain} with a challenger that has its own segments (the attributes and
 *       interaction of {@code segments}), the champion context-free; the requests carry {@code segments}' 60
 *       contexts, which the champion ignores and the challenger matches.</li>
 *   <li>{@code shadowedLinear}: {@code plain} with a linear challenger on the {@code linear} path's 15 features
 *       (d = 16), the requests carrying {@code linear}'s features (experiment id "shlin").</li>
 * </ul>
 * Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -jar benchmarks/target/benchmarks.jar DecidePathBenchmark -prof gc} (docs/BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class DecidePathBenchmark {
    static final String[] DEVICES = {"mobile", "desktop", "tablet", "tv"};
    static final String[] COUNTRIES = {"DE", "FR", "US", "JP", "BR"};
    static final String[] VISITORS = {"new", "returning", "loyal"};
    static final int CONTEXTS = 60;
    static final int FEATURES = 15;
    static final int UNITS = 4096;

    DecideHandler handler;
    Buffer plainBody;
    Buffer shadowedBody;
    Buffer[] segmentBodies;
    Buffer[] eligibleBodies;
    Buffer[] linearBodies;
    Buffer[] trainedBodies;
    Buffer[] guardedBodies;
    Buffer[] shadowedSegmentBodies;
    Buffer[] shadowedLinearBodies;
    int next;
    int nextUnit;

    @Setup
    public void setUp() throws Exception {
        final Clock clock = Clock.fixed(Instant.ofEpochMilli(BidBench.NOON), ZoneOffset.UTC);
        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateDirect(4096, 0),
            SegmentStore.allocateDirect(1024, 16, 12 * 700, 0), 4096, 1000, null);
        final JsonArray variants = new JsonArray();
        for (int v = 0; v < 10; v++) {
            variants.add("v" + v);
        }
        final JsonArray features = new JsonArray();
        for (int f = 0; f < FEATURES; f++) {
            features.add("f" + f);
        }
        publish(registry, "plain", new JsonObject().put("variants", variants));
        publish(registry, "shade", new JsonObject().put("variants", variants).put("challenger",
            new JsonObject().put("prior", new JsonObject().put("alpha", 2).put("beta", 2))));
        publish(registry, "shseg", new JsonObject().put("variants", variants).put("challenger",
            new JsonObject().put("prior", new JsonObject().put("alpha", 2).put("beta", 2)).put("context",
                new JsonObject().put("model", "segments").put("attributes", new JsonArray().add("device")
                    .add("country").add("visitor")).put("interactions", new JsonArray().add(new JsonArray()
                    .add("device").add("country"))))));
        publish(registry, "shlin", new JsonObject().put("variants", variants).put("challenger",
            new JsonObject().put("prior", new JsonObject().put("alpha", 2).put("beta", 2)).put("context",
                new JsonObject().put("model", "linear").put("features", features))));
        publish(registry, "seg", new JsonObject().put("variants", variants).put("context", new JsonObject()
            .put("model", "segments").put("attributes", new JsonArray().add("device").add("country").add("visitor"))
            .put("interactions", new JsonArray().add(new JsonArray().add("device").add("country")))));
        publish(registry, "lin", new JsonObject().put("variants", variants).put("context", new JsonObject()
            .put("model", "linear").put("features", features)));
        publish(registry, "lint", new JsonObject().put("variants", variants).put("context", new JsonObject()
            .put("model", "linear").put("features", features)));
        publish(registry, "guarded", new JsonObject().put("variants", variants).put("holdout", 0.1)
            .put("minShare", 0.05).put("shares", new JsonObject().put("v0", new JsonObject().put("max", 0.3)))
            .put("burnIn", 100).put("frequencyCap", new JsonObject().put("count", 255).put("period", "P1D"))
            .put("guardrails", new JsonArray().add(new JsonObject().put("metric", "unsubscribe")
                .put("maxRelativeHarm", 0.2))));
        final Workspace workspace = new Workspace(42, 256);
        handler = new DecideHandler(registry, new DecisionTokens(new SignedTokens(
            "benchmark-secret-0123456789".getBytes(StandardCharsets.UTF_8))), new BidBench.DiscardingLog(), workspace,
            clock, new Metrics(), ContextLimits.DEFAULTS, 256, StickyAssignments.allocateDirect(4, 0),
            b -> new GuardStages(registry.table(), FrequencyCapStore.allocateDirect(15, 0), new Metrics(), 256)
                .install(b));
        plainBody = Buffer.buffer("{\"experiment\":\"plain\",\"unit\":\"user-123\"}");
        shadowedBody = Buffer.buffer("{\"experiment\":\"shade\",\"unit\":\"user-123\"}");
        segmentBodies = new Buffer[CONTEXTS];
        eligibleBodies = new Buffer[CONTEXTS];
        linearBodies = new Buffer[CONTEXTS];
        trainedBodies = new Buffer[CONTEXTS];
        shadowedSegmentBodies = new Buffer[CONTEXTS];
        shadowedLinearBodies = new Buffer[CONTEXTS];
        for (int i = 0; i < CONTEXTS; i++) {
            final String context = "\"context\":{\"device\":\"" + DEVICES[i % 4] + "\",\"country\":\""
                + COUNTRIES[i % 5] + "\",\"visitor\":\"" + VISITORS[i % 3] + "\"}";
            segmentBodies[i] = Buffer.buffer("{\"experiment\":\"seg\",\"unit\":\"user-" + i + "\"," + context + "}");
            shadowedSegmentBodies[i] = Buffer.buffer("{\"experiment\":\"shseg\",\"unit\":\"user-" + i + "\","
                + context + "}");
            eligibleBodies[i] = Buffer.buffer("{\"experiment\":\"seg\",\"unit\":\"user-" + i + "\"," + context
                + ",\"exclude\":[\"v1\",\"v4\",\"v8\"]}");
            final StringBuilder f = new StringBuilder("{\"experiment\":\"lin\",\"unit\":\"user-" + i
                + "\",\"features\":{");
            for (int k = 0; k < FEATURES; k++) {
                f.append(k == 0 ? "" : ",").append("\"f").append(k).append("\":").append((i * 7 + k) % 11 / 10.0);
            }
            linearBodies[i] = Buffer.buffer(f.append("}}").toString());
            shadowedLinearBodies[i] = Buffer.buffer(linearBodies[i].toString().replace("\"lin\"", "\"shlin\""));
            trainedBodies[i] = Buffer.buffer(linearBodies[i].toString().replace("\"lin\"", "\"lint\""));
        }
        train(registry.get("lint"));
        guardedBodies = new Buffer[UNITS];
        for (int u = 0; u < UNITS; u++) {
            guardedBodies[u] = Buffer.buffer("{\"experiment\":\"guarded\",\"unit\":\"user-" + u + "\"}");
        }
        for (int i = 0; i < 2_000; i++) {
            handler.decide(guardedBodies[i % UNITS]); // past the burn-in
        }
        registry.get("guarded").propensities().refresh(registry.table(), new Workspace(3, 256), clock.millis());
        // Create the segments, then refresh the propensities of every segment in use (as the maintenance thread
        // would within its budget), so the measured reads hit refreshed estimates.
        final Workspace refresher = new Workspace(7, 256);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < CONTEXTS; i++) {
                handler.decide(segmentBodies[i]);
                handler.decide(eligibleBodies[i]);
            }
            registry.get("seg").segmentPropensities().refresh(refresher, clock.millis(),
                System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        }
    }

    /** 5,000 observations of the request bodies' features, click rates 5-19% by variant and first feature. */
    private static void train(Experiment experiment) {
        final LinearSpec spec = experiment.linearSpec();
        final LinearThompson linear = experiment.linear();
        final FeatureVector x = new FeatureVector(spec.dimension(), linear.arms());
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(11);
        for (int n = 0; n < 5_000; n++) {
            final int i = n % CONTEXTS;
            spec.begin(x);
            for (int k = 0; k < FEATURES; k++) {
                x.set(spec.featureIndex("f" + k), (float) ((i * 7 + k) % 11 / 10.0));
            }
            final int position = n % linear.arms();
            final double rate = 0.05 + 0.01 * position + 0.05 * x.get(spec.featureIndex("f0"));
            linear.update(linear.ordinal(position), x, rng.nextDouble() < rate ? 1.0 : 0.0);
            linear.table().applyPendingObservations(100);
        }
    }

    private static void publish(ExperimentRegistry registry, String id, JsonObject definition) {
        final Experiment experiment = registry.prepare(ExperimentSpec.fromJson(id, definition, 256));
        registry.publish(experiment);
    }

    /**
     * Outside JMH: per path, the thread's CPU time per call over {@code args[0]} calls (default 200,000) after as many
     * warm-up calls, and the wall-time percentiles of single calls. On a shared, overloaded machine the CPU time is
     * the steadier figure: it leaves out the time the thread waited for a core.
     */
    public static void main(String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final DecidePathBenchmark b = new DecidePathBenchmark();
        b.setUp();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final String[] names = {"plain", "segments", "segmentsEligible", "linear", "guarded", "shadowed",
            "shadowedSegments", "shadowedLinear", "linearTrained"};
        for (int round = 0; round < 2; round++) {
            for (int k = 0; k < names.length; k++) {
                for (int i = 0; i < n; i++) {
                    call(b, k);
                }
                final long[] wall = new long[n];
                final long cpu0 = threads.getCurrentThreadCpuTime();
                final long bytes0 = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    final long t0 = System.nanoTime();
                    call(b, k);
                    wall[i] = System.nanoTime() - t0;
                }
                final double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / (double) n;
                final double bytes = (threads.getCurrentThreadAllocatedBytes() - bytes0) / (double) n;
                java.util.Arrays.sort(wall);
                System.out.printf(java.util.Locale.ROOT, "round %d %-17s cpu %8.0f ns/op  wall p50 %7.0f ns  p99 %8.0f"
                        + " ns  p99.9 %8.0f ns  %6.0f B/op%n", round, names[k], cpu, (double) wall[n / 2],
                    (double) wall[(int) (n * 0.99)], (double) wall[(int) (n * 0.999)], bytes);
            }
        }
    }

    private static String call(DecidePathBenchmark b, int k) throws Exception {
        return switch (k) {
            case 0 -> b.plain();
            case 1 -> b.segments();
            case 2 -> b.segmentsEligible();
            case 3 -> b.linear();
            case 4 -> b.guarded();
            case 5 -> b.shadowed();
            case 6 -> b.shadowedSegments();
            case 7 -> b.shadowedLinear();
            default -> b.linearTrained();
        };
    }

    @Benchmark
    public String plain() throws Exception {
        return handler.decide(plainBody);
    }

    @Benchmark
    public String shadowed() throws Exception {
        return handler.decide(shadowedBody);
    }

    @Benchmark
    public String shadowedSegments() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(shadowedSegmentBodies[next]);
    }

    @Benchmark
    public String shadowedLinear() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(shadowedLinearBodies[next]);
    }

    @Benchmark
    public String segments() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(segmentBodies[next]);
    }

    @Benchmark
    public String segmentsEligible() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(eligibleBodies[next]);
    }

    @Benchmark
    public String guarded() throws Exception {
        nextUnit = (nextUnit + 1) & (UNITS - 1);
        return handler.decide(guardedBodies[nextUnit]);
    }

    @Benchmark
    public String linear() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(linearBodies[next]);
    }

    @Benchmark
    public String linearTrained() throws Exception {
        next = next == CONTEXTS - 1 ? 0 : next + 1;
        return handler.decide(trainedBodies[next]);
    }
}
