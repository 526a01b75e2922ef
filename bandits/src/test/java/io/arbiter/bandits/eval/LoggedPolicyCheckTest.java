package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code logged} candidate is the pipeline's check: its IPS, SNIPS and DR estimates equal the log's (sample-
 * weighted) mean reward exactly, whatever the propensities, sample weights and reward model, and its interval
 * contains that mean. Exact arithmetic identities, so the tolerance is rounding only (1e-12).
 */
class LoggedPolicyCheckTest {

    @Test
    void loggedEstimatesEqualTheMeanRewardExactly() {
        final KeyedLog log = KeyedLog.random(7, 4, 0.1, 11, 12);
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(4).seed(3),
            List.of(new OffPolicyEvaluation.Candidate("logged", Candidates.logged())));
        final LoggedDecision row = new LoggedDecision(0);
        final Xoroshiro128PlusPlus g = new Xoroshiro128PlusPlus(5);
        double weighted = 0;
        double weights = 0;
        double squares = 0;
        for (int i = 0; i < 20_000; i++) {
            log.next(row);
            // a log sampled at a rate that changes over the window (1, 1/2, 1/4), with real-valued rewards
            final double s = 1 << (i / 7_000);
            final double r = row.reward() * (1 + g.nextDouble());
            row.set(row.timeMillis(), row.contextKey(), row.action(), row.propensity(), r, s, row.flags());
            eval.add(row);
            weighted += s * r;
            weights += s;
            squares += s * s;
        }
        final double mean = weighted / weights;
        final EvaluationResult result = eval.result();
        assertEquals(mean, result.meanLoggedReward(), 1e-12);
        final CandidateResult logged = result.candidate("logged");
        for (final Estimator e : List.of(Estimator.IPS, Estimator.SNIPS, Estimator.DR)) {
            final Estimate est = logged.estimate(e);
            assertEquals(mean, est.value(), 1e-12, e.key());
            assertTrue(est.lower() <= mean && mean <= est.upper(), e.key() + " interval " + est);
        }
        // the replay accepts each row with the same probability (replayScale), so it estimates the same mean
        final Estimate replay = logged.estimate(Estimator.REPLAY);
        assertTrue(replay.covers(mean), "replay interval " + replay);
        assertEquals(20_000, logged.weightedRows());
        assertEquals(weights * weights / squares, logged.effectiveSampleSize(), 1e-6);
        assertTrue(logged.warnings().isEmpty(), logged.warnings().toString());
    }

    /**
     * What the check is for: a candidate equal to the logging policy, given that policy's true probabilities, matches
     * the mean reward only when the log carries the right propensities (here a pipeline bug halves one action's).
     */
    @Test
    void aCandidateEqualToTheLoggingPolicyMatchesOnlyWithTheRightPropensities() {
        final KeyedLog log = KeyedLog.random(5, 3, 0.2, 21, 22);
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(3).seed(4),
            List.of(new OffPolicyEvaluation.Candidate("same", KeyedLog.table(log.logging))));
        final OffPolicyEvaluation skewed = new OffPolicyEvaluation(new EvaluationConfig(3).seed(4),
            List.of(new OffPolicyEvaluation.Candidate("same", KeyedLog.table(log.logging))));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 50_000; i++) {
            log.next(row);
            eval.add(row);
            // a pipeline bug: the propensity of action 0 logged as half its value
            final double p = row.action() == 0 ? row.propensity() / 2 : row.propensity();
            skewed.add(row.set(row.timeMillis(), row.contextKey(), row.action(), p, row.reward(), 1, row.flags()));
        }
        final double mean = eval.result().meanLoggedReward();
        final Estimate ok = eval.result().candidate("same").estimate(Estimator.IPS);
        final Estimate bad = skewed.result().candidate("same").estimate(Estimator.IPS);
        assertTrue(ok.covers(mean), "correct propensities: " + ok + " vs mean " + mean);
        assertTrue(!bad.covers(mean), "halved propensities must show: " + bad + " vs mean " + mean);
    }
}
