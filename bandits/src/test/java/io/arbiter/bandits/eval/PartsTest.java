package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pieces under the estimators: Poisson multiplicities, the percentile, context slots, the reward models. */
class PartsTest {

    /**
     * 4,000,000 multiplicities: each frequency of k = 0..5 within 5 standard errors of the table's design probability
     * (94, 95, 46, 16, 4, 1 in 256; false-failure rate below 6e-7 per k), each design probability within 0.005 of
     * Poisson(1)'s, nothing above 5, and mean and variance within 5 standard errors of 1.
     */
    @Test
    void multiplicitiesAreADiscretisedPoissonOneWithMeanAndVarianceOne() {
        final int n = 4_000_000;
        final double[] k = new double[n + 3];
        PoissonBootstrap.draw(new Xoroshiro128PlusPlus(7), k, n); // n + 3: the tail loop leaves the rest alone
        final long[] counts = new long[256];
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            counts[(int) k[i]]++;
            sum += k[i];
            squares += k[i] * k[i];
        }
        final int[] design = {94, 95, 46, 16, 4, 1};
        double poisson = Math.exp(-1);
        for (int j = 0; j < design.length; j++) {
            final double p = design[j] / 256.0;
            assertEquals(p, (double) counts[j] / n, 5 * Math.sqrt(p * (1 - p) / n), "P(k = " + j + ")");
            assertEquals(poisson, p, 0.005, "design against Poisson(1), k = " + j);
            poisson /= j + 1;
        }
        assertEquals(n, java.util.Arrays.stream(counts, 0, 6).sum(), "nothing above 5");
        assertEquals(0.0, k[n] + k[n + 1] + k[n + 2], 0.0);
        final double mean = sum / n;
        assertEquals(1.0, mean, 5 * Math.sqrt(1.0 / n));
        // the variance of a sample variance is about (mu4 - sigma^4) / n; mu4 of the design is 3.81
        assertEquals(1.0, squares / n - mean * mean, 5 * Math.sqrt(2.81 / n));
        final double[] odd = new double[13];
        PoissonBootstrap.draw(new Xoroshiro128PlusPlus(8), odd, 13);
        for (final double v : odd) {
            assertTrue(v >= 0 && v <= 5 && v == Math.rint(v));
        }
    }

    @Test
    void percentileIsHyndmanFanType7() {
        final double[] x = {1, 2, 3, 4, 5};
        assertEquals(1.0, PoissonBootstrap.quantile(x, 5, 0), 0);
        assertEquals(5.0, PoissonBootstrap.quantile(x, 5, 1), 0);
        assertEquals(3.0, PoissonBootstrap.quantile(x, 5, 0.5), 0);
        assertEquals(1.1, PoissonBootstrap.quantile(x, 5, 0.025), 1e-12);
        final double[] out = new double[3];
        PoissonBootstrap.interval(new double[] {1, 2, 9}, new double[] {1, 0, 3}, 3, 0.95, out);
        assertEquals(1.05, out[0], 1e-12);    // replicates 1 and 3 (the empty one is skipped)
        assertEquals(2.95, out[1], 1e-12);
        assertEquals(Math.sqrt(2), out[2], 1e-12);
    }

    /**
     * The bootstrap standard error of a mean of 20,000 normal(0, 1) terms matches the analytic 1/sqrt(n) within 15%
     * (with B = 500 replicates the bootstrap SE itself has a relative standard error of about 1/sqrt(2B) = 3%).
     */
    @Test
    void bootstrapStandardErrorMatchesTheAnalyticOne() {
        final int n = 20_000;
        final int b = 500;
        final double[] num = new double[b];
        final double[] den = new double[b];
        final double[] k = new double[b];
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(3);
        final io.arbiter.bandits.policy.Workspace w = new io.arbiter.bandits.policy.Workspace(4, 1);
        for (int i = 0; i < n; i++) {
            final double x = io.arbiter.bandits.random.Samplers.normal(w.rng());
            PoissonBootstrap.draw(g, k, b);
            for (int j = 0; j < b; j++) {
                num[j] += k[j] * x;
                den[j] += k[j];
            }
        }
        final double[] out = new double[3];
        PoissonBootstrap.interval(num, den, b, 0.95, out);
        assertEquals(1 / Math.sqrt(n), out[2], 0.15 / Math.sqrt(n));
        assertEquals(2 * 1.96 / Math.sqrt(n), out[1] - out[0], 0.2 * 2 * 1.96 / Math.sqrt(n));
    }

    @Test
    void contextKeysAreDenseStableAndCapped() {
        final ContextKeys keys = new ContextKeys(1_000);
        final Set<Integer> slots = new HashSet<>();
        for (long i = 0; i < 1_000; i++) {
            slots.add(keys.slot(i * 0x9E3779B97F4A7C15L));
        }
        assertEquals(1_000, slots.size());
        assertTrue(slots.stream().allMatch(s -> s >= 0 && s < 1_000));
        for (long i = 0; i < 1_000; i++) {
            assertEquals(keys.slot(i * 0x9E3779B97F4A7C15L), keys.slot(i * 0x9E3779B97F4A7C15L));
        }
        assertEquals(1_000, keys.slot(-1L), "beyond the cap: the overflow slot");
        assertEquals(1_000, keys.slot(-2L));
        assertEquals(2, keys.overflowRows());
        assertEquals(1_001, keys.slotCount());
    }

    /** Ridge recovers a noise-free linear reward; a row's prediction never uses its own reward. */
    @Test
    void ridgeFitsALinearRewardAndPredictsBeforeLearning() {
        final RewardModel model = RewardModel.ridge(3, 1e-6).create(2, 1);
        final LoggedDecision row = new LoggedDecision(3);
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(9);
        final double[] q = new double[2];
        for (int i = 0; i < 2_000; i++) {
            final double[] x = row.features();
            for (int j = 0; j < 3; j++) {
                x[j] = g.nextDouble();
            }
            final int a = i % 2;
            final double r = a == 0 ? 0.5 + 2 * x[0] - x[2] : 1 - x[1];
            row.set(i, 0, a, 0.5, r, 1, 0);
            model.predict(row, 0, q);
            if (i > 1_500) {
                assertEquals(r, q[a], 1e-6, "row " + i);
            }
            model.learn(row, 0);
        }
        // an outlier the model has not seen is predicted from the rows before it, not from itself
        row.set(2_000, 0, 0, 0.5, 1e6, 1, 0);
        model.predict(row, 0, q);
        assertTrue(q[0] < 10, "prediction " + q[0]);
    }

    @Test
    void contextMeansShrinkTowardsTheActionMean() {
        final RewardModel model = RewardModel.contextMeans(2).create(2, 3);
        final LoggedDecision row = new LoggedDecision(0);
        final double[] q = new double[2];
        model.predict(row, 0, q);
        assertEquals(0.0, q[0], 0, "nothing learned: 0");
        for (int i = 0; i < 8; i++) {
            model.learn(row.set(i, 0, 0, 0.5, 1.0, 1, 0), 0);     // slot 0, action 0: eight rewards of 1
            model.learn(row.set(i, 0, 0, 0.5, 0.0, 1, 0), 1);     // slot 1, action 0: eight rewards of 0
        }
        model.predict(row, 0, q);
        // action mean 0.5 (pulled towards the overall 0.5); slot 0: (8 + 2 x 0.5) / (8 + 2)
        assertEquals(0.9, q[0], 1e-12);
        model.predict(row, 2, q);
        assertEquals(0.5, q[0], 1e-12, "a new context predicts the action's mean");
        assertEquals(0.5, q[1], 1e-12, "a new action predicts the overall mean");
    }

    @Test
    void settingsOutOfRangeAreRefusedByName() {
        final List<Runnable> bad = List.of(
            () -> new EvaluationConfig(0).conclude(),
            () -> new EvaluationConfig(2).propensityFloor(0).conclude(),
            () -> new EvaluationConfig(2).weightClip(0.5).conclude(),
            () -> new EvaluationConfig(2).bootstrapReplicates(5).conclude(),
            () -> new EvaluationConfig(2).replayScale(1.5).conclude(),
            () -> new EvaluationConfig(2).maxContextKeys(0).conclude(),
            () -> RewardModel.ridge(0, 1),
            () -> RewardModel.contextMeans(-1),
            () -> Candidates.fixed(3, 3));
        final List<String> names = List.of("actions", "propensityFloor", "weightClip", "bootstrapReplicates",
            "replayScale", "maxContextKeys", "dims", "shrinkage", "action");
        for (int i = 0; i < bad.size(); i++) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad.get(i)::run);
            assertTrue(e.getMessage().startsWith(names.get(i)), e.getMessage());
        }
        assertEquals(Estimator.SNIPS, Estimator.of("SNIPS"));
        assertEquals("unknown estimator 'ipw' (known: ips, snips, dr, replay)",
            assertThrows(IllegalArgumentException.class, () -> Estimator.of("ipw")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OffPolicyEvaluation(new EvaluationConfig(2),
            List.of(new OffPolicyEvaluation.Candidate("a", Candidates.logged()),
                new OffPolicyEvaluation.Candidate("a", Candidates.uniform(2)))));
    }

    @Test
    void changingTheSettingsAfterwardsDoesNotChangeAnEvaluation() {
        final EvaluationConfig config = new EvaluationConfig(2);
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(config,
            List.of(new OffPolicyEvaluation.Candidate("u", Candidates.uniform(2))));
        config.estimators(java.util.EnumSet.of(Estimator.IPS)).propensityFloor(0.5);
        final LoggedDecision row = new LoggedDecision(0);
        eval.add(row.set(0, 0, 0, 0.1, 1, 1, 0));
        final EvaluationResult r = eval.result();
        assertEquals(java.util.Set.of(Estimator.values()), r.candidate("u").estimates().keySet());
        assertEquals(5.0, r.candidate("u").estimate(Estimator.IPS).value(), 1e-12, "floor 0.001, not 0.5");
    }

    @Test
    void jsonHasTheServersShapeAndEscapes() {
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(2).bootstrapReplicates(20),
            List.of(new OffPolicyEvaluation.Candidate("always \"B\"", Candidates.fixed(2, 1))));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 100; i++) {
            eval.add(row.set(i, 0, i % 2, 0.5, i % 3 == 0 ? 1 : 0, 1, 0));
        }
        final String json = eval.result().toJson();
        assertTrue(json.contains("\"policies\":[{\"name\":\"always \\\"B\\\"\",\"estimates\":{\"ips\":{\"value\":"),
            json);
        assertTrue(json.contains("\"confidenceInterval95\":["), json);
        assertTrue(json.contains("\"effectiveSampleSize\":50"), json);
        assertTrue(json.contains("\"code\":\"low-effective-sample-size\""), json);
    }
}
