package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.Candidates;
import io.arbiter.bandits.eval.LoggedDecision;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A candidate's burn-in: uniform among the served variants (a retired one gets 0 and does not hold it open) until each
 * has {@code burnIn} accepted decisions, then the wrapped candidate's answer.
 */
class BurnInCandidateTest {
    private static final double THIRD = 1.0 / 3;

    @Test
    void uniformAmongTheServedVariantsUntilEachHasItsDecisionsThenTheCandidates() {
        final CandidatePolicy fixed = Candidates.fixed(4, 0);
        final BurnInCandidate candidate = new BurnInCandidate(fixed, new boolean[] {true, true, false, true}, 2);
        final LoggedDecision row = new LoggedDecision(0);
        final double[] into = new double[4];
        assertTrue(candidate.learns());
        for (final int action : new int[] {0, 0, 1, 1, 2, 2, 2, 3}) {
            assertTrue(candidate.probabilities(row, into));
            assertArrayEquals(new double[] {THIRD, THIRD, 0, THIRD}, into, 1e-12, "burning in");
            candidate.learn(row.set(0, 0, action, 0.25, 1, 1, 0));
        }
        assertTrue(candidate.burningIn(), "variant 3 has one decision of two");
        candidate.learn(row.set(0, 0, 3, 0.25, 1, 1, 0));
        assertFalse(candidate.burningIn());
        assertTrue(candidate.probabilities(row, into));
        assertArrayEquals(new double[] {1, 0, 0, 0}, into, 1e-12, "the wrapped candidate's answer");
    }
}
