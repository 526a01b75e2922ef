package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.arbiter.bandits.policy.ThompsonBehaviourTest.identity;
import static io.arbiter.bandits.policy.ThompsonBehaviourTest.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decide and update paths allocate nothing: measured with the JVM's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}) around 50,000 calls after warm-up. The bound
 * (4 KiB for 50,000 calls) leaves room for a stray JIT or counter artefact but not for one object per call.
 * (JMH with {@code -prof gc} gives the same answer in B/op: see docs/BENCHMARKS.md.)
 */
class AllocationFreeTest {
    static final int CALLS = 50_000;

    @Test
    void chooseRankAndUpdateAllocateNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        final Policy[] policies = {new BetaBernoulliThompson(), new BetaBernoulliThompson(0.5, 0.5, 60_000, 10),
            new GaussianThompson(), new GaussianThompson(0, 0.01, 1, 1, 60_000, 10), new Ucb1(),
            new EpsilonGreedy(0.1), new UniformRandom()};
        try (PosteriorTable table = table(10)) {
            final int[] arms = identity(10);
            final Workspace workspace = new Workspace(1, 10);
            for (final Policy policy : policies) {
                long sink = 0;
                for (int round = 0; round < 2; round++) { // round 0 warms up (and lets the JIT compile)
                    final long before = threads.getThreadAllocatedBytes(me);
                    for (int i = 0; i < CALLS; i++) {
                        final long now = 1_000L * i;
                        final int chosen = policy.choose(table, arms, workspace, now);
                        table.recordDecision(arms[chosen]);
                        policy.update(table, arms[chosen], (i & 3) == 0 ? 1.0 : 0.0, now);
                        sink += policy.rank(table, arms, 3, workspace, now) + workspace.ranked(0);
                    }
                    final long allocated = threads.getThreadAllocatedBytes(me) - before;
                    if (round == 1) {
                        assertTrue(allocated < 4096, policy.name() + " allocated " + allocated + " bytes in "
                            + CALLS + " decide+update+rank calls");
                    }
                }
                assertTrue(sink > 0);
            }
        }
    }

    /** No locks on the hot path: the main code uses neither {@code synchronized} nor java.util.concurrent.locks. */
    @Test
    void mainCodeHasNoLocks() throws Exception {
        final Path main = Path.of("src/main/java/io/arbiter/bandits");
        final List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.toString().contains("/sim/")) // the simulator is not on the server's paths
                .filter(AllocationFreeTest::usesLocks)
                .collect(Collectors.toList());
        }
        assertEquals(List.of(), offenders);
    }

    private static boolean usesLocks(Path file) {
        try {
            final String source = Files.readString(file);
            return source.contains("synchronized") || source.contains("java.util.concurrent.locks")
                || source.contains(".wait(");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
