package io.arbiter.bandits.policy;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property test over random eligible sets (seeded; a failure names the seed and case): for every policy, plain and
 * contextual, the answer is always eligible, a slate holds {@code min(k, eligible)} distinct eligible positions, and
 * choice probabilities are 0 outside the set and sum to 1 inside it. Sets of one arm and of all arms are included.
 */
class EligibilityPropertyTest {
    static final long SEED = 424_242L;
    static final int CASES = 300;

    @Test
    void everyAnswerIsEligible() {
        final Policy[] policies = {new BetaBernoulliThompson(), new BetaBernoulliThompson(1, 1, 60_000, 200),
            new GaussianThompson(0, 0.01, 1, 1, 0, 200), new Ucb1(), new EpsilonGreedy(0.2), new UniformRandom()};
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(SEED);
        final double[] probabilities = new double[16];
        try (PosteriorTable table = ThompsonBehaviourTest.table(16);
             SegmentStore store = SegmentStore.allocateDirect(1024, 4, 20_000, 0L)) {
            final Workspace workspace = new Workspace(SEED + 1, 16);
            final SegmentMatch match = new SegmentMatch();
            for (int i = 0; i < 16; i++) {
                for (int r = 0; r < 20 + i * 7; r++) {
                    table.recordReward(i, rng.nextDouble() < 0.05 + 0.02 * i ? 1.0 : 0.0, 0L, 0);
                }
            }
            for (int c = 0; c < CASES; c++) {
                final String where = "seed " + SEED + ", case " + c;
                final int n = 1 + rng.nextInt(12);
                final int[] arms = ThompsonBehaviourTest.identity(n);
                final EligibleSet eligible = randomSet(workspace.eligible(), n, c, rng);
                final int k = 1 + rng.nextInt(n + 2);
                for (final Policy policy : policies) {
                    for (int repeat = 0; repeat < 20; repeat++) {
                        final int chosen = policy.choose(table, arms, eligible, workspace, 1_000L);
                        assertTrue(eligible.contains(chosen), where + ": " + policy.name() + " chose " + chosen);
                    }
                    checkSlate(policy.rank(table, arms, eligible, k, workspace, 1_000L), k, eligible, workspace,
                        where + ": " + policy.name());
                    policy.choiceProbabilities(table, arms, eligible, workspace, 1_000L, probabilities);
                    checkProbabilities(probabilities, eligible, where + ": " + policy.name());
                }
                final SegmentedThompson model = new SegmentedThompson("e" + (c % 7),
                    ContextSpec.builder().attributes("a").build(), new BetaBernoulliThompson(), store, table, arms,
                    arms, n);
                match.reset(model.spec()).value(0, "v" + rng.nextInt(3));
                model.resolve(match, true);
                for (int repeat = 0; repeat < 20; repeat++) {
                    final int chosen = model.choose(match, eligible, workspace, 1_000L);
                    assertTrue(eligible.contains(chosen), where + ": segmented chose " + chosen);
                    model.recordDecision(match, chosen);
                    model.update(match, arms[chosen], chosen, rng.nextDouble() < 0.3 ? 1 : 0, 1_000L);
                }
                checkSlate(model.rank(match, eligible, k, workspace, 1_000L), k, eligible, workspace,
                    where + ": segmented");
            }
        }
    }

    /** Sizes 1 and n and everything between; built with add (random order) or with all + remove. */
    static EligibleSet randomSet(EligibleSet set, int n, int c, Xoroshiro128PlusPlus rng) {
        final int size = c % 5 == 0 ? 1 : c % 5 == 1 ? n : 1 + rng.nextInt(n);
        if (rng.nextInt(2) == 0) {
            set.none(n);
            while (set.count() < size) {
                set.add(rng.nextInt(n));
            }
        } else {
            set.all(n);
            while (set.count() > size) {
                set.remove(rng.nextInt(n));
            }
        }
        return set;
    }

    private static void checkSlate(int count, int k, EligibleSet eligible, Workspace workspace, String where) {
        assertEquals(Math.min(k, eligible.count()), count, where + ": slate size");
        final boolean[] seen = new boolean[eligible.arms()];
        for (int r = 0; r < count; r++) {
            final int position = workspace.ranked(r);
            assertTrue(eligible.contains(position), where + ": ranked " + position);
            assertTrue(!seen[position], where + ": " + position + " twice in the slate");
            seen[position] = true;
        }
    }

    private static void checkProbabilities(double[] probabilities, EligibleSet eligible, String where) {
        double sum = 0;
        for (int i = 0; i < eligible.arms(); i++) {
            if (!eligible.contains(i)) {
                assertEquals(0.0, probabilities[i], where + ": probability outside the set");
            }
            sum += probabilities[i];
        }
        assertEquals(1.0, sum, 1e-9, where + ": probabilities sum");
    }

    /**
     * Choosing among an eligible subset is distributed as choosing from those arms alone: 40,000 choices each way
     * (arms 1, 3, 4 of five), frequencies within 5 standard deviations of their difference (per-arm false-failure
     * rate below 6e-7).
     */
    @Test
    void aRestrictedChoiceIsTheChoiceAmongTheEligibleArms() {
        final double[] rates = {0.10, 0.08, 0.09, 0.085, 0.07};
        try (PosteriorTable table = ThompsonBehaviourTest.table(5)) {
            for (int i = 0; i < 5; i++) {
                for (int r = 0; r < 400; r++) {
                    table.recordReward(i, r < rates[i] * 400 ? 1.0 : 0.0, 0L, 0);
                }
            }
            final Policy policy = new BetaBernoulliThompson();
            final Workspace workspace = new Workspace(3, 5);
            final EligibleSet eligible = workspace.eligible().none(5).add(4).add(1).add(3);
            final int[] sub = {1, 3, 4};
            final int draws = 40_000;
            final int[] restricted = new int[5];
            final int[] alone = new int[5];
            for (int i = 0; i < draws; i++) {
                restricted[policy.choose(table, ThompsonBehaviourTest.identity(5), eligible, workspace, 0L)]++;
                alone[sub[policy.choose(table, sub, workspace, 0L)]]++;
            }
            for (final int arm : sub) {
                final double p = alone[arm] / (double) draws;
                final double sd = Math.sqrt(2 * p * (1 - p) / draws);
                assertEquals(p, restricted[arm] / (double) draws, 5 * sd + 1e-9, "arm " + arm);
            }
            assertEquals(draws, restricted[1] + restricted[3] + restricted[4]);
        }
    }

    @Test
    void anEmptyOrMismatchedSetIsRefused() {
        try (PosteriorTable table = ThompsonBehaviourTest.table(3)) {
            final Workspace workspace = new Workspace(1, 3);
            final int[] arms = ThompsonBehaviourTest.identity(3);
            final Policy policy = new BetaBernoulliThompson();
            assertThrows(IllegalArgumentException.class,
                () -> policy.choose(table, arms, workspace.eligible().none(3), workspace, 0L));
            assertThrows(IllegalArgumentException.class,
                () -> policy.choose(table, arms, workspace.eligible().all(2), workspace, 0L));
        }
    }
}
