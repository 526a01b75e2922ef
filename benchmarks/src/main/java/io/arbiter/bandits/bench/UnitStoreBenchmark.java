package io.arbiter.bandits.bench;

import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.bandits.unit.UnitKeys;
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

import java.util.concurrent.TimeUnit;

/**
 * The per-unit stores on the decide path, over direct tables of 2^20 buckets for sticky assignments (10.5 M entries,
 * 256 MiB) and 2^19 for caps (5.2 M records, 448 MiB each: the records would not fit the fork's 2 GiB at 2^20), holding
 * {@code units} live units: 1,024 (the entries stay in cache: the cost of the protocol) or 1,048,576 (each call
 * misses the caches, as a busy server's would). Units are visited in a scrambled order; the clock advances 1 ms per
 * call.
 *
 * <ul>
 *   <li>{@code capTryAcquire}: check-and-count of an existing (unit, variant) entry, cap 255 in 3 s (each unit is
 *       visited a few times per period), so it always counts (a CAS); {@code capRefused}: an entry at its cap of 1 a
 *       day (read only).</li>
 *   <li>{@code capCount}: the bidder's read.</li>
 *   <li>{@code capNewUnit}: check-and-count of a unit never seen, cap 3 a minute, into a table full of lapsed entries
 *       (each call claims a bucket and replaces an expired entry).</li>
 *   <li>{@code stickyGet}: a live assignment; {@code stickyAssignExisting}: {@code assignIfAbsent} that finds one.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx2g"})
public class UnitStoreBenchmark {
    private static final long DAY = 86_400_000L;
    private static final long MINUTE = 60_000L;
    private static final long PERIOD = 3_000L;
    private static final long YEAR = 365 * DAY;

    @Param({"1024", "1048576"})
    int units;

    FrequencyCapStore caps;
    FrequencyCapStore refused;
    FrequencyCapStore fresh;
    StickyAssignments sticky;
    long[] keys;

    @Setup(Level.Trial)
    public void setUp() {
        caps = FrequencyCapStore.allocateDirect(19, 0L);
        refused = FrequencyCapStore.allocateDirect(19, 0L);
        sticky = StickyAssignments.allocateDirect(20, 0L);
        fresh = FrequencyCapStore.allocateDirect(16, 0L);
        keys = new long[units];
        for (int i = 0; i < units; i++) {
            keys[i] = UnitKeys.key(1, UnitKeys.unitHash("unit-" + i), i & 3);
            caps.increment(keys[i], PERIOD, 0);
            refused.increment(keys[i], DAY, 0);
            sticky.assign(keys[i], i & 7, YEAR, 0);
        }
        for (long i = 0; i < 2 * fresh.table().capacity(); i++) {
            fresh.tryAcquire(UnitKeys.key(2, i, 0), 3, MINUTE, 0); // fill with entries that lapse after a minute
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        caps.close();
        refused.close();
        sticky.close();
        fresh.close();
    }

    @State(Scope.Thread)
    public static class Cursor {
        long step;
        long now = 1_000;
        long newUnit = 1L << 40;

        int next(int units) {
            step += 0x9E3779B9L; // a scrambled walk over all units (the increment is odd, units a power of two)
            now++;
            return (int) (step & (units - 1));
        }
    }

    @Benchmark
    public boolean capTryAcquire(Cursor cursor) {
        final int i = cursor.next(units);
        return caps.tryAcquire(keys[i], 255, PERIOD, cursor.now);
    }

    @Benchmark
    public boolean capRefused(Cursor cursor) {
        final int i = cursor.next(units);
        return refused.tryAcquire(keys[i], 1, DAY, cursor.now);
    }

    @Benchmark
    public int capCount(Cursor cursor) {
        final int i = cursor.next(units);
        return caps.count(keys[i], PERIOD, cursor.now);
    }

    @Benchmark
    public boolean capNewUnit(Cursor cursor) {
        cursor.next(units);
        return fresh.tryAcquire(UnitKeys.key(2, cursor.newUnit++, 0), 3, MINUTE, MINUTE + cursor.now);
    }

    @Benchmark
    public int stickyGet(Cursor cursor) {
        final int i = cursor.next(units);
        return sticky.get(keys[i], cursor.now);
    }

    @Benchmark
    public int stickyAssignExisting(Cursor cursor) {
        final int i = cursor.next(units);
        return sticky.assignIfAbsent(keys[i], 3, YEAR, cursor.now);
    }
}
