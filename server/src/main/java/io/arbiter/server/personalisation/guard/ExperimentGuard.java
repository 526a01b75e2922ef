package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailRule;
import io.arbiter.bandits.guard.RateConfidenceSequence;
import io.arbiter.server.personalisation.guard.GuardCounters.Group;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One experiment version's safeguards, compiled: the definition, the guardrail rules (one per guardrail, in the
 * definition's order, with their counters' scopes precomputed so a check allocates nothing) and the shared
 * {@link GuardState}. Immutable apart from the state.
 */
public final class ExperimentGuard {
    /** Confidence sequences by confidence: each tabulates 256 KiB, so rules of equal confidence share one. */
    private static final Map<Double, RateConfidenceSequence> SEQUENCES = new ConcurrentHashMap<>();

    private final GuardSpec spec;
    private final GuardState state;
    private final GuardrailRule[] rules;
    private final String[] treatmentScopes;
    private final String[] holdoutScopes;

    public ExperimentGuard(String experiment, GuardSpec spec, GuardState state) {
        this.spec = Objects.requireNonNull(spec);
        this.state = Objects.requireNonNull(state);
        final List<GuardSpec.GuardrailSpec> guardrails = spec.guardrails();
        rules = new GuardrailRule[guardrails.size()];
        treatmentScopes = new String[guardrails.size()];
        holdoutScopes = new String[guardrails.size()];
        for (int i = 0; i < rules.length; i++) {
            final GuardSpec.GuardrailSpec g = guardrails.get(i);
            final RateConfidenceSequence sequence = SEQUENCES.computeIfAbsent(g.confidence(),
                c -> GuardrailRule.perGroupSequence(c, RateConfidenceSequence.DEFAULT_RHO));
            rules[i] = new GuardrailRule(g.direction(), g.maxRelativeHarm(), sequence);
            treatmentScopes[i] = GuardCounters.scope(Group.TREATMENT, g.metric(), experiment);
            holdoutScopes[i] = GuardCounters.scope(Group.HOLDOUT, g.metric(), experiment);
        }
    }

    public GuardSpec spec() {
        return spec;
    }

    public GuardState state() {
        return state;
    }

    public GuardCounters counters() {
        return state.counters();
    }

    /** Index of the guardrail on {@code metric}, or -1. */
    public int guardrailIndex(String metric) {
        final List<GuardSpec.GuardrailSpec> guardrails = spec.guardrails();
        for (int i = 0; i < guardrails.size(); i++) {
            if (guardrails.get(i).metric().equals(metric)) {
                return i;
            }
        }
        return -1;
    }

    public int guardrails() {
        return rules.length;
    }

    public GuardrailRule rule(int guardrail) {
        return rules[guardrail];
    }

    public String metric(int guardrail) {
        return spec.guardrails().get(guardrail).metric();
    }

    public String treatmentScope(int guardrail) {
        return treatmentScopes[guardrail];
    }

    public String holdoutScope(int guardrail) {
        return holdoutScopes[guardrail];
    }

    public boolean hasHoldout() {
        return spec.holdout() > 0.0;
    }
}
