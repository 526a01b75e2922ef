package io.arbiter.bandits.bench;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.PropensityMemo;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentPropensities;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
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
 * The segment model's request paths: 10 variants, 3 attributes (4 x 5 x 3 values) and one interaction (device x
 * country), segments holding realistic counts (a few hundred to a few thousand rewards per variant, rates 1-10%).
 * Each call takes the next of 60 contexts, so lookups and back-off reads walk different segments.
 * <ul>
 *   <li>{@code choose}: the decide path: reset, three attribute values hashed from strings, resolve (find or create
 *       the 4 segments), choose among all 10 variants (finest segment, back-off chain, 10 Beta draws).</li>
 *   <li>{@code chooseEligible}: the same with 7 of the 10 variants eligible.</li>
 *   <li>{@code update}: the reward path: reset from the decision's value hashes, find the 4 matched segments
 *       ({@code resolveForUpdate}), record the reward at the root and in each.</li>
 *   <li>{@code propensityAll}, {@code propensityEligible}: the cached propensity of the choice (all variants; 7 of
 *       10, memo hits after the first pass).</li>
 *   <li>{@code refreshOneSegment}: the background cost of one segment's draws (M = 4,096, 10 variants).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SegmentBenchmark {
    static final String[] DEVICES = {"mobile", "desktop", "tablet", "tv"};
    static final String[] COUNTRIES = {"DE", "FR", "US", "JP", "BR"};
    static final String[] VISITORS = {"new", "returning", "loyal"};
    static final int CONTEXTS = 60;
    static final int VARIANTS = 10;

    PosteriorTable root;
    SegmentStore store;
    SegmentedThompson model;
    SegmentPropensities propensities;
    final Workspace workspace = new Workspace(7, VARIANTS);
    final Workspace refresher = new Workspace(8, VARIANTS);
    final SegmentMatch match = new SegmentMatch();
    final SegmentMatch reward = new SegmentMatch();
    final PropensityMemo memo = new PropensityMemo(VARIANTS);
    final EligibleSet all = new EligibleSet(VARIANTS).all(VARIANTS);
    final EligibleSet seven = new EligibleSet(VARIANTS).all(VARIANTS).remove(2).remove(5).remove(7);
    final long[][] hashes = new long[CONTEXTS][3];
    int next;
    long now = 1_000_000;

    @Setup(Level.Trial)
    public void setUp() {
        root = PosteriorTable.allocateDirect(VARIANTS, 0L);
        store = SegmentStore.allocateDirect(1 << 12, 16, 1 << 14, 0L);
        final int[] arms = new int[VARIANTS];
        for (int i = 0; i < VARIANTS; i++) {
            arms[i] = root.allocateArm();
        }
        final ContextSpec spec = ContextSpec.builder().attributes("device", "country", "visitor")
            .interaction("device", "country").build();
        model = new SegmentedThompson("bench", spec, new BetaBernoulliThompson(), store, root, arms, arms, VARIANTS);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(42);
        for (int c = 0; c < CONTEXTS; c++) {
            match.reset(spec).value(0, DEVICES[c % 4]).value(1, COUNTRIES[c % 5]).value(2, VISITORS[c % 3]);
            model.resolve(match, true);
            for (int a = 0; a < 3; a++) {
                hashes[c][a] = match.valueHash(a);
            }
            for (int n = 0; n < 2_000; n++) { // 2,000 rewards per context: 120,000 in all
                final int v = rng.nextInt(VARIANTS);
                model.recordDecision(match, v);
                model.update(match, arms[v], v, rng.nextDouble() < 0.01 + 0.01 * v ? 1.0 : 0.0, n);
            }
        }
        propensities = new SegmentPropensities(model, SegmentPropensities.DEFAULT_DRAWS, 1024, 60_000, 600_000);
        for (int c = 0; c < CONTEXTS; c++) {
            choose();
            propensityAll();
        }
        propensities.refresh(refresher, now, Long.MAX_VALUE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
        root.close();
    }

    private int context() {
        final int c = next;
        next = c + 1 == CONTEXTS ? 0 : c + 1;
        return c;
    }

    @Benchmark
    public int choose() {
        final int c = context();
        match.reset(model.spec()).value(0, DEVICES[c % 4]).value(1, COUNTRIES[c % 5]).value(2, VISITORS[c % 3]);
        model.resolve(match, true);
        return model.choose(match, all, workspace, now);
    }

    @Benchmark
    public int chooseEligible() {
        final int c = context();
        match.reset(model.spec()).value(0, DEVICES[c % 4]).value(1, COUNTRIES[c % 5]).value(2, VISITORS[c % 3]);
        model.resolve(match, true);
        return model.choose(match, seven, workspace, now);
    }

    @Benchmark
    public int update() {
        final int c = context();
        final long[] h = hashes[c];
        reward.reset(model.spec()).valueHash(0, h[0]).valueHash(1, h[1]).valueHash(2, h[2]);
        model.resolveForUpdate(reward);
        final int v = c % VARIANTS;
        model.update(reward, model.rootArm(v), v, (c & 15) == 0 ? 1.0 : 0.0, now);
        return v;
    }

    @Benchmark
    public double propensityAll() {
        final int chosen = choose();
        return propensities.propensity(match, all, chosen, memo, now);
    }

    @Benchmark
    public double propensityEligible() {
        final int chosen = chooseEligible();
        return propensities.propensity(match, seven, chosen, memo, now);
    }

    @Benchmark
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int refreshOneSegment() {
        now += 60_000; // the root is due: one refresh of 4,096 joint draws of 10 variants
        return propensities.refresh(refresher, now, System.nanoTime()); // no budget beyond the root
    }

    /** The hashing part of {@link #choose} alone: three short strings. */
    @Benchmark
    public long hashValues() {
        final int c = context();
        return ContextKeys.valueHash(DEVICES[c % 4]) ^ ContextKeys.valueHash(COUNTRIES[c % 5])
            ^ ContextKeys.valueHash(VISITORS[c % 3]);
    }
}
