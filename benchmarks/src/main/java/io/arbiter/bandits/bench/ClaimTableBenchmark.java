package io.arbiter.bandits.bench;

import io.arbiter.bandits.unit.ClaimTable;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Duplicate detection's claim, steady state, one thread: the off-heap {@link ClaimTable} of 2^22 slots (64 MiB,
 * 3.67 M claims) against the heap map it replaced (a {@code ConcurrentHashMap} of (nonce, issue time, kind) records
 * holding 2 M claims, the oldest removed as each new one goes in, as the window's expiry would).
 *
 * <ul>
 *   <li>{@code tableFresh}: a new key (a first notice), into a table kept full, so each claim past the first 3.67 M
 *       evicts; {@code tableDuplicate}: a key claimed before (a repeat), found.</li>
 *   <li>{@code mapFresh}: {@code putIfAbsent} of a new record and {@code remove} of the one 2 M older;
 *       {@code mapDuplicate}: {@code putIfAbsent} that finds one.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx2g"})
public class ClaimTableBenchmark {
    private static final int HELD = 1 << 21;
    private static final long NOW = 1_000_000L;
    private static final long EXPIRY = NOW + 604_800L;

    private record Claim(long nonce, long issuedAtMillis, int kind) {
    }

    ClaimTable table;
    ConcurrentHashMap<Claim, Boolean> map;
    long next;
    long probe;

    @Setup(Level.Trial)
    public void setUp() {
        table = new ClaimTable(22);
        map = new ConcurrentHashMap<>(HELD * 2);
        for (long i = 0; i < HELD; i++) {
            table.claim(ClaimTable.key(i, i, 1), EXPIRY, NOW);
            map.put(new Claim(i, i, 1), Boolean.TRUE);
        }
        next = HELD;
    }

    @Benchmark
    public boolean tableFresh() {
        final long i = next++;
        return table.claim(ClaimTable.key(i, i, 1), EXPIRY, NOW);
    }

    @Benchmark
    public boolean tableDuplicate() {
        final long i = (probe = probe * 6364136223846793005L + 1442695040888963407L) >>> 44; // < 2^20, held
        return table.claim(ClaimTable.key(i, i, 1), EXPIRY, NOW);
    }

    @Benchmark
    public boolean mapFresh() {
        final long i = next++;
        map.remove(new Claim(i - HELD, i - HELD, 1));
        return map.putIfAbsent(new Claim(i, i, 1), Boolean.TRUE) == null;
    }

    @Benchmark
    public boolean mapDuplicate() {
        final long i = (probe = probe * 6364136223846793005L + 1442695040888963407L) >>> 44;
        return map.putIfAbsent(new Claim(i, i, 1), Boolean.TRUE) == null;
    }
}
