package io.arbiter.bandits.linear;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearThompsonTest {

    /**
     * Three variants whose click rates depend on one feature in opposite directions: after 6,000 rounds the policy
     * picks the best variant for a low and for a high feature value in at least 85% of 1,000 choices each (a policy
     * that did not learn the dependence would be right in at most half of them). Seeded.
     */
    @Test
    void learnsWhichVariantSuitsWhichContext() {
        final LinearSpec spec = LinearSpec.of(List.of("recency"), List.of("device"), 4);
        try (LinearModelTable table = LinearModelTable.allocateDirect(spec.dimension(), 3, 1 << 16, 1.0, 0.25,
            1000)) {
            final LinearThompson policy = new LinearThompson(table, new int[] {0, 1, 2});
            final Workspace workspace = new Workspace(5, 3);
            final FeatureVector x = new FeatureVector(spec.dimension(), 3);
            final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(6);
            final EligibleSet all = workspace.eligible().all(3);
            for (int t = 0; t < 6000; t++) {
                final double recency = env.nextDouble();
                request(spec, x, recency, env.nextInt(2) == 0 ? "mobile" : "desktop");
                final int chosen = policy.choose(x, all, workspace);
                policy.update(policy.ordinal(chosen), x, env.nextDouble() < rate(chosen, recency) ? 1.0 : 0.0);
                table.applyPendingObservations(16);
            }
            for (final double recency : new double[] {0.1, 0.9}) {
                final int best = recency < 0.5 ? 0 : 2;
                int right = 0;
                for (int i = 0; i < 1000; i++) {
                    request(spec, x, recency, "mobile");
                    right += policy.choose(x, all, workspace) == best ? 1 : 0;
                }
                assertTrue(right >= 850, "recency " + recency + ": best variant chosen " + right + " of 1000");
            }
        }
    }

    static double rate(int variant, double recency) {
        return variant == 0 ? 0.6 - 0.5 * recency : variant == 1 ? 0.3 : 0.1 + 0.5 * recency;
    }

    static void request(LinearSpec spec, FeatureVector x, double recency, String device) {
        spec.begin(x).set(spec.featureIndex("recency"), recency);
        x.set(spec.bucketIndex(spec.attributeIndex("device"), ContextKeys.valueHash(device)), 1.0);
    }

    /**
     * The analytic propensity of the answer matches the frequency of 100,000 choices for the same request and
     * eligible set, within the quadrature bound plus 5 standard errors (per position false-failure rate below 6e-7).
     */
    @Test
    void propensitiesMatchTheChoiceFrequencies() {
        final LinearSpec spec = LinearSpec.of(List.of("recency"), List.of(), 1);
        try (LinearModelTable table = LinearModelTable.allocateDirect(spec.dimension(), 4, 1 << 16, 1.0, 0.25,
            1000)) {
            final Xoroshiro128PlusPlus env = new Xoroshiro128PlusPlus(8);
            final FeatureVector x = new FeatureVector(spec.dimension(), 4);
            for (int n = 0; n < 400; n++) {
                final int v = n % 4;
                final double recency = env.nextDouble();
                spec.begin(x).set(1, recency);
                table.offerObservation(v, x, env.nextDouble() < 0.2 + 0.05 * v * recency ? 1 : 0);
            }
            table.applyPendingObservations(1000);
            final LinearThompson policy = new LinearThompson(table, new int[] {0, 1, 2, 3});
            final Workspace workspace = new Workspace(9, 4);
            final EligibleSet eligible = workspace.eligible().none(4).add(1).add(2).add(3);
            spec.begin(x).set(1, 0.7);
            final int n = 100_000;
            final int[] chosen = new int[4];
            for (int i = 0; i < n; i++) {
                chosen[policy.choose(x, eligible, workspace)]++;
            }
            assertEquals(0, chosen[0], "never an ineligible variant");
            for (int p = 1; p < 4; p++) {
                final double truth = chosen[p] / (double) n;
                final double se = Math.sqrt(truth * (1 - truth) / n);
                assertEquals(truth, policy.propensity(x, eligible, p),
                    GaussianMaxProbability.ERROR_BOUND + 5 * se, "position " + p);
            }
        }
    }

    @Test
    void specValidation() {
        assertThrows(IllegalArgumentException.class, () -> LinearSpec.of(List.of("a", "a"), List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> LinearSpec.of(List.of(), List.of("a", "b"), 32));
        final LinearSpec spec = LinearSpec.of(List.of("a", "b"), List.of("c"), 8);
        assertEquals(11, spec.dimension());
        assertEquals(2, spec.featureIndex("b"));
        assertEquals(-1, spec.featureIndex("z"));
        final int bucket = spec.bucketIndex(0, ContextKeys.valueHash("x"));
        assertTrue(bucket >= 3 && bucket < 11);
        final FeatureVector x = new FeatureVector(11, 1);
        assertThrows(IllegalArgumentException.class, () -> spec.begin(x).set(1, Double.NaN));
    }
}
