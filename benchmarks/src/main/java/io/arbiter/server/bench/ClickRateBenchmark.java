package io.arbiter.server.bench;

import io.arbiter.server.bid.pricing.ClickRateContexts;
import io.arbiter.server.bid.pricing.WinRateCurve;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The click-rate multiplier as the bid path reads it, and the count a billing notice adds, one thread, over a table
 * filled to {@code bidding.ctrMaxContexts} (4,096 pairs: 64 campaigns x 63 sites and each campaign's totals):
 * {@code multiplierTracked} looks up a tracked pair (its record and its campaign's totals), cycling over 1,024 of
 * them; {@code multiplierUntracked} a site never seen (one probe that finds a free slot, as on a fresh start);
 * {@code impression} counts a billed impression of a tracked pair (two atomic adds). {@code storage}: {@code direct}
 * (the constructor: direct memory) or {@code mapped} ({@code ClickRateContexts.mapFile} on a temporary file, as the
 * server runs it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ClickRateBenchmark {
    private static final int CAMPAIGNS = 64;
    private static final int SITES = 63;
    private static final int PROBES = 1024;

    @Param({"direct", "mapped"})
    public String storage;

    ClickRateContexts contexts;
    Path dir;
    final int[] slots = new int[PROBES];
    final long[] keys = new long[PROBES];
    int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if ("mapped".equals(storage)) {
            dir = Files.createTempDirectory("clickrate-bench");
            contexts = ClickRateContexts.mapFile(dir.resolve("clickrate.counts"), CAMPAIGNS * (SITES + 1), 300);
        } else {
            contexts = new ClickRateContexts(CAMPAIGNS * (SITES + 1), 300);
        }
        final SplittableRandom rng = new SplittableRandom(42);
        for (int c = 0; c < CAMPAIGNS; c++) {
            for (int s = 0; s < SITES; s++) {
                final long context = site(s);
                for (int i = 0; i < 50; i++) {
                    contexts.impression(c, context);
                    if (rng.nextInt(100) < 2 + s % 3) {
                        contexts.click(c, context);
                    }
                }
            }
        }
        if (contexts.size() != CAMPAIGNS * (SITES + 1)) {
            throw new IllegalStateException("not every pair tracked: " + contexts.size());
        }
        for (int i = 0; i < PROBES; i++) {
            slots[i] = rng.nextInt(CAMPAIGNS);
            keys[i] = site(rng.nextInt(SITES));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        contexts.close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("clickrate.counts"));
            Files.deleteIfExists(dir);
        }
    }

    private static long site(int s) {
        return WinRateCurve.context(false, "site" + s + ".example", 300, 250, 1);
    }

    @Benchmark
    public double multiplierTracked() {
        final int i = next++ & (PROBES - 1);
        return contexts.multiplier(slots[i], keys[i]);
    }

    @Benchmark
    public double multiplierUntracked() {
        final int i = next++ & (PROBES - 1);
        return contexts.multiplier(slots[i], keys[i] ^ 0x5555L);
    }

    @Benchmark
    public void impression() {
        final int i = next++ & (PROBES - 1);
        contexts.impression(slots[i], keys[i]);
    }
}
