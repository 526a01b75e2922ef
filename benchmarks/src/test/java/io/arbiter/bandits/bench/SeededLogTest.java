package io.arbiter.bandits.bench;

import io.arbiter.bandits.eval.LoggedDecision;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmarks' seeded log: the rows {@code EvaluationBenchmark} and {@code BoundedCandidateBenchmark} replay are
 * the ones they drew before they shared it (so their series stay comparable), replayed in a cycle through one holder,
 * and drawn as the logging policy and rates say.
 */
class SeededLogTest {
    private static final double[] SKEWED = {0.55, 0.25, 0.15, 0.05};
    private static final double[] FIVE_PERCENT = {0.05, 0.05, 0.05, 0.05};
    private static final double[] RATES = {0.02, 0.04, 0.06, 0.08};

    /**
     * A fingerprint of every row (key, action, propensity bits, reward bits), equal to the one of the rows each
     * benchmark drew with its own loop before the log was shared (printed by that loop, seed 42).
     */
    @Test
    void theBenchmarksReplayTheRowsTheyDrewBefore() {
        assertEquals(3087421402054060397L, fingerprint(new SeededLog(42, 64, SKEWED, FIVE_PERCENT)), "evaluation");
        assertEquals(-7414400292366344886L, fingerprint(new SeededLog(42, 1, null, RATES)), "bounded candidate");
    }

    private static long fingerprint(SeededLog log) {
        long h = 0;
        for (int n = 0; n < SeededLog.ROWS; n++) {
            final LoggedDecision row = log.row(n, 0);
            h = h * 31 + row.contextKey();
            h = h * 31 + row.action();
            h = h * 31 + Double.doubleToLongBits(row.propensity());
            h = h * 31 + Double.doubleToLongBits(row.reward());
        }
        return h;
    }

    @Test
    void rowsCycleThroughOneHolder() {
        final SeededLog log = new SeededLog(7, 64, SKEWED, FIVE_PERCENT);
        for (int n = 0; n < 1_000; n++) {
            final LoggedDecision first = log.row(n, 5);
            final long key = first.contextKey();
            final int action = first.action();
            final double reward = first.reward();
            final LoggedDecision again = log.row(n + SeededLog.ROWS, 6);
            assertSame(first, again);
            assertEquals(key, again.contextKey());
            assertEquals(action, again.action());
            assertEquals(reward, again.reward());
            assertEquals(6, again.timeMillis());
            assertEquals(1.0, again.sampleWeight());
            assertEquals(0, again.flags());
        }
        assertThrows(IllegalArgumentException.class, () -> new SeededLog(7, 1, SKEWED, new double[] {0.1, 0.1}));
    }

    /**
     * The rows follow the logging policy and the rates: over the 65,536 rows each action's share is within 0.01 of
     * its probability (at least 5 standard errors, 0.0019 for the largest), its propensity is that probability, and
     * each action's reward rate is within 0.012 of its rate (5 standard errors for the highest rate over a quarter
     * of the rows); every context key appears. The log is seeded, so this either always or never holds.
     */
    @Test
    void rowsFollowTheLoggingPolicyAndTheRates() {
        checkShares(new SeededLog(42, 64, SKEWED, RATES), SKEWED, 64);
        checkShares(new SeededLog(42, 1, null, RATES), new double[] {0.25, 0.25, 0.25, 0.25}, 1);
    }

    private static void checkShares(SeededLog log, double[] logging, int contexts) {
        final int[] served = new int[logging.length];
        final int[] rewarded = new int[logging.length];
        final boolean[] seen = new boolean[contexts];
        for (int n = 0; n < SeededLog.ROWS; n++) {
            final LoggedDecision row = log.row(n, n);
            served[row.action()]++;
            rewarded[row.action()] += row.reward() > 0 ? 1 : 0;
            assertEquals(logging[row.action()], row.propensity(), "row " + n);
            seen[(int) row.contextKey()] = true;
        }
        for (int a = 0; a < logging.length; a++) {
            final double share = served[a] / (double) SeededLog.ROWS;
            assertTrue(Math.abs(share - logging[a]) < 0.01, "action " + a + " served " + share);
            final double rate = rewarded[a] / (double) served[a];
            assertTrue(Math.abs(rate - RATES[a]) < 0.012, "action " + a + " rewarded " + rate);
        }
        for (int c = 0; c < contexts; c++) {
            assertTrue(seen[c], "context " + c + " never drawn");
        }
    }
}
