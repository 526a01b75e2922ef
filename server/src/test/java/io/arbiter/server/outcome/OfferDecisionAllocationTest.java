package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** offerDecision allocates nothing per call once an arm has been seen (the hot path of every decision). */
class OfferDecisionAllocationTest {

    @TempDir
    Path journalDir;

    @Test
    void offeringADecisionAllocatesNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        try (PgFixture pg = PgFixture.shared()) {
            // Nothing ships (dead pool), so the 64 MiB ring only fills; sampling at 0.5 exercises both paths.
            final OutcomePipeline pipeline = pg.start(pg.deadPool(), PgFixture.config(journalDir)
                    .withRingCapacityBytes(64 << 20).withDecisionSampleRate(0.5));
            final OutcomeEvent[] decisions = new OutcomeEvent[1024];
            for (int i = 0; i < decisions.length; i++) {
                decisions[i] = new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L + i, "decision-" + i,
                        "experiment-" + (i % 4), "variant-é-" + (i % 3), "user-" + i, 0.25, 0);
                decisions[i].id().hashCode(); // String caches its hash on first use
            }
            for (int i = 0; i < 200_000; i++) {
                pipeline.offerDecision(decisions[i & 1023]);
            }
            final long thread = Thread.currentThread().getId();
            final int n = 100_000;
            final long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < n; i++) {
                pipeline.offerDecision(decisions[i & 1023]);
            }
            final long allocated = threads.getThreadAllocatedBytes(thread) - before;
            System.out.println("offerDecision: " + allocated + " bytes allocated for " + n + " calls");
            // Allow a little noise from the allocation counter itself; one object per call would be >= 1.6 MB.
            assertTrue(allocated < 64 * 1024, allocated + " bytes for " + n + " offers");
            PgFixture.await(pipeline.close());
        }
    }
}
