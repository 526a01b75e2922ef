package io.arbiter.bandits.context;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segment propensities against brute-force Monte Carlo, the fallbacks before a refresh, eviction. */
class SegmentPropensitiesTest {
    static final int M = 4096;
    final PosteriorTable root = PosteriorTable.allocateDirect(8, 0L);
    final SegmentStore store = SegmentStore.allocateDirect(256, 4, 4096, 0L);
    final Workspace workspace = new Workspace(21, 8);
    final Workspace refresher = new Workspace(22, 8);
    final SegmentMatch match = new SegmentMatch();
    final PropensityMemo memo = new PropensityMemo(8);
    SegmentedThompson model;

    @AfterEach
    void close() {
        root.close();
        store.close();
    }

    void setUp(int variants) {
        for (int i = 0; i < variants; i++) {
            root.allocateArm();
        }
        final int[] arms = new int[variants];
        for (int i = 0; i < variants; i++) {
            arms[i] = i;
        }
        model = new SegmentedThompson("p", ContextSpec.builder().attributes("device").priorStrength(20).build(),
            new BetaBernoulliThompson(), store, root, arms, arms, variants);
    }

    void request(String device) {
        match.reset(model.spec()).value(0, device);
        model.resolve(match, true);
    }

    void rewards(int position, int trials, int successes) {
        for (int i = 0; i < trials; i++) {
            model.update(match, position, position, i < successes ? 1.0 : 0.0, 0);
        }
    }

    /**
     * Cached propensities match the frequencies of N = 200,000 choices within 5 standard deviations of the difference
     * plus the estimator's bias bound |E| / (2M), for four eligible sets. Per comparison the false-failure rate is
     * below 6e-7 (normal approximation); 10 comparisons, so below 1e-5 for a fresh seed (the seeds are fixed).
     */
    @Test
    void cachedPropensitiesMatchBruteForceForAnyEligibleSet() {
        setUp(4);
        request("mobile");
        rewards(0, 60, 20);
        rewards(1, 50, 18);
        rewards(2, 40, 12);
        rewards(3, 30, 12);
        final SegmentPropensities propensities = new SegmentPropensities(model, M, 16, 60_000, 60_000);
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        propensities.propensity(match, workspace.eligible().all(4), 0, memo, 0); // requests the segment
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        assertEquals(1, propensities.cachedSegments());
        final int[][] sets = {{0, 1, 2, 3}, {0, 2, 3}, {1, 3}, {2}};
        final int n = 200_000;
        for (final int[] set : sets) {
            final EligibleSet eligible = workspace.eligible().none(4);
            for (final int p : set) {
                eligible.add(p);
            }
            final int[] chosen = new int[4];
            for (int i = 0; i < n; i++) {
                chosen[model.choose(match, eligible, workspace, 0)]++;
            }
            final long fallbacks = propensities.parentFallbacks();
            for (final int p : set) {
                final double truth = chosen[p] / (double) n;
                final double estimate = propensities.propensity(match, eligible, p, memo, 0);
                final double sd = Math.sqrt(truth * (1 - truth) * (1.0 / M + 1.0 / n));
                assertEquals(truth, estimate, 5 * sd + set.length / (2.0 * M) + 1e-12,
                    "position " + p + " of " + java.util.Arrays.toString(set));
            }
            assertEquals(fallbacks, propensities.parentFallbacks(), "the segment's own draws were read");
        }
        assertTrue(memo.hits() > 0, "repeated eligible sets hit the memo");
    }

    /**
     * Eight restricted eligible sets in turn (each variant capped in turn, as a frequency cap leaves them) over the
     * same draws: one pass each, then memo hits, whatever the sets' hashes (a direct-mapped memo let two of them evict
     * each other), each read equal to a fresh pass's; a single eligible variant reads exactly 1 with no pass.
     */
    @Test
    void anyEightEligibleSetsStayMemoisedAndOneEligibleVariantNeedsNoPass() {
        setUp(8);
        request("mobile");
        for (int p = 0; p < 8; p++) {
            rewards(p, 40, 8 + 2 * p);
        }
        final SegmentPropensities propensities = new SegmentPropensities(model, M, 16, 60_000, 60_000);
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        propensities.propensity(match, workspace.eligible().all(8), 0, memo, 0); // requests the segment
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        final double[][] fresh = new double[8][8];
        for (int capped = 0; capped < 8; capped++) {
            final EligibleSet eligible = workspace.eligible().all(8).remove(capped);
            for (int p = 0; p < 8; p++) {
                if (p != capped) {
                    fresh[capped][p] = propensities.propensity(match, eligible, p, new PropensityMemo(8), 0);
                }
            }
        }
        for (int round = 0; round < 20; round++) {
            for (int capped = 0; capped < 8; capped++) {
                final EligibleSet eligible = workspace.eligible().all(8).remove(capped);
                for (int p = 0; p < 8; p++) {
                    if (p != capped) {
                        assertEquals(fresh[capped][p], propensities.propensity(match, eligible, p, memo, 0));
                    }
                }
            }
        }
        assertEquals(8, memo.misses(), "one pass per eligible set");
        final double single = propensities.propensity(match, workspace.eligible().none(8).add(3), 3, memo, 0);
        assertEquals(1.0, single);
        assertEquals(8, memo.misses(), "one eligible variant needs no pass");
    }

    @Test
    void beforeItsFirstRefreshASegmentReadsItsParentThenItsOwn() {
        setUp(2);
        final SegmentPropensities propensities = new SegmentPropensities(model, M, 16, 60_000, 60_000);
        request("tablet");
        assertEquals(0.5, propensities.propensity(match, workspace.eligible().all(2), 0, memo, 0), 1e-12);
        assertEquals(1, propensities.uniformFallbacks(), "no refresh yet: uniform");
        request("mobile");
        rewards(0, 200, 20); // the segment strongly prefers variant 1 (10% against 90%) ...
        rewards(1, 200, 180);
        for (int i = 0; i < 20_000; i++) {
            root.recordReward(0, i % 20 == 0 ? 0 : 1, 0, 0); // ... the root, from other traffic, variant 0 (95%)
        }
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        final double parent = propensities.propensity(match, workspace.eligible().all(2), 1, memo, 0);
        assertEquals(1, propensities.parentFallbacks());
        assertTrue(parent < 0.05, "the root's view: " + parent);
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        final double own = propensities.propensity(match, workspace.eligible().all(2), 1, memo, 0);
        assertEquals(1, propensities.parentFallbacks());
        assertTrue(own > 0.95, "the segment's own draws: " + own);
    }

    @Test
    void aHopelessVariantStillHasAPositivePropensity() {
        setUp(2);
        request("mobile");
        rewards(0, 5000, 4500);
        rewards(1, 5000, 50);
        final SegmentPropensities propensities = new SegmentPropensities(model, M, 16, 60_000, 60_000);
        propensities.propensity(match, workspace.eligible().all(2), 1, memo, 0);
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        final double p = propensities.propensity(match, workspace.eligible().all(2), 1, memo, 0);
        assertTrue(p > 0 && p <= 1.0 / M, "propensity " + p);
        final double q = propensities.propensity(match, workspace.eligible().none(2).add(1), 1, memo, 0);
        assertEquals((M + 0.5) / (M + 0.5), q, 1e-12, "the only eligible variant");
    }

    @Test
    void theLeastRecentlyUsedSegmentIsEvictedAndIdleOnesExpire() {
        setUp(2);
        final SegmentPropensities propensities = new SegmentPropensities(model, 64, 1, 1_000, 5_000);
        request("a");
        propensities.propensity(match, workspace.eligible().all(2), 0, memo, 0);
        propensities.refresh(refresher, 0, Long.MAX_VALUE);
        request("b");
        propensities.propensity(match, workspace.eligible().all(2), 0, memo, 10);
        propensities.refresh(refresher, 10, Long.MAX_VALUE);
        assertEquals(1, propensities.cachedSegments());
        request("a");
        final long before = propensities.parentFallbacks();
        propensities.propensity(match, workspace.eligible().all(2), 0, memo, 20);
        assertEquals(before + 1, propensities.parentFallbacks(), "a was evicted for b");
        propensities.refresh(refresher, 20, Long.MAX_VALUE); // a comes back, b goes
        assertEquals(1, propensities.cachedSegments());
        propensities.propensity(match, workspace.eligible().all(2), 0, memo, 30);
        assertEquals(before + 1, propensities.parentFallbacks(), "a is cached again");
        propensities.refresh(refresher, 20_000, Long.MAX_VALUE);
        assertEquals(0, propensities.cachedSegments(), "idle for 5 s: evicted");
    }
}
