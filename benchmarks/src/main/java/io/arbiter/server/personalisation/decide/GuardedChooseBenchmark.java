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
 *       size (2^16 buckets, 16 MiB) and the calls rotate through 65,536 units, so a unit's entries are rarely still
 *       in the caches when it comes round again, as on a server with many visitors.</li>
 * </ul>
 * Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -jar benchmarks/target/benchmarks.jar GuardedChooseBenchmark -prof gc} (docs/BENCHMARKS.md, series S).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class GuardedChooseBenchmark {
    static final int UNITS = 1 << 16;
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
        caps = FrequencyCapStore.allocateDirect(16, 0);
        final DecisionPipeline.Builder builder = DecisionPipeline.builder()
            .with(DecisionSlot.CONTEXT, new ContextStage())
            .with(DecisionSlot.ELIGIBILITY, new EligibilityStage())
            .with(DecisionSlot.STICKY, new StickyStage(StickyAssignments.allocateDirect(4, 0)))
            .with(DecisionSlot.CHOICE, new ChoiceStage())
            .with(DecisionSlot.SHADOW, new ShadowStage())
            .with(DecisionSlot.LOG, DecisionStage.NONE);
        new GuardStages(table, caps, new Metrics(), 256).install(builder);
        pipeline = builder.build();
        decision = new Decision(new Workspace(42, 256), ContextLimits.DEFAULTS, 256);
        units = new String[UNITS];
        for (int u = 0; u < UNITS; u++) {
            units[u] = "user-" + u;
        }
        for (int u = 0; u < UNITS; u++) {
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
        nextUnit = (nextUnit + 1) & (UNITS - 1);
        final Decision d = decision;
        d.reset();
        d.experimentId = experiment.id();
        d.unit = units[nextUnit];
        d.experiment = experiment;
        d.nowMillis = NOON;
        pipeline.run(d);
        return d.position() + d.propensity();
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
