package io.arbiter.bandits.stress;

import io.arbiter.bandits.context.SegmentStore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress tests of {@link SegmentStore}'s lock-free claims: a segment created twice, a block allocated twice or a
 * budget overrun is a FORBIDDEN outcome. Each state gets a small heap-backed store ({@link SegmentStore#allocateHeap}).
 */
public final class SegmentStoreStress {
    static final long EXPERIMENT = 77;

    private SegmentStoreStress() {
    }

    @JCStressTest
    @Description("Two threads create the same segment at once: one creates it, the other finds it.")
    @Outcome(id = "1, 1, 4, 1", expect = ACCEPTABLE, desc = "one slot, one segment, one block of 4 arms, ready")
    @Outcome(expect = FORBIDDEN, desc = "the segment created twice (two slots, two counts or two blocks)")
    @State
    public static class ConcurrentCreation {
        final SegmentStore store = SegmentStore.allocateHeap(16, 1, 64, 0L);
        int first;
        int second;

        @Actor
        public void first() {
            first = store.findOrCreate(EXPERIMENT, 1, 42, 3, 100);
        }

        @Actor
        public void second() {
            second = store.findOrCreate(EXPERIMENT, 1, 42, 3, 100);
        }

        @Arbiter
        public void read(IIII_Result r) {
            r.r1 = first == second && first >= 0 ? 1 : 0;
            r.r2 = (int) store.segments();
            r.r3 = store.arms().armsAllocated();
            r.r4 = store.state(first) == SegmentStore.READY ? 1 : 0;
        }
    }

    @JCStressTest
    @Description("Two threads create different segments whose keys start probing at the same slot.")
    @Outcome(id = "1, 2, 8, 2", expect = ACCEPTABLE, desc = "two slots, two segments, two blocks, both findable")
    @Outcome(expect = FORBIDDEN, desc = "a segment lost or overwritten")
    @State
    public static class CollidingKeys {
        final SegmentStore store = SegmentStore.allocateHeap(16, 1, 64, 0L);
        int first;
        int second;

        @Actor
        public void first() {
            first = store.findOrCreate(EXPERIMENT, 1, 3, 3, 100);
        }

        @Actor
        public void second() {
            second = store.findOrCreate(EXPERIMENT, 1, 3 + 16, 3, 100);
        }

        @Arbiter
        public void read(IIII_Result r) {
            r.r1 = first != second && first >= 0 && second >= 0 ? 1 : 0;
            r.r2 = (int) store.segments();
            r.r3 = store.arms().armsAllocated();
            r.r4 = (store.find(3) == first ? 1 : 0) + (store.find(3 + 16) == second ? 1 : 0);
        }
    }

    @JCStressTest
    @Description("An experiment with maxSegments = 1: two threads create two different segments of it.")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "one created, one refused, one counted")
    @Outcome(expect = FORBIDDEN, desc = "the budget overrun, or both refused")
    @State
    public static class ExperimentBudget {
        final SegmentStore store = SegmentStore.allocateHeap(16, 1, 64, 0L);
        int first;
        int second;

        @Actor
        public void first() {
            first = store.findOrCreate(EXPERIMENT, 1, 5, 3, 1);
        }

        @Actor
        public void second() {
            second = store.findOrCreate(EXPERIMENT, 1, 6, 3, 1);
        }

        @Arbiter
        public void read(III_Result r) {
            r.r1 = (first >= 0 ? 1 : 0) + (second >= 0 ? 1 : 0);
            r.r2 = (first == SegmentStore.REFUSED_EXPERIMENT_FULL ? 1 : 0)
                + (second == SegmentStore.REFUSED_EXPERIMENT_FULL ? 1 : 0);
            r.r3 = (int) store.segments(EXPERIMENT);
        }
    }

    @JCStressTest
    @Description("A segment made for 3 variants (4 arms) is updated for a variant added later (ordinal 5) by two "
        + "threads at once: one claims and allocates the new block; the other reads the same arm, or meets the block "
        + "being made and skips (counted).")
    @Outcome(id = "5, 5, 12, 0", expect = ACCEPTABLE, desc = "both got arm 5 of the single new block of 8")
    @Outcome(id = {"5, -1, 12, 1", "-1, 5, 12, 1"}, expect = ACCEPTABLE,
        desc = "one met the block being made: skipped, counted")
    @Outcome(expect = FORBIDDEN, desc = "two blocks allocated, two different arms, or an uncounted skip")
    @State
    public static class LateVariantBlock {
        final SegmentStore store = SegmentStore.allocateHeap(16, 1, 64, 0L);
        final int slot = store.findOrCreate(EXPERIMENT, 1, 9, 3, 100);

        @Actor
        public void first(IIII_Result r) {
            r.r1 = store.armForUpdate(slot, 5);
        }

        @Actor
        public void second(IIII_Result r) {
            r.r2 = store.armForUpdate(slot, 5);
        }

        @Arbiter
        public void read(IIII_Result r) {
            r.r3 = store.arms().armsAllocated();
            r.r4 = (int) store.skippedPending();
        }
    }
}
