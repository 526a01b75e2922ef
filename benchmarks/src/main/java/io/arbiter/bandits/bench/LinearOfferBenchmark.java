package io.arbiter.bandits.bench;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The caller's side of a linear update: offering an observation (d doubles) into the many-to-one ring. The applier's
 * work is not on the caller's side, so it is kept out of the timing: each measured invocation offers 20,000
 * observations into a ring large enough to take them all, and the ring is drained (untimed) between invocations.
 * The score is per offer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 40)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class LinearOfferBenchmark {
    static final int OFFERS = 20_000;

    @Param({"16", "64"})
    int d;

    LinearModelTable table;
    FeatureVector x;

    @Setup(Level.Trial)
    public void setUp() {
        table = LinearModelTable.allocateDirect(d, 10, 1 << 24, 1.0, 0.25, LinearModelTable.DEFAULT_REFACTOR_EVERY);
        x = new FeatureVector(d, 10).clear(d);
        for (int i = 0; i < d; i++) {
            x.set(i, 0.5 + i);
        }
    }

    @Setup(Level.Iteration)
    public void drain() {
        while (table.applyPendingObservations(1 << 16) > 0) {
            Thread.onSpinWait();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    @Benchmark
    @OperationsPerInvocation(OFFERS)
    public int offer() {
        int accepted = 0;
        for (int i = 0; i < OFFERS; i++) {
            accepted += table.offerObservation(i % 10, x, (i & 7) == 0 ? 1.0 : 0.0) ? 1 : 0;
        }
        if (accepted != OFFERS) {
            throw new IllegalStateException("the ring refused offers: the measurement would be of the refusal");
        }
        return accepted;
    }
}
