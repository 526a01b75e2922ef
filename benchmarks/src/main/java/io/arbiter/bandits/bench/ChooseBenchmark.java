package io.arbiter.bandits.bench;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Ucb1;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.concurrent.TimeUnit;

/**
 * The decide path: one Thompson (or UCB1) choice among {@code arms} arms of a shared table whose arms already hold
 * realistic counts (a few thousand trials, rates 1-10%), so the Beta shapes are in the regime production sees.
 * Run with {@code -t 1} and {@code -t 2}; with 2 threads both threads read the same arms (reads do not contend).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ChooseBenchmark {
    @Param({"2", "10", "100", "1000"})
    int arms;

    PosteriorTable table;
    int[] armIndices;
    final Policy thompson = new BetaBernoulliThompson();
    final Policy discounted = new BetaBernoulliThompson(1, 1, 3_600_000L, ThompsonPolicy.DEFAULT_PROPENSITY_DRAWS);
    final Policy ucb1 = new Ucb1();

    @Setup(Level.Trial)
    public void setUp() {
        table = PosteriorTable.allocateDirect(arms, 0L);
        armIndices = new int[arms];
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(42);
        for (int i = 0; i < arms; i++) {
            armIndices[i] = table.allocateArm();
            final double rate = 0.01 + 0.09 * i / arms;
            final int trials = 2_000 + rng.nextInt(3_000);
            for (int t = 0; t < trials; t++) {
                final double reward = rng.nextDouble() < rate ? 1.0 : 0.0;
                table.recordReward(armIndices[i], reward, 1_000L * t, 0);
                discounted.update(table, armIndices[i], reward, 1_000L * t);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    @State(Scope.Thread)
    public static class PerThread {
        Workspace workspace;
        long calls;

        @Setup(Level.Trial)
        public void setUp(ThreadParams params) {
            workspace = new Workspace(SplitMix64.derive(7, params.getThreadIndex()), 1000);
        }
    }

    @Benchmark
    public int thompson(PerThread thread) {
        return thompson.choose(table, armIndices, thread.workspace, 5_000_000L);
    }

    /**
     * Like {@link #thompson}, but every choice is followed by a reward (0 or 1) for the chosen arm, so that arm's
     * shapes change before the next choice, as they do when every decision is rewarded at once (the most churn the
     * server sees): the Gamma-constant memo misses for one arm per call.
     */
    @Benchmark
    public int thompsonRewarded(PerThread thread) {
        final int chosen = thompson.choose(table, armIndices, thread.workspace, 5_000_000L);
        thompson.update(table, armIndices[chosen], (++thread.calls & 15) == 0 ? 1.0 : 0.0, 5_000_000L);
        return chosen;
    }

    @Benchmark
    public int thompsonDiscounted(PerThread thread) {
        return discounted.choose(table, armIndices, thread.workspace, 5_000_000L);
    }

    @Benchmark
    public int ucb1(PerThread thread) {
        return ucb1.choose(table, armIndices, thread.workspace, 5_000_000L);
    }
}
