package io.arbiter.bandits.bench;

import io.arbiter.bandits.guard.GuardrailDirection;
import io.arbiter.bandits.guard.GuardrailEvidence;
import io.arbiter.bandits.guard.GuardrailRule;
import io.arbiter.bandits.guard.Lift;
import io.arbiter.bandits.guard.LiftEstimator;
import io.arbiter.bandits.guard.ShareAllocator;
import io.arbiter.bandits.guard.ShareBounds;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The do-no-harm statistics on the decide path (guardrail check, share bounds) and, for scale, the lift the admin
 * path computes. Counts move with every call so that nothing is constant-folded. Each thread has its own state
 * ({@code ShareAllocator} and {@code LiftEstimator} are single-writer).
 *
 * <ul>
 *   <li>{@code guardrailShortcut}: a variant whose observed rate shows no harm beyond the threshold (the usual case):
 *       answered from the counts alone.</li>
 *   <li>{@code guardrailFull}: observed harm not yet significant: both bounds computed (two log-gammas, Newton
 *       steps).</li>
 *   <li>{@code guardrailEvaluate}: all four bounds into the evidence holder (what the server logs on suspension).</li>
 *   <li>{@code sharesMemoised}: 10 variants, floors and a cap, the same {@code q} as the previous call (between
 *       propensity refreshes); {@code sharesFresh}: a new {@code q} every call (a projection each time);
 *       {@code sharesUnbounded}: no bounds.</li>
 *   <li>{@code liftBernoulli}: 10,000 posterior draws and two sorts (admin path).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class GuardBenchmark {
    private static final int VARIANTS = 10;

    final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
    final GuardrailEvidence evidence = new GuardrailEvidence();
    final ShareAllocator allocator = new ShareAllocator(VARIANTS);
    final ShareBounds bounds = bounds();
    final ShareBounds unbounded = ShareBounds.unbounded(VARIANTS);
    final int[] eligible = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    final double[] q = {0.002, 0.01, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.258};
    final LiftEstimator lift = new LiftEstimator();
    long step;

    private static ShareBounds bounds() {
        final double[] min = new double[VARIANTS];
        final double[] max = new double[VARIANTS];
        java.util.Arrays.fill(min, 0.02);
        java.util.Arrays.fill(max, 1.0);
        min[0] = 0.1;
        max[9] = 0.2;
        return ShareBounds.of(min, max);
    }

    @Benchmark
    public boolean guardrailShortcut() {
        final long n = 20_000 + (++step & 1023);
        return rule.isHarmful(n, 200, 20_000, 200 + (step & 15));
    }

    @Benchmark
    public boolean guardrailFull() {
        final long n = 20_000 + (++step & 1023);
        return rule.isHarmful(n, 260 + (step & 15), 20_000, 200);
    }

    @Benchmark
    public boolean guardrailEvaluate() {
        final long n = 20_000 + (++step & 1023);
        return rule.evaluate(n, 260 + (step & 15), 20_000, 200, evidence);
    }

    @Benchmark
    public int sharesMemoised() {
        final long s = ++step;
        return allocator.apply(bounds, eligible, VARIANTS, q, (int) (s % VARIANTS), (s & 1023) / 1024.0);
    }

    @Benchmark
    public int sharesFresh() {
        final long s = ++step;
        q[9] = 0.258 + (s & 7) * 1e-4;
        return allocator.apply(bounds, eligible, VARIANTS, q, (int) (s % VARIANTS), (s & 1023) / 1024.0);
    }

    @Benchmark
    public int sharesUnbounded() {
        final long s = ++step;
        return allocator.apply(unbounded, eligible, VARIANTS, q, (int) (s % VARIANTS), (s & 1023) / 1024.0);
    }

    @Benchmark
    public Lift liftBernoulli() {
        return lift.bernoulli(90_000 + (++step & 1023), 10_800, 10_000, 1_000);
    }
}
