package io.arbiter.bandits.bench;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
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

/** The samplers on their own, to attribute the cost of a Thompson choice. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SamplerBenchmark {
    final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(1);
    double a = 61.0;
    double b = 3_940.0;
    double small = 0.3;

    @Benchmark
    public long nextLong() {
        return rng.nextLong();
    }

    @Benchmark
    public double normal() {
        return Samplers.normal(rng);
    }

    @Benchmark
    public double gamma() {
        return Samplers.gamma(rng, b);
    }

    @Benchmark
    public double gammaBelowOne() {
        return Samplers.gamma(rng, small);
    }

    @Benchmark
    public double beta() {
        return Samplers.beta(rng, a, b);
    }
}
