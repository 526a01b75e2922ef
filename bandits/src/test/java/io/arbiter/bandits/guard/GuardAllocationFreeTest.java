package io.arbiter.bandits.guard;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-decision pieces allocate nothing: the guardrail check (both its shortcut and its full path), its evidence,
 * and the share allocator (the memoised targets and a fresh projection per call). Measured with the JVM's per-thread
 * allocation counter around 50,000 calls after a warm-up round; the bound (4 KiB) leaves room for a stray counter
 * artefact, not for one object per call.
 */
class GuardAllocationFreeTest {
    private static final int CALLS = 50_000;

    @Test
    void guardrailAndShareAllocatorAllocateNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        final GuardrailEvidence evidence = new GuardrailEvidence();
        final ShareBounds bounds = ShareBounds.of(new double[] {0.1, 0.05, 0.0, 0.0}, new double[] {1, 1, 0.6, 1});
        final ShareAllocator allocator = new ShareAllocator(4);
        final int[] eligible = {0, 1, 2, 3};
        final double[] q = {0.01, 0.04, 0.9, 0.05};
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < CALLS; i++) {
                sink += rule.isHarmful(10_000 + i, 300 + (i & 63), 10_000, 200) ? 1 : 0; // full path
                sink += rule.isHarmful(10_000, 100, 10_000 + i, 200) ? 1 : 0; // shortcut
                sink += rule.evaluate(10_000 + i, 300, 10_000, 200, evidence) ? 1 : 0;
                q[3] = 0.05 + (i & 7) * 1e-3; // a new q every call: a fresh projection
                sink += allocator.apply(bounds, eligible, 4, q, i & 3, (i & 1023) / 1024.0);
                sink += allocator.apply(bounds, eligible, 4, q, (i + 1) & 3, (i & 511) / 512.0); // memoised
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            if (round == 1) {
                assertTrue(allocated < 4096, "allocated " + allocated + " bytes in " + CALLS + " rounds of calls");
            }
        }
        assertTrue(sink > 0);
    }
}
