package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.guard.ShareAllocator;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.UnitKeys;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.decide.Decision;
import io.arbiter.server.personalisation.decide.DecisionPipeline;
import io.arbiter.server.personalisation.decide.DecisionSlot;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

import java.util.Objects;

/**
 * One event loop's safeguard stages, sharing that loop's scratch state:
 * <ul>
 *   <li><b>HOLDOUT</b>: first the frequency cap (variants the unit has seen {@code count} times in the period leave
 *       the eligible set, so the answer is the best other eligible variant; if every eligible variant is capped, the
 *       answer is the default variant, or the first eligible one, with {@code "capped": true} and propensity 1, or a
 *       204 under {@code "whenAllCapped": "noContent"}), then the holdout ({@link HoldoutStage});</li>
 *   <li><b>BURN_IN</b>: {@link BurnInStage};</li>
 *   <li><b>SHARE_BOUNDS</b>: a choice or burn-in answer for one variant is passed through {@link ShareAllocator}: the
 *       answer's probability lies within the bounds and the logged propensity is that probability; then the cap
 *       counts the answer ({@link FrequencyCapStore#tryAcquire}, atomic: concurrent decisions for one unit never count
 *       past the cap). If another decision for the unit took the last impression meanwhile, the next eligible variant
 *       in the defined order that the unit may still see is answered instead (propensity 1: a rare race, whose
 *       answer is outside the policy), or the capped fallback.</li>
 * </ul>
 * A slate ({@code count} above 1) keeps the choice's ranking: bounds and caps apply to its first (attributed) variant
 * only through the eligible set. Allocation-free.
 */
public final class GuardStages {
    private final PosteriorTable table;
    private final FrequencyCapStore caps;
    private final Metrics metrics;
    private final HoldoutStage holdout = new HoldoutStage();
    private final ShareAllocator allocator;
    private final int[] positions;
    private final double[] probabilities;
    private final long[] capKeys;
    private final int[] capWords;
    private final int[] capCounts;
    /** The unit's hash when the cap was checked for this decision; 0 when it was not. */
    private long capUnitHash;
    /** The request whose cap was checked (its unit string, compared by identity: a paused experiment skips HOLDOUT). */
    private String capUnit;

    public GuardStages(PosteriorTable table, FrequencyCapStore caps, Metrics metrics, int maxVariants) {
        this.table = Objects.requireNonNull(table);
        this.caps = Objects.requireNonNull(caps);
        this.metrics = Objects.requireNonNull(metrics);
        this.allocator = new ShareAllocator(maxVariants);
        this.positions = new int[maxVariants];
        this.probabilities = new double[maxVariants];
        this.capKeys = new long[maxVariants];
        this.capWords = new int[maxVariants];
        this.capCounts = new int[maxVariants];
    }

    /** Sets the HOLDOUT, BURN_IN and SHARE_BOUNDS stages of a loop's pipeline. */
    public void install(DecisionPipeline.Builder pipeline) {
        pipeline.with(DecisionSlot.HOLDOUT, this::capsThenHoldout)
            .with(DecisionSlot.BURN_IN, new BurnInStage(table))
            .with(DecisionSlot.SHARE_BOUNDS, this::boundsThenCount);
    }

    private void capsThenHoldout(Decision d) {
        capUnitHash = 0;
        capUnit = null;
        final ExperimentGuard guard = d.experiment().guard();
        if (d.unit().isEmpty()) {
            return; // neither capped nor held out
        }
        final long unitHash = UnitKeys.unitHash(d.unit()); // once, for the cap's keys and the holdout's draw
        if (guard.spec().hasFrequencyCap()) {
            capUnitHash = unitHash | 1; // never 0, which means "not checked"
            capUnit = d.unit();
            if (dropCapped(d)) {
                return;
            }
        }
        holdout.apply(d, unitHash);
    }

    /** Removes the capped variants; true when every one was capped (the capped fallback is then decided). */
    private boolean dropCapped(Decision d) {
        final Experiment experiment = d.experiment();
        final GuardSpec spec = experiment.guard().spec();
        final EligibleSet eligible = d.eligible();
        final int n = eligible.count();
        for (int i = 0; i < n; i++) {
            positions[i] = eligible.position(i);
        }
        final int fallback = eligible.contains(experiment.defaultPosition()) ? experiment.defaultPosition()
            : positions[0];
        final ExperimentGuard guard = experiment.guard();
        final SegmentedThompson model = experiment.segments();
        int group = -1;
        long key = 0;
        for (int i = 0; i < n; i++) {
            final int ordinal = model.ordinal(positions[i]);
            if (ordinal / FrequencyCapStore.WORDS != group) { // a group's variants share the unit's record
                group = ordinal / FrequencyCapStore.WORDS;
                key = guard.capKey(capUnitHash, ordinal);
            }
            capKeys[i] = key;
            capWords[i] = ExperimentGuard.capWord(ordinal);
        }
        caps.counts(capKeys, capWords, n, spec.capPeriodMillis(), d.nowMillis(), capCounts); // misses overlap
        for (int i = 0; i < n; i++) {
            if (capCounts[i] >= spec.capCount()) {
                eligible.remove(positions[i]);
            }
        }
        if (eligible.count() > 0) {
            return false;
        }
        eligible.add(fallback);
        d.decide(DecisionSlot.HOLDOUT, fallback, 1.0, DecisionFlags.DEFAULT);
        d.markCapped();
        capUnitHash = 0; // the fallback is not counted: the unit is past its cap already
        metrics.decisionCapped(experiment.id());
        return true;
    }

    private void boundsThenCount(Decision d) {
        final ShareBounds bounds = d.experiment().guard().bounds();
        final DecisionSlot by = d.decidedBy();
        if (bounds != null && d.count() == 1 && (by == DecisionSlot.CHOICE || by == DecisionSlot.BURN_IN)) {
            applyBounds(d, bounds, by == DecisionSlot.BURN_IN);
        }
        if (capUnitHash != 0 && capUnit == d.unit()) {
            count(d);
        }
        capUnitHash = 0;
        capUnit = null;
    }

    private void applyBounds(Decision d, ShareBounds bounds, boolean uniform) {
        final EligibleSet eligible = d.eligible();
        final int n = eligible.count();
        int chosen = 0;
        for (int i = 0; i < n; i++) {
            positions[i] = eligible.position(i);
            probabilities[i] = uniform ? 1.0 : d.choiceProbability(positions[i]);
            if (positions[i] == d.position()) {
                chosen = i;
            }
        }
        final int answer = allocator.apply(bounds, positions, n, probabilities, chosen,
            d.workspace().rng().nextDouble());
        if (positions[answer] != d.position()) {
            d.decide(DecisionSlot.SHARE_BOUNDS, positions[answer], allocator.propensity(), DecisionFlags.NONE);
        } else {
            d.propensity(allocator.propensity());
        }
    }

    private void count(Decision d) {
        final Experiment experiment = d.experiment();
        final ExperimentGuard guard = experiment.guard();
        final GuardSpec spec = guard.spec();
        final SegmentedThompson model = experiment.segments();
        final int ordinal = model.ordinal(d.position());
        if (caps.tryAcquire(guard.capKey(capUnitHash, ordinal), ExperimentGuard.capWord(ordinal), spec.capCount(),
            spec.capPeriodMillis(), d.nowMillis())) {
            return;
        }
        final EligibleSet eligible = d.eligible();
        eligible.remove(d.position());
        for (int i = 0; i < eligible.count(); i++) {
            final int position = eligible.position(i);
            final int other = model.ordinal(position);
            if (caps.tryAcquire(guard.capKey(capUnitHash, other), ExperimentGuard.capWord(other), spec.capCount(),
                spec.capPeriodMillis(), d.nowMillis())) {
                d.decide(DecisionSlot.SHARE_BOUNDS, position, 1.0, DecisionFlags.NONE);
                return;
            }
        }
        final int fallback = experiment.defaultPosition();
        eligible.add(fallback);
        d.decide(DecisionSlot.SHARE_BOUNDS, fallback, 1.0, DecisionFlags.DEFAULT);
        d.markCapped();
        metrics.decisionCapped(experiment.id());
    }
}
