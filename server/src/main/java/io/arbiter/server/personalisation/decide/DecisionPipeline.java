package io.arbiter.server.personalisation.decide;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The steps of a decision in the layer order of the design ({@link DecisionSlot}): CONTEXT, ELIGIBILITY, HOLDOUT,
 * STICKY, BURN_IN, CHOICE, SHARE_BOUNDS, SHADOW, LOG. One pipeline per event loop (its stages keep that loop's scratch
 * state); {@link #run} allocates nothing of its own.
 *
 * <p>A deciding slot ({@link DecisionSlot#decides()}) runs only while no earlier stage has decided: a paused
 * experiment's default, a holdout, a sticky repeat or burn-in skips the choice. SHARE_BOUNDS, SHADOW and LOG always
 * run.
 * HOLDOUT, BURN_IN and SHARE_BOUNDS are empty ({@link DecisionStage#NONE}) until a stage is set for them with
 * {@link Builder#with}; see docs/architecture.md for what each may do.
 */
public final class DecisionPipeline {
    private static final DecisionSlot[] SLOTS = DecisionSlot.values();

    private final DecisionStage[] stages;

    private DecisionPipeline(DecisionStage[] stages) {
        this.stages = stages;
    }

    /** Runs every slot's stage in order for {@code decision}, whose experiment and request are set. */
    public void run(Decision decision) {
        for (int i = 0; i < SLOTS.length; i++) {
            final DecisionSlot slot = SLOTS[i];
            if (slot.decides() && decision.isDecided()) {
                continue;
            }
            if (slot == DecisionSlot.SHARE_BOUNDS && !decision.isDecided()) {
                throw new IllegalStateException("no stage decided: CHOICE must always decide");
            }
            stages[i].apply(decision);
        }
    }

    /** The stage in {@code slot}. */
    public DecisionStage stage(DecisionSlot slot) {
        return stages[slot.ordinal()];
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects one stage per slot; unset slots are empty. */
    public static final class Builder {
        private final Map<DecisionSlot, DecisionStage> stages = new EnumMap<>(DecisionSlot.class);

        /** Sets the stage of {@code slot}, replacing any set before. */
        public Builder with(DecisionSlot slot, DecisionStage stage) {
            stages.put(Objects.requireNonNull(slot), Objects.requireNonNull(stage));
            return this;
        }

        public DecisionPipeline build() {
            for (final DecisionSlot required : new DecisionSlot[] {DecisionSlot.CONTEXT, DecisionSlot.ELIGIBILITY,
                DecisionSlot.CHOICE, DecisionSlot.LOG}) {
                if (!stages.containsKey(required)) {
                    throw new IllegalStateException("a decision pipeline needs a " + required + " stage");
                }
            }
            final DecisionStage[] array = new DecisionStage[SLOTS.length];
            for (final DecisionSlot slot : SLOTS) {
                array[slot.ordinal()] = stages.getOrDefault(slot, DecisionStage.NONE);
            }
            return new DecisionPipeline(array);
        }
    }
}
