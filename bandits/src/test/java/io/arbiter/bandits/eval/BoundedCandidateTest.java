package io.arbiter.bandits.eval;

import io.arbiter.bandits.guard.ShareAllocator;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.PropensityCache;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Thompson candidate under share bounds ({@link BoundedCandidate}), replayed over seeded uniform logs of a Bernoulli
 * bandit. Seeds are fixed and printed; {@code -Dbounded.seed=N} runs another.
 */
class BoundedCandidateTest {
    private static final long SEED = Long.getLong("bounded.seed", 41);
    private static final long ROW_MILLIS = 10;

    /** Records every row's probabilities and the candidate's served draws. */
    static final class Recorder implements CandidatePolicy {
        final CandidatePolicy inner;
        final ShareBounds bounds;
        final long[] served;
        double lowestSlack = Double.POSITIVE_INFINITY;
        long rows;

        Recorder(CandidatePolicy inner, ShareBounds bounds) {
            this.inner = inner;
            this.bounds = bounds;
            this.served = new long[bounds.variants()];
        }

        @Override
        public boolean probabilities(LoggedDecision row, double[] into) {
            final boolean answered = inner.probabilities(row, into);
            rows++;
            for (int a = 0; a < served.length; a++) {
                lowestSlack = Math.min(lowestSlack, Math.min(into[a] - bounds.min(a), bounds.max(a) - into[a]));
            }
            return answered;
        }

        @Override
        public int served(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            final int a = inner.served(row, rng);
            served[a]++;
            return a;
        }

        @Override
        public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            return inner.sample(row, rng);
        }

        @Override
        public boolean learns() {
            return inner.learns();
        }

        @Override
        public void learn(LoggedDecision row) {
            inner.learn(row);
        }
    }

    static BoundedCandidate bounded(ShareBounds bounds, long seed) {
        final int k = bounds.variants();
        final int[] positions = new int[k];
        for (int i = 0; i < k; i++) {
            positions[i] = i;
        }
        return new BoundedCandidate(new BanditCandidate(new BetaBernoulliThompson(), k, 0, SplitMix64.derive(seed, 7)),
            bounds, positions, ThompsonPolicy.DEFAULT_PROPENSITY_DRAWS, BoundedCandidate.DEFAULT_REFRESH_MILLIS, 1,
            SplitMix64.derive(seed, 8));
    }

    /** Runs a uniform log of {@code rows} rows (one every 10 ms) through an evaluation of {@code candidates}. */
    static EvaluationResult replay(double[] rates, int rows, long seed,
                                   List<OffPolicyEvaluation.Candidate> candidates) {
        final int k = rates.length;
        final OffPolicyEvaluation evaluation = new OffPolicyEvaluation(new EvaluationConfig(k)
            .estimators(EnumSet.of(Estimator.IPS, Estimator.SNIPS, Estimator.REPLAY)).replayScale(1.0 / k)
            .seed(SplitMix64.derive(seed, 1)), candidates);
        final Xoroshiro128PlusPlus log = new Xoroshiro128PlusPlus(SplitMix64.derive(seed, 2));
        final LoggedDecision row = new LoggedDecision(0);
        for (int t = 0; t < rows; t++) {
            final int a = (int) (log.nextDouble() * k);
            final double r = log.nextDouble() < rates[a] ? 1.0 : 0.0;
            row.set(t * ROW_MILLIS, 0, a, 1.0 / k, r, 1.0, r > 0 ? LoggedDecision.REWARD_OBSERVED : 0);
            evaluation.add(row);
        }
        return evaluation.result();
    }

    /**
     * Over 20,000 rows with min 0.1 for every variant and max 0.8 for the best, the candidate's probabilities never
     * leave their bounds, and the clearly worst variant (rate 0.02 against 0.30 and 0.40) gets 10% ± 1 point of the
     * candidate's served draws (unbounded, Thompson sampling gives it about 1%; the served share's sampling standard
     * deviation is 0.2 points, so the tolerance is 5 of them, plus the learning at the start). Seeds 41–43 and
     * 50–69 all pass, the worst variant's share between 9.5% and 10.5%.
     */
    @Test
    void probabilitiesStayWithinTheBoundsAndTheWorstVariantGetsItsFloor() {
        final double[] rates = {0.02, 0.30, 0.40};
        final ShareBounds bounds = ShareBounds.of(new double[] {0.1, 0.1, 0.1}, new double[] {1.0, 1.0, 0.8});
        final BoundedCandidate candidate = bounded(bounds, SEED);
        final Recorder recorder = new Recorder(candidate, bounds);
        final int rows = 20_000;
        final EvaluationResult result = replay(rates, rows, SEED,
            List.of(new OffPolicyEvaluation.Candidate("bounded", recorder)));
        final double worstShare = (double) recorder.served[0] / rows;
        System.out.printf("seed %d: served shares %.4f %.4f %.4f, lowest slack to a bound %.3g, %d estimates, "
                + "replay accepted %d%n", SEED, worstShare, (double) recorder.served[1] / rows,
            (double) recorder.served[2] / rows, recorder.lowestSlack, candidate.refreshes(),
            result.candidate("bounded").replayAcceptedRows());
        assertEquals(rows, recorder.rows);
        assertTrue(recorder.lowestSlack >= -1e-12, "seed " + SEED + ": a probability left its bounds by "
            + -recorder.lowestSlack);
        assertEquals(0.10, worstShare, 0.01, "seed " + SEED + ": the worst variant's served share");
        assertEquals(ShareAllocator.EXACT, candidate.allocationStatus());
    }

    /**
     * The IPS and SNIPS estimates of a Thompson candidate with {@code minShare} 0.2 (rates 0.1, 0.3, 0.5: it tends to
     * 0.2, 0.2, 0.6, worth 0.38) over a 30,000-row uniform log, against its true value: the mean reward of the same
     * policy run online as the server runs it (Thompson sampling, a Monte-Carlo propensity cache refreshed every
     * second, {@link ShareAllocator} on the draw), for as many decisions as the replay feeds it (a third of the rows,
     * at the same pace per refresh), averaged over 20 seeded runs. Both intervals contain the truth; the same
     * candidate without bounds is estimated well away from it (so the test can tell). False-failure rate: over
     * seeds 50–69 both intervals covered 18 times of 20 (the two misses by under 0.003: the bootstrap resamples the
     * log, not the candidate's own learning path, so a 95% interval covers a little less often), and every estimate
     * was within 0.01; the fixed seed passes.
     */
    @Test
    void ipsAndSnipsOfABoundedThompsonCandidateCoverItsOnlineValue() {
        final double[] rates = {0.1, 0.3, 0.5};
        final int k = rates.length;
        final int rows = 30_000;
        final ShareBounds bounds = ShareBounds.minShare(k, 0.2);
        final double truth = online(rates, bounds, rows / k, ROW_MILLIS * k, 20, SEED);
        final double unboundedTruth = online(rates, ShareBounds.unbounded(k), rows / k, ROW_MILLIS * k, 5, SEED);
        final EvaluationResult result = replay(rates, rows, SEED, List.of(
            new OffPolicyEvaluation.Candidate("bounded", bounded(bounds, SEED)),
            new OffPolicyEvaluation.Candidate("unbounded", new BanditCandidate(new BetaBernoulliThompson(), k, 0,
                SplitMix64.derive(SEED, 7)))));
        final CandidateResult c = result.candidate("bounded");
        final CandidateResult u = result.candidate("unbounded");
        System.out.printf("seed %d: truth %.4f (unbounded %.4f); bounded ips %s snips %s replay %s; unbounded ips %s"
                + "%n", SEED, truth, unboundedTruth, c.estimate(Estimator.IPS), c.estimate(Estimator.SNIPS),
            c.estimate(Estimator.REPLAY), u.estimate(Estimator.IPS));
        for (final Estimator e : List.of(Estimator.IPS, Estimator.SNIPS)) {
            final Estimate estimate = c.estimate(e);
            assertTrue(estimate.covers(truth), "seed " + SEED + ": " + e + " " + estimate + " misses " + truth);
            assertEquals(truth, estimate.value(), 0.02, "seed " + SEED + ": " + e);
        }
        assertFalse(u.estimate(Estimator.IPS).covers(truth), "the unbounded candidate is not told apart");
        assertTrue(unboundedTruth - truth > 0.05, "bounds that cost nothing cannot test anything");
    }

    /**
     * The mean expected reward per decision of Thompson sampling under {@code bounds} run online for {@code steps}
     * decisions, {@code stepMillis} apart, averaged over {@code runs} seeded runs: serving's own parts (a
     * {@link PropensityCache} refreshed every second, the bandit's draw through {@link ShareAllocator#apply}).
     */
    static double online(double[] rates, ShareBounds bounds, int steps, long stepMillis, int runs, long seed) {
        final int k = rates.length;
        double total = 0;
        for (int run = 0; run < runs; run++) {
            final long s = SplitMix64.derive(seed, 1_000 + run);
            final ThompsonPolicy policy = new BetaBernoulliThompson();
            final PosteriorTable table = PosteriorTable.allocateHeap(k, 0);
            final int[] arms = new int[k];
            final int[] positions = new int[k];
            for (int i = 0; i < k; i++) {
                arms[i] = table.allocateArm();
                positions[i] = i;
            }
            final Workspace decide = new Workspace(SplitMix64.derive(s, 1), k);
            final Workspace refresher = new Workspace(SplitMix64.derive(s, 2), k);
            final Xoroshiro128PlusPlus world = new Xoroshiro128PlusPlus(SplitMix64.derive(s, 3));
            final PropensityCache cache = new PropensityCache(policy, arms);
            final ShareAllocator allocator = new ShareAllocator(k);
            final double[] q = new double[k];
            long lastRefresh = Long.MIN_VALUE;
            double sum = 0;
            for (int t = 0; t < steps; t++) {
                final long now = t * stepMillis;
                if (lastRefresh == Long.MIN_VALUE || now - lastRefresh >= BoundedCandidate.DEFAULT_REFRESH_MILLIS) {
                    cache.refresh(table, refresher, now);
                    lastRefresh = now;
                }
                for (int i = 0; i < k; i++) {
                    q[i] = cache.propensity(i);
                }
                final int chosen = policy.choose(table, arms, decide, now);
                final int answer = allocator.apply(bounds, positions, k, q, chosen, world.nextDouble());
                sum += rates[answer];
                final double reward = world.nextDouble() < rates[answer] ? 1.0 : 0.0;
                table.recordDecision(arms[answer]);
                policy.update(table, arms[answer], reward, now);
            }
            total += sum / steps;
        }
        return total / runs;
    }
}
