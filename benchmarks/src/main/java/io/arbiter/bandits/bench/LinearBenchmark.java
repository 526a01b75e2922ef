package io.arbiter.bandits.bench;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
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
 * Linear Thompson sampling with 10 variants and dense features of dimension {@code d} (16 and 64), posteriors trained
 * on 5,000 observations. Each call takes the next of 64 feature vectors.
 * <ul>
 *   <li>{@code choose}: fill the features, one score draw per variant (O(d^2) each), the largest.</li>
 *   <li>{@code propensity}: {@code choose} plus the analytic propensity of the answer (bracketed quadrature).</li>
 *   <li>{@code applyOne}: the applier's cost per observation (offer, then apply: copy, Sherman–Morrison, mean,
 *       publish).</li>
 *   <li>{@code applyReplayed}: the same for another node's observation, replayed with its node and number (the
 *       model finds the node's replay position among {@value #SOURCES} nodes', compares, applies, writes it).</li>
 *   <li>The caller's side of an update (the offer into the ring) is {@link LinearOfferBenchmark}.</li>
 * </ul>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class LinearBenchmark {
    static final int VARIANTS = 10;
    static final int VECTORS = 64;
    /** Other nodes whose rows a replayed observation comes from, in turn: their positions fill the first slots. */
    static final int SOURCES = 8;

    @Param({"16", "64"})
    int d;

    LinearModelTable table;
    LinearThompson policy;
    double[][] vectors;

    @Setup(Level.Trial)
    public void setUp() {
        table = LinearModelTable.allocateDirect(d, VARIANTS, 1 << 22, 1.0, 0.25,
            LinearModelTable.DEFAULT_REFACTOR_EVERY);
        final int[] ordinals = new int[VARIANTS];
        for (int i = 0; i < VARIANTS; i++) {
            ordinals[i] = i;
        }
        policy = new LinearThompson(table, ordinals);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(3);
        vectors = new double[VECTORS][d];
        for (final double[] v : vectors) {
            v[0] = 1.0;
            for (int i = 1; i < d; i++) {
                v[i] = rng.nextDouble();
            }
        }
        final FeatureVector x = new FeatureVector(d, VARIANTS);
        for (int n = 0; n < 5_000; n++) {
            fill(x, vectors[n % VECTORS]);
            table.offerObservation(n % VARIANTS, x, rng.nextDouble() < 0.1 ? 1.0 : 0.0);
            table.applyPendingObservations(100);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    static void fill(FeatureVector x, double[] v) {
        x.clear(v.length);
        for (int i = 0; i < v.length; i++) {
            x.set(i, v[i]);
        }
    }

    /** Per-thread request state. */
    @State(Scope.Thread)
    public static class Request {
        final Workspace workspace = new Workspace(11, VARIANTS);
        final EligibleSet all = new EligibleSet(VARIANTS).all(VARIANTS);
        FeatureVector x;
        int next;
        long number;

        @Setup(Level.Trial)
        public void setUp(LinearBenchmark b) {
            x = new FeatureVector(b.d, VARIANTS);
        }

        double[] vector(LinearBenchmark b) {
            final double[] v = b.vectors[next];
            next = next + 1 == VECTORS ? 0 : next + 1;
            return v;
        }
    }

    /**
     * Outside JMH: the thread's CPU time per call of {@code choose} and {@code propensity} (d = {@code args[1]},
     * default 16) over {@code args[0]} calls (default 200,000) after as many warm-up calls, two rounds; with
     * {@code args[2]} = {@code apply}, of {@code applyOne} and {@code applyReplayed} instead, in turns, four rounds. On
     * a shared, loaded machine the CPU time is the steadier figure: it leaves out the time the thread waited for a
     * core.
     */
    public static void main(String[] args) {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final LinearBenchmark b = new LinearBenchmark();
        b.d = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        b.setUp();
        final Request r = new Request();
        r.setUp(b);
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        final boolean apply = args.length > 2 && "apply".equals(args[2]);
        final String[] names = apply ? new String[] {"applyOne", "applyReplayed"} : new String[] {"choose",
            "propensity"};
        double sink = 0;
        for (int round = 0; round < (apply ? 4 : 2); round++) {
            for (int k = 0; k < 2; k++) {
                for (int pass = 0; pass < 2; pass++) { // a warm-up pass, then the measured one
                    final long cpu0 = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < n; i++) {
                        sink += apply ? (k == 0 ? b.applyOne(r) : b.applyReplayed(r))
                            : k == 0 ? b.choose(r) : b.propensity(r);
                    }
                    if (pass == 1) {
                        System.out.printf(java.util.Locale.ROOT, "round %d %-13s d = %d  cpu %8.0f ns/op%n", round,
                            names[k], b.d, (threads.getCurrentThreadCpuTime() - cpu0) / (double) n);
                    }
                }
            }
        }
        b.tearDown();
        System.out.println(sink > 0 ? "" : " ");
    }

    @Benchmark
    @Group("choose")
    public int choose(Request r) {
        fill(r.x, r.vector(this));
        return policy.choose(r.x, r.all, r.workspace);
    }

    @Benchmark
    @Group("propensity")
    public double propensity(Request r) {
        fill(r.x, r.vector(this));
        final int chosen = policy.choose(r.x, r.all, r.workspace);
        return policy.propensity(r.x, r.all, chosen);
    }

    @Benchmark
    @Group("applyOne")
    public int applyOne(Request r) {
        fill(r.x, r.vector(this));
        table.offerObservation(r.next % VARIANTS, r.x, (r.next & 7) == 0 ? 1.0 : 0.0);
        return table.applyPendingObservations(1);
    }

    @Benchmark
    @Group("applyReplayed")
    public int applyReplayed(Request r) {
        fill(r.x, r.vector(this));
        final long number = ++r.number; // increasing for every source
        table.offerReplayed(r.next % VARIANTS, r.x, (r.next & 7) == 0 ? 1.0 : 0.0, 1 + number % SOURCES, number);
        return table.applyPendingObservations(1);
    }
}
