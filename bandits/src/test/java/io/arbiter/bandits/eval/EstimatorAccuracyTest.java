package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.SplitMix64;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bias and interval coverage on simulated keyed logs shaped like the server's (8 segments, 4 variants, Bernoulli
 * rewards, a logging policy with at least 5% per variant), where every candidate's value is exact.
 *
 * <p><b>Unbiasedness</b> (IPS, DR, replay, both the probability and the one-sample path): over 400 logs of 2,000
 * rows the mean error is within 4 standard errors of 0 (per check false-failure rate 6e-5 for an unbiased
 * estimator; 16 checks, about 1e-3 in all; SNIPS is checked too, its O(1/n) bias being far below the tolerance).
 *
 * <p><b>Coverage</b>: over 100 logs of 20,000 rows every estimator's 95% interval contains the true value at least
 * 88 times, for every candidate. For an interval with exactly 95% coverage, 87 or fewer of 100 has probability
 * 0.0015 (binomial); at the 94.6% measured on 1,000 such logs it is 0.003, so a fresh set of seeds would fail one of
 * the 16 checks about 4% of the time. Sizes chosen so the effective sample size of every candidate is in the
 * thousands; the digits study (docs/evaluation.md) reports the lower coverage at small sizes. Seeds are fixed, so
 * the test is deterministic; a failure prints the seed range.
 */
class EstimatorAccuracyTest {
    static final int CONTEXTS = 8;
    static final int ACTIONS = 4;
    static final double EXPLORE = 0.2;
    static final List<Estimator> ALL = List.of(Estimator.IPS, Estimator.SNIPS, Estimator.DR, Estimator.REPLAY);

    record Named(String name, double[][] pi, boolean sampled) {
    }

    static List<Named> candidates(KeyedLog log) {
        return List.of(new Named("fixed-0", KeyedLog.fixed(CONTEXTS, ACTIONS, 0), false),
            new Named("uniform", KeyedLog.uniform(CONTEXTS, ACTIONS), false),
            new Named("greedy", log.greedy(0.6), false),
            new Named("greedy-sampled", log.greedy(0.6), true));
    }

    /** Runs one log; returns {@code [candidate][estimator] -> {value - truth, covered}}. */
    static double[][][] run(long seed, int rows) {
        final KeyedLog log = KeyedLog.random(CONTEXTS, ACTIONS, EXPLORE, 2011, seed);
        final List<Named> named = candidates(log);
        final List<OffPolicyEvaluation.Candidate> list = new ArrayList<>();
        for (final Named n : named) {
            list.add(new OffPolicyEvaluation.Candidate(n.name(),
                n.sampled() ? KeyedLog.sampled(n.pi()) : KeyedLog.table(n.pi())));
        }
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(ACTIONS)
            .replayScale(EXPLORE / ACTIONS).seed(SplitMix64.derive(seed, 1)), list);
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < rows; i++) {
            log.next(row);
            eval.add(row);
        }
        final EvaluationResult result = eval.result();
        final double[][][] out = new double[named.size()][ALL.size()][2];
        for (int c = 0; c < named.size(); c++) {
            final double truth = log.value(named.get(c).pi());
            for (int e = 0; e < ALL.size(); e++) {
                final Estimate est = result.candidates().get(c).estimate(ALL.get(e));
                out[c][e][0] = est.value() - truth;
                out[c][e][1] = est.covers(truth) ? 1 : 0;
            }
        }
        return out;
    }

    @Test
    void ipsDrAndReplayAreUnbiased() {
        final int logs = 400;
        final double[][] sum = new double[4][ALL.size()];
        final double[][] squares = new double[4][ALL.size()];
        for (int s = 0; s < logs; s++) {
            final double[][][] r = run(1_000 + s, 2_000);
            for (int c = 0; c < 4; c++) {
                for (int e = 0; e < ALL.size(); e++) {
                    sum[c][e] += r[c][e][0];
                    squares[c][e] += r[c][e][0] * r[c][e][0];
                }
            }
        }
        final List<String> failures = new ArrayList<>();
        final List<String> names = List.of("fixed-0", "uniform", "greedy", "greedy-sampled");
        for (int c = 0; c < 4; c++) {
            for (int e = 0; e < ALL.size(); e++) {
                final double mean = sum[c][e] / logs;
                final double se = Math.sqrt((squares[c][e] / logs - mean * mean) / (logs - 1));
                final String line = String.format("%s %s: mean error %.5f, s.e. %.5f", names.get(c),
                    ALL.get(e).key(), mean, se);
                System.out.println(line);
                if (Math.abs(mean) > 4 * se) {
                    failures.add(line);
                }
            }
        }
        assertTrue(failures.isEmpty(), "seeds 1000..1399: " + failures);
    }

    @Test
    void intervalsCoverTheTrueValueAtLeast88TimesIn100() {
        final int logs = 100;
        final int[][] covered = new int[4][ALL.size()];
        for (int s = 0; s < logs; s++) {
            final double[][][] r = run(5_000 + s, 20_000);
            for (int c = 0; c < 4; c++) {
                for (int e = 0; e < ALL.size(); e++) {
                    covered[c][e] += (int) r[c][e][1];
                }
            }
        }
        final List<String> failures = new ArrayList<>();
        final List<String> names = List.of("fixed-0", "uniform", "greedy", "greedy-sampled");
        for (int c = 0; c < 4; c++) {
            for (int e = 0; e < ALL.size(); e++) {
                final String line = names.get(c) + " " + ALL.get(e).key() + ": " + covered[c][e] + "/100";
                System.out.println(line);
                if (covered[c][e] < 88) {
                    failures.add(line);
                }
            }
        }
        assertTrue(failures.isEmpty(), "seeds 5000..5099: " + failures);
    }
}
