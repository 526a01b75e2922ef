package io.arbiter.bandits.guard;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guardrail rule on seeded simulations. Each run serves the variant and the control alternately (equal decision
 * counts), draws each decision's guardrail event at the group's rate, and checks the rule after every event, as the
 * server may. Runs use seeds {@code base + run}; failures print them.
 */
class GuardrailRuleTest {
    private static final int RUNS = 100;

    /**
     * Twice the control's rate (1% against 2%, maxRelativeHarm 0.2, confidence 0.95). The number of decisions the
     * rule implies is computed from the rule itself: the first per-group count {@code N} at which it flags with the
     * expected event counts {@code round(N p)}. Every run must be flagged by {@code N99999}, the first count at which
     * it flags even with a variant count at its 0.001% quantile and a control count at its 99.999% quantile (exact
     * binomial quantiles; the rule is monotone in both counts), so a run misses it with probability below 2e-5 and
     * the whole test fails by chance with probability below 0.2%.
     */
    @Test
    void flagsAVariantWithTwiceTheControlsRateWithinTheImpliedDecisions() {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        final double control = 0.01;
        final double variant = 0.02;
        final long implied = impliedDecisions(rule, variant, control);
        final long bound = boundDecisions(rule, variant, control, 1e-5);
        final long[] flaggedAt = new long[RUNS];
        for (int run = 0; run < RUNS; run++) {
            flaggedAt[run] = firstFlag(rule, variant, control, 3 * bound, 1_000 + run);
            assertTrue(flaggedAt[run] > 0 && flaggedAt[run] <= bound, "seed " + (1_000 + run) + ": flagged at "
                + flaggedAt[run] + " decisions per group, bound " + bound);
        }
        Arrays.sort(flaggedAt);
        System.out.printf("twice the control's rate (%.2f vs %.2f): the rule implies %d decisions per group (%d in"
                + " both) at the expected counts, at most %d with 1e-5-unlucky counts; observed over %d runs: median"
                + " %d, mean %.0f, min %d, max %d%n", variant, control, implied, 2 * implied, bound, RUNS,
            flaggedAt[RUNS / 2], Arrays.stream(flaggedAt).average().orElse(0), flaggedAt[0], flaggedAt[RUNS - 1]);
        assertTrue(Math.abs(flaggedAt[RUNS / 2] - implied) < 0.25 * implied, "median far from the implied count");
    }

    /**
     * Same rate in both groups (2%), checked after every event up to 50,000 decisions per group: flagged in at most
     * 10 of 100 runs (the guarantee is at most 5% in expectation; the sequences are conservative, so far fewer are
     * expected). A fixed-sample 95% test of the same hypothesis checked as often (a one-sided z-test on the log rate
     * ratio) flags far more runs, which shows that this test can fail.
     */
    @Test
    void harmlessVariantCheckedAfterEveryRewardIsRarelyFlagged() {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        final int flagged = countFlagged(rule, 0.02, 0.02, 50_000, 2_000);
        final int naive = countNaiveFlagged(0.2, 0.02, 0.02, 50_000, 2_000);
        System.out.println("harmless variant (2% vs 2%, 50,000 decisions per group, checked after every event):"
            + " flagged in " + flagged + " of " + RUNS + " runs; a repeated fixed-sample z-test flagged " + naive);
        assertTrue(flagged <= 10, "harmless variant flagged in " + flagged + " runs (seeds 2000..2099)");
        assertTrue(naive > 10, "the repeated z-test should fail this test; it flagged " + naive);
    }

    /**
     * A rate exactly at the threshold (2.4% against 2%, maxRelativeHarm 0.2) is not harm by the rule's definition
     * ("worse by more than"): flagged with probability at most 5%, so in at most 10 of 100 runs.
     */
    @Test
    void rateExactlyAtTheThresholdIsNotHarm() {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        final int flagged = countFlagged(rule, 0.024, 0.02, 50_000, 3_000);
        System.out.println("variant at the threshold (2.4% vs 2%, maxRelativeHarm 0.2): flagged in " + flagged + " of "
            + RUNS + " runs");
        assertTrue(flagged <= 10, "at-threshold variant flagged in " + flagged + " runs (seeds 3000..3099)");
    }

    /**
     * Deterministically: observed rates exactly at the threshold ratio are never harm, however many decisions (the
     * sequences contain the observed rates); a ratio a little above it (1.25 against 1.2) becomes harm once the
     * evidence is strong enough (here 10^7 decisions per group at 1%), and {@code evaluate} reports a harm bound above
     * 0.2 exactly then.
     */
    @Test
    void boundaryCountsBehaveAsTheRuleSays() {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        final GuardrailEvidence evidence = new GuardrailEvidence();
        for (long n = 10; n <= 1_000_000_000L; n *= 10) {
            final long controlEvents = n / 10;
            final long variantEvents = controlEvents * 12 / 10;
            assertFalse(rule.isHarmful(n, variantEvents, n, controlEvents), "n " + n);
            assertFalse(rule.evaluate(n, variantEvents, n, controlEvents, evidence));
            assertTrue(evidence.harmLowerBound() < 0.2);
        }
        assertFalse(rule.isHarmful(100_000, 1_250, 100_000, 1_000));
        assertTrue(rule.isHarmful(10_000_000, 125_000, 10_000_000, 100_000));
        assertTrue(rule.evaluate(10_000_000, 125_000, 10_000_000, 100_000, evidence));
        assertTrue(evidence.harmLowerBound() > 0.2 && evidence.harmLowerBound() < 0.25, evidence.toString());
        assertEquals(0.0125, evidence.variantRate(), 1e-12);
        assertTrue(evidence.variantLower() < 0.0125 && evidence.variantUpper() > 0.0125);
        assertTrue(evidence.controlLower() < 0.01 && evidence.controlUpper() > 0.01);
    }

    /** "higher is better": half the control's rate is flagged; the same rate rarely (at most 10 of 100 runs). */
    @Test
    void higherIsBetterMirrorsTheRule() {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.HIGHER, 0.2, 0.95);
        int caught = 0;
        for (int run = 0; run < RUNS; run++) {
            if (firstFlag(rule, 0.05, 0.10, 20_000, 4_000 + run) > 0) {
                caught++;
            }
        }
        final int flagged = countFlagged(rule, 0.10, 0.10, 20_000, 5_000);
        System.out.println("higher is better: 5% vs 10% flagged in " + caught + " of " + RUNS + " runs within 20,000"
            + " decisions per group; 10% vs 10% flagged in " + flagged);
        assertEquals(RUNS, caught);
        assertTrue(flagged <= 10, "same-rate variant flagged in " + flagged + " runs (seeds 5000..5099)");
        assertTrue(rule.isHarmful(20_000, 1_000, 20_000, 2_000));
        assertFalse(rule.isHarmful(20_000, 1_700, 20_000, 2_000));
    }

    /** {@code isHarmful} (with its shortcut) and {@code evaluate} (all bounds) agree on 200,000 random count sets. */
    @Test
    void shortcutAgreesWithTheFullEvaluation() {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(6_000);
        final GuardrailEvidence evidence = new GuardrailEvidence();
        for (final GuardrailDirection direction : GuardrailDirection.values()) {
            final GuardrailRule rule = new GuardrailRule(direction, 0.1, 0.9);
            for (int i = 0; i < 100_000; i++) {
                final long vn = rng.nextInt(20_000);
                final long cn = rng.nextInt(20_000);
                final long ve = vn == 0 ? 0 : rng.nextInt((int) Math.min(vn, 600) + 1);
                final long ce = cn == 0 ? 0 : rng.nextInt((int) Math.min(cn, 600) + 1);
                assertEquals(rule.evaluate(vn, ve, cn, ce, evidence), rule.isHarmful(vn, ve, cn, ce),
                    direction + " " + vn + " " + ve + " " + cn + " " + ce);
            }
        }
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new GuardrailRule(null, 0.2, 0.95));
        assertThrows(IllegalArgumentException.class, () -> new GuardrailRule(GuardrailDirection.LOWER, -0.1, 0.95));
        assertThrows(IllegalArgumentException.class,
            () -> new GuardrailRule(GuardrailDirection.LOWER, Double.NaN, 0.95));
        assertThrows(IllegalArgumentException.class, () -> new GuardrailRule(GuardrailDirection.HIGHER, 1.0, 0.95));
        assertThrows(IllegalArgumentException.class, () -> new GuardrailRule(GuardrailDirection.LOWER, 0.2, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.0));
        assertEquals(GuardrailDirection.LOWER, GuardrailDirection.fromWireName("lower"));
        assertEquals(null, GuardrailDirection.fromWireName("sideways"));
    }

    /** The first per-group decision count at which the rule flags with the expected event counts. */
    static long impliedDecisions(GuardrailRule rule, double variant, double control) {
        for (long n = 1; n < 100_000_000L; n++) {
            if (rule.isHarmful(n, Math.round(n * variant), n, Math.round(n * control))) {
                return n;
            }
        }
        throw new AssertionError("never flagged");
    }

    /** The first count (in steps of 10) at which the rule flags with counts at their tail-probability quantiles. */
    static long boundDecisions(GuardrailRule rule, double variant, double control, double tail) {
        for (int n = 10; n < 100_000_000; n += 10) {
            final int variantEvents = new BinomialDistribution(null, n, variant).inverseCumulativeProbability(tail);
            final int controlEvents = new BinomialDistribution(null, n, control)
                .inverseCumulativeProbability(1.0 - tail);
            if (rule.isHarmful(n, variantEvents, n, controlEvents)) {
                return n;
            }
        }
        throw new AssertionError("never flagged");
    }

    /**
     * One run: decisions alternate between the variant and the control; after every event the rule is checked.
     *
     * @return the per-group decision count at the first flag, or 0 if never flagged within {@code perGroup}
     */
    static long firstFlag(GuardrailRule rule, double variant, double control, long perGroup, long seed) {
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        long variantEvents = 0;
        long controlEvents = 0;
        for (long n = 1; n <= perGroup; n++) {
            final boolean variantEvent = rng.nextDouble() < variant;
            if (variantEvent) {
                variantEvents++;
                if (rule.isHarmful(n, variantEvents, n - 1, controlEvents)) {
                    return n;
                }
            }
            if (rng.nextDouble() < control) {
                controlEvents++;
                if (rule.isHarmful(n, variantEvents, n, controlEvents)) {
                    return n;
                }
            }
        }
        return 0;
    }

    static int countFlagged(GuardrailRule rule, double variant, double control, long perGroup, long baseSeed) {
        int flagged = 0;
        for (int run = 0; run < RUNS; run++) {
            if (firstFlag(rule, variant, control, perGroup, baseSeed + run) > 0) {
                flagged++;
            }
        }
        return flagged;
    }

    /** The same runs with a one-sided 95% z-test on ln(variant rate / control rate) > ln(1 + harm), re-checked. */
    static int countNaiveFlagged(double harm, double variant, double control, long perGroup, long baseSeed) {
        int flagged = 0;
        for (int run = 0; run < RUNS; run++) {
            final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(baseSeed + run);
            long variantEvents = 0;
            long controlEvents = 0;
            for (long n = 1; n <= perGroup; n++) {
                final boolean event = rng.nextDouble() < variant;
                variantEvents += event ? 1 : 0;
                final boolean controlEvent = rng.nextDouble() < control;
                controlEvents += controlEvent ? 1 : 0;
                if ((event || controlEvent) && variantEvents > 0 && controlEvents > 0) {
                    final double logRatio = Math.log((double) variantEvents / controlEvents);
                    final double se = Math.sqrt(1.0 / variantEvents + 1.0 / controlEvents);
                    if ((logRatio - Math.log1p(harm)) / se > 1.645) {
                        flagged++;
                        break;
                    }
                }
            }
        }
        return flagged;
    }
}
