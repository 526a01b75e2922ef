package io.arbiter.bandits.eval;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EpsilonGreedy;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replay of a learning candidate estimates what it would earn running on-policy: over 200 seeded logs of a
 * four-armed Bernoulli bandit (rates 0.10, 0.15, 0.20, 0.30), the mean replay estimate of Thompson sampling (and of
 * epsilon-greedy, which answers with probabilities) matches the mean reward of the same policy run on-policy for as
 * many steps as the replay accepted, within 4 standard errors of the difference (false-failure rate 6e-5 per
 * check). Both for a uniform log (Li et al.'s replay exactly) and a skewed log (rejection sampling at the smallest
 * propensity). A candidate that learns from every logged row (not only the accepted ones) is shown to fail the same
 * comparison, so the test can tell.
 */
class ReplayTest {
    static final double[] RATES = {0.10, 0.15, 0.20, 0.30};
    static final int ROWS = 8_000;
    static final int LOGS = 200;

    /** A test double with the bug the replay exists to avoid: it learns from every logged row it is shown. */
    static final class LearnsFromEveryRow implements CandidatePolicy {
        private final BanditCandidate inner;

        LearnsFromEveryRow(BanditCandidate inner) {
            this.inner = inner;
        }

        @Override
        public boolean probabilities(LoggedDecision row, double[] into) {
            return false;
        }

        @Override
        public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            final int choice = inner.sample(row, rng);
            inner.learn(row);
            return choice;
        }
    }

    interface Factory {
        CandidatePolicy create(long seed);
    }

    static double onPolicy(Factory factory, long seed, long steps) {
        final BanditCandidate policy = (BanditCandidate) factory.create(seed);
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(SplitMix64.derive(seed, 3));
        final LoggedDecision row = new LoggedDecision(0);
        double sum = 0;
        for (long t = 0; t < steps; t++) {
            row.set(t, 0, 0, 1, 0, 1, 0);
            final double[] p = new double[RATES.length];
            final int a = policy.probabilities(row, p) ? draw(p, g) : policy.sample(row, g);
            final double r = g.nextDouble() < RATES[a] ? 1 : 0;
            sum += r;
            policy.learn(row.set(t, 0, a, 1, r, 1, 0));
        }
        return sum / steps;
    }

    static int draw(double[] p, Xoroshiro128PlusPlus g) {
        final double u = g.nextDouble();
        double cdf = 0;
        for (int i = 0; i < p.length - 1; i++) {
            cdf += p[i];
            if (u < cdf) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** Mean and standard error over the logs of (replay estimate - on-policy mean reward at the accepted count). */
    static double[] compare(String label, double[] logging, Factory candidate, Factory onPolicyTwin) {
        final double scale = java.util.Arrays.stream(logging).min().orElseThrow();
        double sum = 0;
        double squares = 0;
        for (int s = 0; s < LOGS; s++) {
            final long seed = 300 + s;
            final KeyedLog log = new KeyedLog(new double[] {1}, new double[][] {RATES}, new double[][] {logging},
                seed);
            final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(RATES.length)
                .replayScale(scale).estimators(EnumSet.of(Estimator.REPLAY)).seed(SplitMix64.derive(seed, 1)),
                List.of(new OffPolicyEvaluation.Candidate("c", candidate.create(seed))));
            final LoggedDecision row = new LoggedDecision(0);
            for (int i = 0; i < ROWS; i++) {
                log.next(row);
                eval.add(row);
            }
            final CandidateResult c = eval.result().candidate("c");
            final double d = c.estimate(Estimator.REPLAY).value() - onPolicy(onPolicyTwin, seed + 1_000_000,
                c.replayAcceptedRows());
            sum += d;
            squares += d * d;
        }
        final double mean = sum / LOGS;
        final double se = Math.sqrt((squares / LOGS - mean * mean) / (LOGS - 1));
        System.out.printf("%s: replay - on-policy over %d logs (seeds 300..%d): %.5f +- %.5f%n", label, LOGS,
            299 + LOGS, mean, se);
        return new double[] {mean, se};
    }

    static Factory thompson() {
        return seed -> new BanditCandidate(new BetaBernoulliThompson(), RATES.length, 0, seed);
    }

    static Factory egreedy() {
        return seed -> new BanditCandidate(new EpsilonGreedy(0.1), RATES.length, 0, seed);
    }

    @Test
    void replayOfALearningPolicyOnAUniformLogMatchesItsOnPolicyRun() {
        final double[] uniform = {0.25, 0.25, 0.25, 0.25};
        final double[] t = compare("uniform log, thompson", uniform, thompson(), thompson());
        assertTrue(Math.abs(t[0]) <= 4 * t[1], "replay - on-policy: " + t[0] + " +- " + t[1]);
        final double[] e = compare("uniform log, epsilon-greedy", uniform, egreedy(), egreedy());
        assertTrue(Math.abs(e[0]) <= 4 * e[1], "replay - on-policy: " + e[0] + " +- " + e[1]);
    }

    @Test
    void replayOfALearningPolicyOnASkewedLogMatchesItsOnPolicyRun() {
        final double[] skewed = {0.55, 0.25, 0.15, 0.05};
        final double[] d = compare("skewed log, thompson", skewed, thompson(), thompson());
        assertTrue(Math.abs(d[0]) <= 4 * d[1], "replay - on-policy: " + d[0] + " +- " + d[1]);
    }

    @Test
    void aCandidateLearningFromEveryRowIsCaught() {
        final double[] uniform = {0.25, 0.25, 0.25, 0.25};
        final Factory thompson = thompson();
        final double[] d = compare("uniform log, thompson learning from every row", uniform,
            seed -> new LearnsFromEveryRow((BanditCandidate) thompson.create(seed)), thompson);
        assertTrue(d[0] > 4 * d[1], "learning from every row looks better than on-policy: " + d[0] + " +- " + d[1]);
    }

    /** Li et al.'s replay on a uniform log accepts exactly the rows where the candidate agrees: about 1/K of them. */
    @Test
    void uniformLogReplayAcceptsTheRowsWhereTheCandidateAgrees() {
        final KeyedLog log = new KeyedLog(new double[] {1}, new double[][] {RATES},
            new double[][] {{0.25, 0.25, 0.25, 0.25}}, 5);
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(4),
            List.of(new OffPolicyEvaluation.Candidate("fixed-3", Candidates.fixed(4, 3))));
        final LoggedDecision row = new LoggedDecision(0);
        long agree = 0;
        for (int i = 0; i < 10_000; i++) {
            log.next(row);
            eval.add(row);
            agree += row.action() == 3 ? 1 : 0;
        }
        final CandidateResult c = eval.result().candidate("fixed-3");
        assertEquals(agree, c.replayAcceptedRows());
        assertTrue(c.estimate(Estimator.REPLAY).covers(0.30), c.estimate(Estimator.REPLAY).toString());
    }
}
