package io.arbiter.bandits.context;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.GaussianThompson;
import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Ucb1;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contextual decide and update paths allocate nothing: the thread's allocation counter around 50,000 calls after a
 * warm-up round, as {@code AllocationFreeTest} does for the plain policies (bound: 4 KiB for 50,000 calls, room for a
 * stray JIT artefact but not for one object per call).
 */
class ContextualAllocationFreeTest {
    static final int CALLS = 50_000;
    static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    static final String[] COUNTRIES = {"DE", "FR", "US", "JP"};
    final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Body {
        long call(int i);
    }

    void assertAllocationFree(String what, Body body) {
        final long me = Thread.currentThread().getId();
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < CALLS; i++) {
                sink += body.call(i);
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            if (round == 1) {
                assertTrue(allocated < 4096, what + " allocated " + allocated + " bytes in " + CALLS + " calls");
            }
        }
        assertTrue(sink != Long.MIN_VALUE);
    }

    @Test
    void segmentDecideUpdateAndPropensitiesAllocateNothing() {
        for (final ThompsonPolicy policy : new ThompsonPolicy[] {new BetaBernoulliThompson(),
            new BetaBernoulliThompson(1, 1, 60_000, 10), new GaussianThompson(0, 0.01, 1, 1, 60_000, 10)}) {
            try (PosteriorTable root = PosteriorTable.allocateDirect(10, 0L);
                 SegmentStore store = SegmentStore.allocateDirect(1024, 4, 10_000, 0L)) {
                final int[] arms = new int[10];
                for (int i = 0; i < 10; i++) {
                    arms[i] = root.allocateArm();
                }
                final ContextSpec spec = ContextSpec.builder().attributes("device", "country", "visitor")
                    .interaction("device", "country").build();
                final SegmentedThompson model = new SegmentedThompson("alloc", spec, policy, store, root, arms, arms,
                    10);
                final SegmentPropensities propensities = new SegmentPropensities(model, 256, 64, 1_000, 60_000);
                final Workspace workspace = new Workspace(1, 10);
                final Workspace refresher = new Workspace(2, 10);
                final SegmentMatch match = new SegmentMatch();
                final SegmentMatch reward = new SegmentMatch();
                final PropensityMemo memo = new PropensityMemo(10);
                propensities.refresh(refresher, 0, Long.MAX_VALUE);
                assertAllocationFree(policy.name() + " segments", i -> {
                    final long now = 1_000L * i;
                    match.reset(spec).value(0, DEVICES[i % 3]).value(1, COUNTRIES[i % 4]).value(2, "returning");
                    model.resolve(match, true);
                    final EligibleSet eligible = (i & 1) == 0 ? workspace.eligible().all(10)
                        : workspace.eligible().all(10).remove(i % 10).remove(3);
                    final int chosen = model.choose(match, eligible, workspace, now);
                    model.recordDecision(match, chosen);
                    final double p = propensities.propensity(match, eligible, chosen, memo, now);
                    reward.reset(spec).valueHash(0, match.valueHash(0)).valueHash(1, match.valueHash(1))
                        .valueHash(2, match.valueHash(2));
                    model.resolveForUpdate(reward);
                    model.update(reward, arms[chosen], chosen, (i & 3) == 0 ? 1.0 : 0.0, now);
                    return chosen + model.rank(match, eligible, 3, workspace, now) + (long) (p * 1000);
                });
            }
        }
    }

    @Test
    void eligibleChoicesOfThePlainPoliciesAllocateNothing() {
        try (PosteriorTable table = PosteriorTable.allocateDirect(10, 0L)) {
            final int[] arms = new int[10];
            for (int i = 0; i < 10; i++) {
                arms[i] = table.allocateArm();
            }
            final Workspace workspace = new Workspace(3, 10);
            for (final Policy policy : List.of(new BetaBernoulliThompson(), new Ucb1())) {
                assertAllocationFree(policy.name() + " eligible", i -> {
                    final EligibleSet eligible = workspace.eligible().none(10).add(i % 10).add((i + 3) % 10);
                    final int chosen = policy.choose(table, arms, eligible, workspace, i);
                    policy.update(table, arms[chosen], (i & 7) == 0 ? 1 : 0, i);
                    return chosen + policy.rank(table, arms, eligible, 2, workspace, i);
                });
            }
        }
    }

    @Test
    void linearDecideOfferApplyAndPropensityAllocateNothing() {
        final LinearSpec spec = LinearSpec.of(List.of("recency", "pages"), List.of("device"), 8);
        try (LinearModelTable table = LinearModelTable.allocateDirect(spec.dimension(), 10, 1 << 20, 1.0, 0.25,
            100)) {
            final int[] ordinals = new int[10];
            for (int i = 0; i < 10; i++) {
                ordinals[i] = i;
            }
            final LinearThompson policy = new LinearThompson(table, ordinals);
            final Workspace workspace = new Workspace(4, 10);
            final FeatureVector x = new FeatureVector(spec.dimension(), 10);
            final long[] devices = {ContextKeys.valueHash("mobile"), ContextKeys.valueHash("desktop")};
            assertAllocationFree("linear", i -> {
                spec.begin(x).set(spec.featureIndex("recency"), (i % 100) / 100.0).set(2, 0.5);
                x.set(spec.bucketIndex(0, devices[i & 1]), 1.0);
                final EligibleSet eligible = workspace.eligible().all(10).remove(i % 10);
                final int chosen = policy.choose(x, eligible, workspace);
                final double p = policy.propensity(x, eligible, chosen);
                policy.update(policy.ordinal(chosen), x, (i & 3) == 0 ? 1.0 : 0.0);
                table.applyPendingObservations(4);
                return chosen + (long) (p * 1000);
            });
            // Another node's reward replayed (its node and number), a number offered twice, a position moved.
            final long[] number = {0};
            assertAllocationFree("linear replayed", i -> {
                spec.begin(x).set(spec.featureIndex("recency"), (i % 100) / 100.0).set(2, 0.5);
                final long source = 1 + (i & 3);
                table.offerReplayed(i % 10, x, (i & 3) == 0 ? 1.0 : 0.0, source, ++number[0]);
                table.offerReplayed(i % 10, x, 1.0, source, number[0]); // skipped: the model has it
                table.offerReplayedUpTo(source + 4, number[0]);
                table.applyPendingObservations(8);
                return table.replayedUpTo(source);
            });
        }
    }
}
