package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailRule;
import io.arbiter.bandits.guard.RateConfidenceSequence;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.UnitKeys;
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
    private final int holdoutPosition;
    private final ShareBounds bounds;
    private final long capScope;
    /** {@link UnitKeys#salt} of the cap's scope and each of the first groups of eight variant ordinals. */
    private final long[] capSalts = new long[8];
    /** {@link UnitKeys#salt} of the holdout's salt (slot 0). */
    private final long holdoutKeySalt;

    /**
     * @param served the variants the experiment serves (its active, unsuspended ones), in their order: positions in
     *               the decision refer to this list
     */
    public ExperimentGuard(String experiment, GuardSpec spec, GuardState state, List<String> served,
                           List<String> defined) {
        this.spec = Objects.requireNonNull(spec);
        this.state = Objects.requireNonNull(state);
        this.holdoutPosition = served.indexOf(spec.holdoutVariant());
        final int[] positions = new int[served.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = defined.indexOf(served.get(i));
        }
        this.bounds = spec.hasShareBounds() ? spec.bounds(positions) : null;
        // Caps are counted per (experiment, period): a new period starts new counts (the store's sub-windows).
        this.capScope = UnitKeys.unitHash(experiment) * 31 + spec.capPeriodMillis();
        for (int group = 0; group < capSalts.length; group++) {
            capSalts[group] = UnitKeys.salt(capScope, group);
        }
        this.holdoutKeySalt = UnitKeys.salt(spec.salt(), 0);
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

    /**
     * Where a unit falls in [0, 1) for this experiment: a hash of the experiment's salt and the unit. A unit is in the
     * holdout when this is below {@code holdout}, so it stays in its group for the life of the experiment, and raising
     * or lowering {@code holdout} moves only the units between the old and the new share. Allocation-free.
     */
    public static double holdoutHash(long salt, CharSequence unit) {
        return (UnitKeys.key(salt, UnitKeys.unitHash(unit)) >>> 11) * 0x1.0p-53;
    }

    /** Whether {@code unit} (non-empty) is in the holdout group. */
    public boolean inHoldout(CharSequence unit) {
        return spec.holdout() > 0.0 && inHoldout(UnitKeys.unitHash(unit));
    }

    /**
     * Whether the unit whose {@link UnitKeys#unitHash} is {@code unitHash} is in the holdout group: the same answer as
     * {@link #holdoutHash}, from a hash the caller computed once for the holdout and the frequency cap.
     */
    public boolean inHoldout(long unitHash) {
        return spec.holdout() > 0.0
            && (UnitKeys.saltedKey(holdoutKeySalt, unitHash) >>> 11) * 0x1.0p-53 < spec.holdout();
    }

    /** Position of the holdout variant among the served variants; -1 when it is not served (suspended). */
    public int holdoutPosition() {
        return holdoutPosition;
    }

    /** The share bounds over the served variants (their positions), or null when the experiment has none. */
    public ShareBounds bounds() {
        return bounds;
    }

    /**
     * The frequency-cap store key of (unit hash, variant ordinal) for this experiment: the key of the unit's record
     * for the ordinal's group of {@value FrequencyCapStore#WORDS} ({@link UnitKeys#key}{@code (scope, unit, ordinal /
     * 8)}), whose word {@link #capWord}{@code (ordinal)} counts the variant; one SplitMix64 round for the first eight
     * groups (their salts are computed here once).
     */
    public long capKey(long unitHash, int variantOrdinal) {
        final int group = variantOrdinal / FrequencyCapStore.WORDS;
        return group < capSalts.length ? UnitKeys.saltedKey(capSalts[group], unitHash)
            : UnitKeys.key(capScope, unitHash, group);
    }

    /** The word of {@link #capKey}'s record that counts the variant of ordinal {@code variantOrdinal}. */
    public static int capWord(int variantOrdinal) {
        return variantOrdinal % FrequencyCapStore.WORDS;
    }
}
