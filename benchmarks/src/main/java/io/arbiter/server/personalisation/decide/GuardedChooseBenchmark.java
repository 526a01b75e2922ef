package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.guard.GuardStages;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Issue #15's "choose with all of them": the server's decision pipeline from a parsed request to the decided variant
 * and its propensity, with the real stages (CONTEXT, ELIGIBILITY, HOLDOUT with the frequency cap, STICKY, BURN_IN,
 * CHOICE, SHARE_BOUNDS with the cap's count, SHADOW); the LOG stage (counting, the signed id, the JSON answer, the
 * log row) is left out, as are the parse and the experiment lookup ({@code DecidePathBenchmark} measures them all).
 * 10 variants, no context. It lives in the pipeline's package because the stages and {@link Decision} are that
 * package's own.
 * <ul>
 *   <li>{@code plain}: no safeguard (the stages installed, as in the server, with nothing to do).</li>
 *   <li>{@code uncapped}: a 10% holdout, a 5% floor and a 30% cap on v0, burn-in 100 (over before measuring), a
 *       guardrail: everything but the frequency cap.</li>
 *   <li>{@code guarded}: the same and a frequency cap (255 per day: the units are never capped out while measuring,
 *       so every call reads the caps of all ten variants and counts one). The cap store has the server's default
 *       size (2^15 buckets, 28 MiB: 327,680 records) and the calls rotate through 16,384 units (32,768 records, one
 *       per unit and group of eight variants), so a unit's record lines and buckets are rarely still in the caches
 *       when it comes round again, as on a server with many visitors.</li>
 * </ul>
 * Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -cp benchmarks/target/benchmarks.jar:server/target/server.jar org.openjdk.jmh.Main GuardedChooseBenchmark
 * -prof gc} (docs/BENCHMARKS.md, series S).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class GuardedChooseBenchmark {
    static final int UNITS = 1 << 14;
    int unitCount = UNITS;
    static final long NOON = 1_795_392_000_000L + 12 * 3_600_000L;

    FrequencyCapStore caps;
    Decision decision;
    DecisionPipeline pipeline;
    Experiment plain;
    Experiment uncapped;
    Experiment guarded;
    String[] units;
    int nextUnit;

    @Setup(Level.Trial)
    public void setUp() {
        final PosteriorTable table = PosteriorTable.allocateDirect(4096, 0);
        final ExperimentRegistry registry = new ExperimentRegistry(table,
            SegmentStore.allocateDirect(1024, 16, 12 * 700, 0), 4096, 1000, null);
        final JsonArray variants = new JsonArray();
        for (int v = 0; v < 10; v++) {
            variants.add("v" + v);
        }
        final JsonObject safeguards = new JsonObject().put("variants", variants).put("holdout", 0.1)
            .put("minShare", 0.05).put("shares", new JsonObject().put("v0", new JsonObject().put("max", 0.3)))
            .put("burnIn", 100).put("guardrails", new JsonArray().add(new JsonObject().put("metric", "unsubscribe")
                .put("maxRelativeHarm", 0.2)));
        plain = publish(registry, "plain", new JsonObject().put("variants", variants));
        uncapped = publish(registry, "uncapped", safeguards.copy());
        guarded = publish(registry, "guarded", safeguards.copy().put("frequencyCap",
            new JsonObject().put("count", 255).put("period", "P1D")));
        for (final Experiment experiment : new Experiment[] {plain, uncapped, guarded}) {
            for (final int arm : experiment.arms()) {
                for (int i = 0; i < 100; i++) {
                    table.recordDecision(arm); // past the burn-in
                }
            }
            experiment.propensities().refresh(table, new Workspace(3, 256), NOON);
        }
        caps = FrequencyCapStore.allocateDirect(15, 0);
        final DecisionPipeline.Builder builder = DecisionPipeline.builder()
            .with(DecisionSlot.CONTEXT, new ContextStage())
            .with(DecisionSlot.ELIGIBILITY, new EligibilityStage())
            .with(DecisionSlot.STICKY, new StickyStage(StickyAssignments.allocateDirect(4, 0)))
            .with(DecisionSlot.CHOICE, new ChoiceStage())
            .with(DecisionSlot.SHADOW, new ShadowStage(256))
            .with(DecisionSlot.LOG, DecisionStage.NONE);
        new GuardStages(table, caps, new Metrics(), 256).install(builder);
        pipeline = builder.build();
        decision = new Decision(new Workspace(42, 256), ContextLimits.DEFAULTS, 256);
        units = new String[unitCount];
        for (int u = 0; u < unitCount; u++) {
            units[u] = "user-" + u;
        }
        for (int u = 0; u < unitCount; u++) {
            choose(guarded); // every unit has counted impressions before measuring
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        caps.close();
    }

    private static Experiment publish(ExperimentRegistry registry, String id, JsonObject definition) {
        final Experiment experiment = registry.prepare(ExperimentSpec.fromJson(id, definition, 256));
        registry.publish(experiment);
        return experiment;
    }

    /** One decision for the next unit; the answer's position and propensity folded into one value. */
    double choose(Experiment experiment) {
        nextUnit = (nextUnit + 1) & (unitCount - 1);
        final Decision d = decision;
        d.reset();
        d.experimentId = experiment.id();
        d.unit = units[nextUnit];
        d.experiment = experiment;
        d.nowMillis = NOON;
        pipeline.run(d);
        return d.position() + d.propensity();
    }

    /**
     * Outside JMH: per path, the thread's CPU time per call over {@code args[0]} calls (default 1,000,000) after as
     * many warm-up calls, in {@code args[1]} rounds (default 3), over {@code args[2]} units (a power of two; default
     * 16,384). On a shared, overloaded machine the CPU time is the
     * steadier figure: it leaves out the time the thread waited for a core.
     */
    public static void main(String[] args) {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final GuardedChooseBenchmark b = new GuardedChooseBenchmark();
        b.unitCount = args.length > 2 ? Integer.highestOneBit(Integer.parseInt(args[2])) : UNITS;
        b.setUp();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final Experiment[] paths = {b.plain, b.uncapped, b.guarded};
        double sink = 0;
        for (int round = 0; round < rounds; round++) {
            for (final Experiment path : paths) {
                for (int i = 0; i < n; i++) {
                    sink += b.choose(path);
                }
                final long cpu0 = threads.getCurrentThreadCpuTime();
                final long wall0 = System.nanoTime();
                final long bytes0 = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    sink += b.choose(path);
                }
                final double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / (double) n;
                final double wall = (System.nanoTime() - wall0) / (double) n;
                final double bytes = (threads.getCurrentThreadAllocatedBytes() - bytes0) / (double) n;
                System.out.printf(java.util.Locale.ROOT, "round %d %-9s cpu %6.0f ns/op  wall %6.0f ns/op  %.3f B/op%n",
                    round, path.id(), cpu, wall, bytes);
            }
        }
        b.tearDown();
        System.out.println(sink == 0 ? "" : "done");
    }

    @Benchmark
    public double plain() {
        return choose(plain);
    }

    @Benchmark
    public double uncapped() {
        return choose(uncapped);
    }

    @Benchmark
    public double guarded() {
        return choose(guarded);
    }
}
