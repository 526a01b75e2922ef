package io.arbiter.bandits.bench;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.table.PosteriorTable;
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
 * The update path: {@link Policy#update} (one reward into the posterior) and {@link PosteriorTable#recordDecision}.
 * {@code *OwnArm} gives each thread its own arm (no contention: with {@code -t 2} each thread hits its own cache
 * lines); {@code *SharedArm} has all threads update arm 0 (with {@code -t 2}: contended atomic adds and CAS loops).
 * Rewards alternate 1, 0 so both the success and the failure paths run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class UpdateBenchmark {
    PosteriorTable table;
    final Policy thompson = new BetaBernoulliThompson();
    final Policy discounted = new BetaBernoulliThompson(1, 1, 3_600_000L, ThompsonPolicy.DEFAULT_PROPENSITY_DRAWS);

    @Setup(Level.Trial)
    public void setUp() {
        table = PosteriorTable.allocateDirect(64, 0L);
        table.allocateArm(); // arm 0: the shared arm
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    @State(Scope.Thread)
    public static class PerThread {
        int ownArm;
        long now = 1_000_000L;
        int step;

        @Setup(Level.Trial)
        public void setUp(UpdateBenchmark shared) {
            ownArm = shared.table.allocateArm();
        }

        double nextReward() {
            return (++step & 1);
        }

        long nextNow() {
            return ++now; // a moving clock: 1 ms per update, as a busy server would see
        }
    }

    @Benchmark
    public void updateOwnArm(PerThread thread) {
        thompson.update(table, thread.ownArm, thread.nextReward(), thread.nextNow());
    }

    @Benchmark
    public void updateSharedArm(PerThread thread) {
        thompson.update(table, 0, thread.nextReward(), thread.nextNow());
    }

    @Benchmark
    public void updateDiscountedOwnArm(PerThread thread) {
        discounted.update(table, thread.ownArm, thread.nextReward(), thread.nextNow());
    }

    @Benchmark
    public void updateDiscountedSharedArm(PerThread thread) {
        discounted.update(table, 0, thread.nextReward(), thread.nextNow());
    }

    @Benchmark
    public void recordDecisionOwnArm(PerThread thread) {
        table.recordDecision(thread.ownArm);
    }

    @Benchmark
    public void recordDecisionSharedArm(PerThread thread) {
        table.recordDecision(0);
    }
}
