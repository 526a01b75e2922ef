package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.policy.Workspace;
import io.arbiter.server.token.DecisionFlags;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecisionPipelineTest {
    private final List<DecisionSlot> ran = new ArrayList<>();
    private final Decision decision = new Decision(new Workspace(1, 8), ContextLimits.DEFAULTS, 8);

    private DecisionStage recording(DecisionSlot slot) {
        return d -> ran.add(slot);
    }

    private DecisionPipeline.Builder standard() {
        final DecisionPipeline.Builder builder = DecisionPipeline.builder();
        for (final DecisionSlot slot : DecisionSlot.values()) {
            builder.with(slot, recording(slot));
        }
        return builder
            .with(DecisionSlot.ELIGIBILITY, d -> {
                ran.add(DecisionSlot.ELIGIBILITY);
                d.eligible().all(4);
            })
            .with(DecisionSlot.CHOICE, d -> {
                ran.add(DecisionSlot.CHOICE);
                d.decide(DecisionSlot.CHOICE, 2, 0.5, DecisionFlags.NONE);
            });
    }

    @Test
    void runsEverySlotInTheLayerOrder() {
        decision.reset();
        standard().build().run(decision);
        assertEquals(List.of(DecisionSlot.values()), ran);
        assertEquals(DecisionSlot.CHOICE, decision.decidedBy());
        assertEquals(2, decision.position());
    }

    @Test
    void aDecidingStageSkipsTheLaterDecidingStagesButNotShareBoundsOrLog() {
        decision.reset();
        standard().with(DecisionSlot.HOLDOUT, d -> {
            ran.add(DecisionSlot.HOLDOUT);
            d.decide(DecisionSlot.HOLDOUT, 0, 1.0, DecisionFlags.HOLDOUT);
        }).build().run(decision);
        assertEquals(List.of(DecisionSlot.CONTEXT, DecisionSlot.ELIGIBILITY, DecisionSlot.HOLDOUT,
            DecisionSlot.SHARE_BOUNDS, DecisionSlot.SHADOW, DecisionSlot.LOG), ran);
        assertEquals(DecisionFlags.HOLDOUT, decision.flags());
        assertEquals(DecisionSlot.HOLDOUT, decision.decidedBy());
    }

    @Test
    void emptySlotsDoNothingAndTheRequiredOnesMustBeSet() {
        decision.reset();
        DecisionPipeline.builder()
            .with(DecisionSlot.CONTEXT, recording(DecisionSlot.CONTEXT))
            .with(DecisionSlot.ELIGIBILITY, d -> d.eligible().all(3))
            .with(DecisionSlot.CHOICE, d -> d.decide(DecisionSlot.CHOICE, 1, 1.0 / 3, DecisionFlags.NONE))
            .with(DecisionSlot.LOG, recording(DecisionSlot.LOG))
            .build().run(decision);
        assertEquals(List.of(DecisionSlot.CONTEXT, DecisionSlot.LOG), ran);
        assertThrows(IllegalStateException.class, () -> DecisionPipeline.builder()
            .with(DecisionSlot.CONTEXT, DecisionStage.NONE).build());
    }

    @Test
    void aStageCannotDecideAVariantThatIsNotEligible() {
        decision.reset();
        final DecisionPipeline pipeline = standard().with(DecisionSlot.STICKY, d -> {
            d.eligible().none(4).add(1);
            d.decide(DecisionSlot.STICKY, 3, 1.0, DecisionFlags.STICKY);
        }).build();
        assertThrows(IllegalStateException.class, () -> pipeline.run(decision));
    }
}
