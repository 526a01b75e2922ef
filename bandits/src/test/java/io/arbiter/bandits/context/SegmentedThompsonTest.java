package io.arbiter.bandits.context;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.GaussianThompson;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The back-off prior of {@link SegmentedThompson}: subtraction, capping, the three models, the levels. */
class SegmentedThompsonTest {
    static final double EXACT = 1e-9;
    final PosteriorTable root = PosteriorTable.allocateDirect(8, 0L);
    final SegmentStore store = SegmentStore.allocateDirect(256, 4, 4096, 0L);
    final Workspace workspace = new Workspace(11, 8);
    final SegmentMatch match = new SegmentMatch();
    final double[] stats = new double[6];

    @AfterEach
    void close() {
        root.close();
        store.close();
    }

    static ContextSpec spec(double priorStrength) {
        return ContextSpec.builder().attributes("device", "country").interaction("device", "country")
            .priorStrength(priorStrength).maxSegments(100).build();
    }

    SegmentedThompson model(ContextSpec spec, ThompsonPolicy policy, int variants) {
        final int[] arms = new int[variants];
        final int[] ordinals = new int[variants];
        for (int i = 0; i < variants; i++) {
            while (root.armsAllocated() <= i) {
                root.allocateArm();
            }
            arms[i] = i;
            ordinals[i] = i;
        }
        return new SegmentedThompson("hero", spec, policy, store, root, arms, ordinals, variants);
    }

    SegmentMatch request(SegmentedThompson model, String device, String country, boolean create) {
        match.reset(model.spec());
        if (device != null) {
            match.value(0, device);
        }
        if (country != null) {
            match.value(1, country);
        }
        model.resolve(match, create);
        return match;
    }

    /** Rewards straight into the root arm, as traffic from other segments would leave them. */
    void rootRewards(int arm, int trials, int successes, long now) {
        for (int i = 0; i < trials; i++) {
            root.recordReward(arm, i < successes ? 1.0 : 0.0, now, 0);
        }
    }

    void rewards(SegmentedThompson model, SegmentMatch m, int position, int trials, int successes, long now) {
        for (int i = 0; i < trials; i++) {
            model.update(m, model.rootArm(position), model.ordinal(position), i < successes ? 1.0 : 0.0, now);
        }
    }

    @Test
    void aNewSegmentTakesItsParentsPosteriorCappedAtPriorStrength() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        rootRewards(0, 1000, 300, 0);
        rootRewards(1, 1000, 100, 0);
        request(model, "mobile", null, true);
        assertEquals(1, match.decidingLevel());
        model.effectiveStatistics(match, 0, workspace, 0, stats);
        assertArrayEquals(new double[] {50, 15, 15}, java.util.Arrays.copyOf(stats, 3), EXACT);
        model.effectiveStatistics(match, 1, workspace, 0, stats);
        assertArrayEquals(new double[] {50, 5, 5}, java.util.Arrays.copyOf(stats, 3), EXACT);
    }

    /**
     * The draws of a new segment are the capped parent's posterior Beta(1 + 15, 1 + 35): a Kolmogorov-Smirnov test
     * of 20,000 draws at alpha 1e-4 (false-failure rate 1e-4 for a fresh seed; the seed is fixed, so deterministic).
     */
    @Test
    void aNewSegmentSamplesLikeItsCappedParent() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        rootRewards(0, 1000, 300, 0);
        request(model, "mobile", null, true);
        final double[] draws = new double[20_000];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = model.sample(match, 0, workspace, 0);
        }
        final double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new BetaDistribution(16, 36), draws);
        assertTrue(p > 1e-4, "KS p-value " + p);
        final double[] uncapped = new double[20_000];
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(5);
        for (int i = 0; i < uncapped.length; i++) {
            uncapped[i] = Samplers.beta(rng, 301, 701);
        }
        final double q = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(draws, uncapped);
        assertTrue(q < 1e-6, "the test has power: the uncapped parent is rejected, p = " + q);
    }

    @Test
    void theSegmentsOwnDataIsSubtractedFromItsParentBeforeCapping() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        rootRewards(0, 1000, 300, 0);
        request(model, "mobile", null, true);
        rewards(model, match, 0, 200, 120, 0); // root now 1200 / 420, segment 200 / 120
        assertEquals(1200, root.trials(0));
        model.effectiveStatistics(match, 0, workspace, 0, stats);
        assertArrayEquals(new double[] {50 + 200, 15 + 120, 15 + 120}, java.util.Arrays.copyOf(stats, 3), EXACT);
    }

    @Test
    void anUnreachedCapGivesTheParentsTotalsAndAZeroCapNone() {
        final SegmentedThompson uncapped = model(spec(1e12), new BetaBernoulliThompson(), 2);
        rootRewards(0, 1000, 300, 0);
        request(uncapped, "mobile", null, true);
        rewards(uncapped, match, 0, 200, 120, 0);
        uncapped.effectiveStatistics(match, 0, workspace, 0, stats);
        assertArrayEquals(new double[] {1200, 420, 420}, java.util.Arrays.copyOf(stats, 3), EXACT);
        final SegmentedThompson independent = model(spec(0), new BetaBernoulliThompson(), 2);
        request(independent, "mobile", null, false);
        independent.effectiveStatistics(match, 0, workspace, 0, stats);
        assertArrayEquals(new double[] {200, 120, 120}, java.util.Arrays.copyOf(stats, 3), EXACT);
    }

    @Test
    void aSegmentMovesAwayFromItsParentAsItsEvidenceGrows() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        rootRewards(0, 100_000, 30_000, 0);
        request(model, "mobile", null, true);
        final double[] means = new double[4];
        final int[] own = {0, 100, 1000, 10_000};
        int done = 0;
        for (int i = 0; i < own.length; i++) {
            rewards(model, match, 0, own[i] - done, (own[i] - done) * 8 / 10, 0);
            done = own[i];
            means[i] = model.posteriorMean(match, 0, workspace, 0);
        }
        assertEquals(0.3, means[0], 0.02);
        for (int i = 1; i < means.length; i++) {
            assertTrue(means[i] > means[i - 1], "mean rises with the segment's own 80% evidence: "
                + java.util.Arrays.toString(means));
        }
        assertEquals((1 + 15 + 8000) / (2.0 + 50 + 10_000), means[3], EXACT);
    }

    @Test
    void gaussianSegmentsBackOffInCountSumAndSquares() {
        final GaussianThompson policy = new GaussianThompson(0, 0.01, 1, 1, 0, 100);
        final SegmentedThompson model = model(spec(50), policy, 2);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(3);
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < 5000; i++) {
            final double r = 2.0 + Samplers.normal(rng);
            root.recordReward(0, r, 0, 0);
            sum += r;
            squares += r * r;
        }
        request(model, "mobile", null, true);
        model.effectiveStatistics(match, 0, workspace, 0, stats);
        final double f = 50.0 / 5000;
        assertArrayEquals(new double[] {50, f * sum, f * squares}, java.util.Arrays.copyOf(stats, 3), 1e-6);
        assertEquals(policy.meanOfStatistics(5000, sum, squares), model.posteriorMean(match, 0, workspace, 0), 1e-3);
        for (int i = 0; i < 2000; i++) {
            model.update(match, 0, 0, 5.0 + Samplers.normal(rng), 0);
        }
        assertEquals(5.0, model.posteriorMean(match, 0, workspace, 0), 0.1);
        double drawn = 0;
        for (int i = 0; i < 4000; i++) {
            drawn += model.sample(match, 0, workspace, 0);
        }
        assertEquals(5.0, drawn / 4000, 0.1);
    }

    @Test
    void discountedSegmentsUseTheDecayedSumsAtEveryLevel() {
        final long h = 10_000;
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(1, 1, h, 100), 2);
        for (int i = 0; i < 1000; i++) {
            root.recordReward(0, i < 300 ? 1.0 : 0.0, 0, h);
        }
        request(model, "mobile", null, true);
        model.effectiveStatistics(match, 0, workspace, h, stats); // one half-life later: root weighs 500 / 150
        assertArrayEquals(new double[] {50, 15, 15}, java.util.Arrays.copyOf(stats, 3), 1e-6);
        rewards(model, match, 0, 100, 80, 0);
        model.effectiveStatistics(match, 0, workspace, h, stats); // own 50 / 40; the rest of the root 500 / 150
        assertEquals(50 + 50, stats[0], 1e-6);
        assertEquals(15 + 40, stats[1], 1e-6);
        model.effectiveStatistics(match, 0, workspace, 20 * h, stats); // everything forgotten: the prior
        assertEquals(1100.0 / (1 << 20), stats[0], 1e-9);
    }

    @Test
    void theFinestMatchDecidesAndBacksOffThroughItsBestObservedParent() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        request(model, "mobile", "DE", true);
        assertEquals(3, match.decidingLevel(), "the interaction is the finest match");
        rewards(model, match, 0, 10, 5, 0);
        request(model, "mobile", null, false);
        rewards(model, match, 0, 5, 1, 0); // the device segment alone: now better observed than the country one
        request(model, "mobile", "DE", false);
        assertEquals(3, match.chainLength());
        assertArrayEquals(new int[] {3, 1, 0}, new int[] {match.chainLevel(0), match.chainLevel(1),
            match.chainLevel(2)});
        request(model, null, "DE", false);
        assertEquals(2, match.decidingLevel());
        request(model, "tablet", "DE", false);
        assertEquals(2, match.decidingLevel(), "uncreated segments (no create on rewards) do not decide");
        assertEquals(-1, match.slot(1));
        model.effectiveStatistics(request(model, "mobile", "DE", false), 0, workspace, 0, stats);
        // chain root (15 / 6) -> device (15 / 6, nothing left to back off to) -> interaction (10 / 5)
        assertArrayEquals(new double[] {15, 6, 6}, java.util.Arrays.copyOf(stats, 3), EXACT);
    }

    @Test
    void aSubInteractionIsPreferredToItsAttributesAsAParent() {
        final ContextSpec spec = ContextSpec.builder().attributes("a", "b", "c").interaction("a", "b")
            .interaction("a", "b", "c").build();
        assertArrayEquals(new int[] {1, 2, 3, 4}, spec.levelParents(5));
        final SegmentedThompson model = new SegmentedThompson("x", spec, new BetaBernoulliThompson(), store, root,
            new int[] {0}, new int[] {0}, 1);
        root.allocateArm();
        match.reset(spec).value(0, "1").value(1, "2").value(2, "3");
        model.resolve(match, true);
        assertEquals(5, match.decidingLevel());
        assertEquals(4, match.chainLevel(1), "a x b x c backs off to a x b");
        assertEquals(0, match.chainLevel(3));
    }

    @Test
    void aDecisionCountsInEveryMatchedSegmentAndTheRoot() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 3);
        request(model, "mobile", "DE", true);
        model.recordDecision(match, 2);
        assertEquals(1, root.decisions(2));
        for (int level = 1; level <= 3; level++) {
            final int slot = match.slot(level);
            assertEquals(1, store.decisions(slot));
            assertEquals(1, store.arms().decisions(store.arm(slot, 2)));
        }
    }

    @Test
    void aVariantAddedAfterTheSegmentStartsFromItsCappedParent() {
        final SegmentedThompson before = model(spec(50), new BetaBernoulliThompson(), 2);
        request(before, "mobile", null, true);
        final int slot = match.slot(1);
        rewards(before, match, 0, 10, 3, 0);
        root.allocateArm();
        rootRewards(2, 1000, 700, 0);
        final SegmentedThompson after = new SegmentedThompson("hero", spec(50), new BetaBernoulliThompson(), store,
            root, new int[] {0, 1, 2}, new int[] {0, 1, 2}, 3);
        request(after, "mobile", null, true);
        assertEquals(slot, match.slot(1), "the same segment");
        after.effectiveStatistics(match, 2, workspace, 0, stats);
        assertArrayEquals(new double[] {50, 35, 35}, java.util.Arrays.copyOf(stats, 3), EXACT);
        rewards(after, match, 2, 4, 4, 0);
        assertTrue(store.arm(slot, 2) >= 0);
        after.effectiveStatistics(match, 2, workspace, 0, stats);
        assertArrayEquals(new double[] {54, 39, 39}, java.util.Arrays.copyOf(stats, 3), EXACT);
        after.effectiveStatistics(match, 0, workspace, 0, stats);
        assertEquals(10, stats[0], EXACT, "the old variant keeps its segment data");
    }

    @Test
    void aFullExperimentIsServedByTheParentAndCounted() {
        final ContextSpec spec = ContextSpec.builder().attributes("device").maxSegments(1).build();
        final SegmentedThompson model = model(spec, new BetaBernoulliThompson(), 2);
        request(model, "mobile", null, true);
        assertEquals(1, match.decidingLevel());
        assertTrue(!match.fellBack());
        request(model, "desktop", null, true);
        assertEquals(0, match.decidingLevel());
        assertTrue(match.fellBack());
        assertEquals(1, store.capacityFallbacks(model.experimentKey()));
        assertEquals(1, store.segments(model.experimentKey()));
    }

    @Test
    void theRewardPathFindsTheDecisionsSegmentsAndNothingElse() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        request(model, "mobile", "DE", true);
        final int[] slots = {match.slot(1), match.slot(2), match.slot(3)};
        final SegmentMatch reward = new SegmentMatch().reset(model.spec()).valueHash(0, match.valueHash(0))
            .valueHash(1, match.valueHash(1));
        model.resolveForUpdate(reward);
        assertArrayEquals(slots, new int[] {reward.slot(1), reward.slot(2), reward.slot(3)});
        model.update(reward, 0, 0, 1.0, 0);
        assertEquals(1, store.rewards(slots[2]));
        assertEquals(1, root.trials(0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> model.choose(reward, workspace.eligible().all(2), workspace, 0), "no back-off chain: no choice");
        final SegmentMatch unknown = new SegmentMatch().reset(model.spec()).value(0, "tv");
        model.resolveForUpdate(unknown);
        assertEquals(-1, unknown.slot(1), "never creates");
        assertEquals(3, store.segments());
    }

    @Test
    void rewardsNeverCreateSegments() {
        final SegmentedThompson model = model(spec(50), new BetaBernoulliThompson(), 2);
        request(model, "mobile", "DE", false);
        model.update(match, 0, 0, 1.0, 0);
        assertEquals(0, store.segments());
        assertEquals(1, root.trials(0));
    }
}
