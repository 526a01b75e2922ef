package io.arbiter.bandits.eval;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each warning appears when the log cannot support the estimate, with the right numbers, and not otherwise: a clean
 * log with a well-covered candidate raises none (so a warning is never always on).
 */
class WarningsTest {

    private static Set<Warning.Code> codes(CandidateResult c) {
        return c.warnings().stream().map(Warning::code).collect(Collectors.toSet());
    }

    private static OffPolicyEvaluation eval(EvaluationConfig config, CandidatePolicy policy) {
        return new OffPolicyEvaluation(config, List.of(new OffPolicyEvaluation.Candidate("c", policy)));
    }

    @Test
    void aCleanLogRaisesNoWarnings() {
        final KeyedLog log = KeyedLog.random(4, 3, 0.3, 1, 2);
        // replayScale at the log's smallest propensity (0.3 / 3), as docs/evaluation.md asks
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(3).replayScale(0.1),
            KeyedLog.table(log.greedy(0.5)));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 5_000; i++) {
            log.next(row);
            eval.add(row);
        }
        final EvaluationResult r = eval.result();
        assertEquals(List.of(), r.candidate("c").warnings());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void tinyPropensitiesAreFlooredCountedAndWarned() {
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(2).propensityFloor(0.01),
            Candidates.fixed(2, 1));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 1_000; i++) {
            // every 10th row serves action 1 with a Monte-Carlo propensity of 0.002 (or 0: an estimate can be 0)
            final boolean rare = i % 10 == 0;
            eval.add(row.set(i, 0, rare ? 1 : 0, rare ? (i % 20 == 0 ? 0.0 : 0.002) : 0.9, 1.0, 1, 0));
        }
        final EvaluationResult r = eval.result();
        assertEquals(100, r.flooredPropensities());
        final CandidateResult c = r.candidate("c");
        assertEquals(100, c.flooredPropensities());
        assertEquals(1, c.warnings().stream().filter(w -> w.code() == Warning.Code.PROPENSITY_FLOOR).count(),
            "the candidate's own floor warning, not the log-wide one as well: " + c.warnings());
        assertTrue(r.warnings().stream().anyMatch(w -> w.code() == Warning.Code.PROPENSITY_FLOOR));
        // weights capped at 1 / floor = 100: IPS = 100 rows x 100 / 1000 rows
        assertEquals(10.0, c.estimate(Estimator.IPS).value(), 1e-9);
    }

    @Test
    void lowEffectiveSampleSizeIsWarned() {
        final KeyedLog log = KeyedLog.random(4, 5, 0.05, 3, 4);
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(5).minEffectiveSampleSize(100),
            Candidates.fixed(5, 2));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 300; i++) {
            log.next(row);
            eval.add(row);
        }
        final CandidateResult c = eval.result().candidate("c");
        assertTrue(c.effectiveSampleSize() < 100, "ESS " + c.effectiveSampleSize());
        assertTrue(codes(c).contains(Warning.Code.LOW_EFFECTIVE_SAMPLE_SIZE), c.warnings().toString());
    }

    /** Action 2 is never served in context 1: a candidate playing it there has that context's share unsupported. */
    @Test
    void actionsNeverServedInAContextAreWarnedWithTheirShare() {
        final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(3),
            List.of(new OffPolicyEvaluation.Candidate("fixed-2", Candidates.fixed(3, 2)),
                new OffPolicyEvaluation.Candidate("uniform", Candidates.uniform(3))));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 3_000; i++) {
            final int context = i % 3 == 0 ? 1 : 0; // a third of the rows in context 1
            final int action = context == 1 ? i % 2 : i / 3 % 3;
            eval.add(row.set(i, context, action, context == 1 ? 0.5 : 1.0 / 3, i % 7 == 0 ? 1 : 0, 1, 0));
        }
        final EvaluationResult r = eval.result();
        final CandidateResult fixed = r.candidate("fixed-2");
        assertEquals(1.0 / 3, fixed.unsupportedShare(), 1e-12);
        assertTrue(codes(fixed).contains(Warning.Code.UNSUPPORTED_ACTIONS));
        assertEquals(1.0 / 9, r.candidate("uniform").unsupportedShare(), 1e-12);
    }

    @Test
    void clippedWeightsAreCountedAndWarned() {
        final KeyedLog log = KeyedLog.random(3, 4, 0.1, 5, 6);
        final OffPolicyEvaluation clipped = eval(new EvaluationConfig(4).weightClip(2), Candidates.fixed(4, 0));
        final OffPolicyEvaluation plain = eval(new EvaluationConfig(4), Candidates.fixed(4, 0));
        final LoggedDecision row = new LoggedDecision(0);
        long above = 0;
        for (int i = 0; i < 5_000; i++) {
            log.next(row);
            clipped.add(row);
            plain.add(row);
            if (row.action() == 0 && 1 / row.propensity() > 2) {
                above++;
            }
        }
        final CandidateResult c = clipped.result().candidate("c");
        assertEquals(above, c.clippedWeights());
        assertTrue(above > 0);
        assertTrue(codes(c).contains(Warning.Code.CLIPPED_WEIGHTS));
        assertTrue(c.estimate(Estimator.IPS).value() < plain.result().candidate("c").estimate(Estimator.IPS).value());
        assertFalse(codes(plain.result().candidate("c")).contains(Warning.Code.CLIPPED_WEIGHTS));
    }

    @Test
    void malformedHoldoutAndOutOfOrderRowsAreCounted() {
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(2).minEffectiveSampleSize(0)
            .estimators(EnumSet.of(Estimator.IPS)), Candidates.uniform(2));
        final LoggedDecision row = new LoggedDecision(0);
        assertTrue(eval.add(row.set(10, 0, 0, 0.5, 1, 1, 0)));
        assertFalse(eval.add(row.set(11, 0, 2, 0.5, 1, 1, 0)), "action out of range");
        assertFalse(eval.add(row.set(11, 0, 0, 1.5, 1, 1, 0)), "propensity above 1");
        assertFalse(eval.add(row.set(11, 0, 0, Double.NaN, 1, 1, 0)), "propensity NaN");
        assertFalse(eval.add(row.set(11, 0, 0, 0.5, Double.POSITIVE_INFINITY, 1, 0)), "reward infinite");
        assertFalse(eval.add(row.set(11, 0, 0, 0.5, 1, 0.5, 0)), "sample weight below 1");
        assertFalse(eval.add(row.set(11, 0, 0, 0.5, 1, 1, LoggedDecision.HOLDOUT)), "holdout");
        assertTrue(eval.add(row.set(5, 0, 1, 0.5, 0, 1, 0)), "out of order: used, counted");
        final EvaluationResult r = eval.result();
        assertEquals(8, r.rowsRead());
        assertEquals(2, r.rowsUsed());
        assertEquals(5, r.invalidRows());
        assertEquals(1, r.holdoutRows());
        assertEquals(1, r.outOfOrderRows());
        assertEquals(EnumSet.of(Warning.Code.INVALID_ROWS, Warning.Code.OUT_OF_ORDER_ROWS),
            EnumSet.copyOf(codes(r.candidate("c"))));
    }

    @Test
    void contextKeysBeyondTheCapArePooledAndWarned() {
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(2).maxContextKeys(10), Candidates.uniform(2));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 100; i++) {
            eval.add(row.set(i, 1_000_003L * i, i % 2, 0.5, 0, 1, 0));
        }
        final EvaluationResult r = eval.result();
        assertEquals(10, r.contextKeys());
        assertEquals(90, r.contextKeyOverflowRows());
        assertTrue(codes(r.candidate("c")).contains(Warning.Code.CONTEXT_KEYS_OVER_CAP));
    }

    @Test
    void anEmptyWindowSaysSo() {
        final EvaluationResult r = eval(new EvaluationConfig(2), Candidates.uniform(2)).result();
        assertEquals(Warning.Code.NO_ROWS, r.warnings().get(0).code());
        assertTrue(Double.isNaN(r.candidate("c").estimate(Estimator.IPS).value()));
        assertTrue(r.toJson().contains("\"value\":null"), r.toJson());
    }

    @Test
    void theReplayWarnsWhenItsScaleExceedsAPropensity() {
        final OffPolicyEvaluation eval = eval(new EvaluationConfig(2).replayScale(0.5).minEffectiveSampleSize(200),
            Candidates.fixed(2, 1));
        final LoggedDecision row = new LoggedDecision(0);
        for (int i = 0; i < 1_000; i++) {
            eval.add(row.set(i, 0, i % 10 == 0 ? 1 : 0, i % 10 == 0 ? 0.1 : 0.9, 1, 1, 0));
        }
        final CandidateResult c = eval.result().candidate("c");
        assertEquals(100, c.replayScaleExceeded());
        assertTrue(codes(c).contains(Warning.Code.REPLAY_SCALE_EXCEEDED));
        assertEquals(100, c.replayAcceptedRows());
        assertTrue(codes(c).contains(Warning.Code.REPLAY_FEW_ACCEPTED));
    }
}
