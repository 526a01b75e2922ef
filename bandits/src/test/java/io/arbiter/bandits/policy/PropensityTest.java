package io.arbiter.bandits.policy;

import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import static io.arbiter.bandits.policy.ThompsonBehaviourTest.identity;
import static io.arbiter.bandits.policy.ThompsonBehaviourTest.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Propensities (choice probabilities) sum to 1 and match the empirical frequency of {@link Policy#choose}.
 *
 * <p><b>Tolerance.</b> For Thompson sampling the estimate p-hat uses D = 20,000 joint draws and the empirical
 * frequency f uses C = 40,000 independent choices, so {@code p-hat - f} has standard deviation
 * {@code sqrt(p (1 - p) (1/D + 1/C))} (at most 0.0043); the test allows 5 of these per arm (false-failure rate below
 * 6e-7 per arm, deterministic under the fixed seeds). For the baselines the probabilities are exact and only f varies.
 */
class PropensityTest {
    static final int CHOICES = 40_000;
    static final double Z = 5.0;

    static PosteriorTable posteriorsWithOverlap() {
        final PosteriorTable table = table(4);
        // Overlapping posteriors: successes/trials 12/40, 15/45, 9/40, 58/200, so no arm has probability ~0 or ~1.
        final long[][] counts = {{40, 12}, {45, 15}, {40, 9}, {200, 58}};
        for (int arm = 0; arm < 4; arm++) {
            table.restoreExclusive(arm, 0, counts[arm][0], counts[arm][1], counts[arm][1], counts[arm][1], 0);
        }
        return table;
    }

    @Test
    void thompsonPropensitiesSumToOneAndMatchChoiceFrequencies() {
        final int draws = 20_000;
        final BetaBernoulliThompson policy = new BetaBernoulliThompson(1, 1, 0, draws);
        try (PosteriorTable table = posteriorsWithOverlap()) {
            final int[] arms = identity(4);
            final double[] p = new double[4];
            policy.choiceProbabilities(table, arms, new Workspace(1, 4), 0, p);
            assertEquals(1.0, p[0] + p[1] + p[2] + p[3], 1e-12);
            final double[] f = frequencies(policy, table, arms, new Workspace(2, 4));
            for (int i = 0; i < 4; i++) {
                final double sd = Math.sqrt(p[i] * (1 - p[i]) * (1.0 / draws + 1.0 / CHOICES));
                assertEquals(f[i], p[i], Z * sd + 1e-9, "arm " + i);
                assertTrue(p[i] > 0.02, "the setup should give every arm a real chance, arm " + i + " has " + p[i]);
            }
        }
    }

    @Test
    void baselinePropensitiesAreExact() {
        try (PosteriorTable table = posteriorsWithOverlap()) {
            final int[] arms = identity(4);
            for (final Policy policy : new Policy[] {new EpsilonGreedy(0.3), new Ucb1(), new UniformRandom()}) {
                final double[] p = new double[4];
                policy.choiceProbabilities(table, arms, new Workspace(3, 4), 0, p);
                assertEquals(1.0, p[0] + p[1] + p[2] + p[3], 1e-12, policy.name());
                final double[] f = frequencies(policy, table, arms, new Workspace(4, 4));
                for (int i = 0; i < 4; i++) {
                    final double sd = Math.sqrt(p[i] * (1 - p[i]) / CHOICES);
                    assertEquals(f[i], p[i], Z * sd + 1e-9, policy.name() + " arm " + i);
                }
            }
        }
    }

    @Test
    void epsilonGreedySharesTheGreedyMassBetweenTiedArms() {
        try (PosteriorTable table = table(3)) {
            table.restoreExclusive(0, 0, 10, 5, 5, 5, 0);
            table.restoreExclusive(1, 0, 20, 10, 10, 10, 0);
            table.restoreExclusive(2, 0, 10, 1, 1, 1, 0);
            final double[] p = new double[3];
            new EpsilonGreedy(0.3).choiceProbabilities(table, identity(3), new Workspace(1, 3), 0, p);
            assertEquals(0.1 + 0.35, p[0], 1e-12);
            assertEquals(0.1 + 0.35, p[1], 1e-12);
            assertEquals(0.1, p[2], 1e-12);
        }
    }

    @Test
    void cacheStartsUniformAndPublishesRefreshedEstimates() {
        final BetaBernoulliThompson policy = new BetaBernoulliThompson(1, 1, 0, 4_000);
        try (PosteriorTable table = posteriorsWithOverlap()) {
            final PropensityCache cache = new PropensityCache(policy, identity(4));
            for (int i = 0; i < 4; i++) {
                assertEquals(0.25, cache.propensity(i));
            }
            cache.refresh(table, new Workspace(8, 4), 1_234);
            assertEquals(1_234, cache.refreshedAtMillis());
            final double[] snapshot = cache.snapshot();
            assertEquals(1.0, snapshot[0] + snapshot[1] + snapshot[2] + snapshot[3], 1e-12);
            final double[] exactish = new double[4];
            new BetaBernoulliThompson(1, 1, 0, 20_000).choiceProbabilities(table, identity(4),
                new Workspace(9, 4), 0, exactish);
            for (int i = 0; i < 4; i++) {
                // 4,000 draws: standard error at most 0.5 / sqrt(4000) = 0.0079 (see PropensityCache).
                assertEquals(exactish[i], cache.propensity(i), Z * Math.sqrt(0.25 * (1.0 / 4_000 + 1.0 / 20_000)));
            }
        }
    }

    private static double[] frequencies(Policy policy, PosteriorTable table, int[] arms, Workspace workspace) {
        final double[] f = new double[arms.length];
        for (int c = 0; c < CHOICES; c++) {
            f[policy.choose(table, arms, workspace, 0)] += 1.0 / CHOICES;
        }
        return f;
    }
}
