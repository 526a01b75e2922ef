package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.BoundedCandidate;
import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.Candidates;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.guard.ShareBounds;
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

    /**
     * Bounds over a burn-in, as serving composes them: while burning in, the projection of uniform into the bounds
     * (variant 3 at its floor 0.5, the others sharing the rest; the retired variant 2 at 0); after it, the projection
     * of the wrapped candidate's answer (always variant 0: held at its cap 0.4, variant 3 at its floor).
     */
    @Test
    void boundsApplyToTheBurnInAndAfterIt() {
        final ShareBounds bounds = ShareBounds.of(new double[] {0, 0, 0.5}, new double[] {0.4, 1, 1});
        final CandidatePolicy candidate = new BoundedCandidate(new BurnInCandidate(Candidates.fixed(4, 0),
            new boolean[] {true, true, false, true}, 1), bounds, new int[] {0, 1, -1, 2}, 100, 1_000, 1, 3);
        final LoggedDecision row = new LoggedDecision(0);
        final double[] into = new double[4];
        assertTrue(candidate.probabilities(row, into));
        assertArrayEquals(new double[] {0.25, 0.25, 0, 0.5}, into, 1e-12, "burning in");
        for (final int action : new int[] {0, 1, 3}) {
            candidate.learn(row.set(0, 0, action, 0.25, 1, 1, 0));
        }
        assertTrue(candidate.probabilities(row, into));
        assertArrayEquals(new double[] {0.4, 0.1, 0, 0.5}, into, 1e-12, "after the burn-in");
    }
}
