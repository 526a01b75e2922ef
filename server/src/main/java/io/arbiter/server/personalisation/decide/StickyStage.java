package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.bandits.unit.UnitKeys;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

/**
 * STICKY: for an experiment with {@code sticky} and a request naming its unit, the unit's live assignment decides
 * (propensity 1, flag {@code STICKY}) while its variant is active and eligible. After a choice, {@link #remember}
 * stores the chosen variant for {@code sticky} (from that decision; later visits do not extend it). An assignment
 * whose variant was retired is replaced; one whose variant is merely not eligible for this request is kept (and this
 * request's choice is not remembered). Assignments are per node, off-heap in {@code sticky.table}
 * ({@link StickyAssignments}: bounded, evicting expired entries first).
 */
final class StickyStage implements DecisionStage {
    private final StickyAssignments assignments;

    StickyStage(StickyAssignments assignments) {
        this.assignments = assignments;
    }

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        if (experiment.spec().stickyMillis() == 0 || d.unit.isEmpty()) {
            return;
        }
        final long key = UnitKeys.key(experiment.segments().experimentKey(), UnitKeys.unitHash(d.unit));
        d.stickyKey = key;
        final int ordinal = assignments.get(key, d.nowMillis);
        if (ordinal == StickyAssignments.NONE) {
            return;
        }
        final int position = positionOf(experiment.segments(), ordinal);
        if (position < 0) {
            d.stickyReplace = true; // retired since: assign afresh
        } else if (d.eligible().contains(position)) {
            d.decide(DecisionSlot.STICKY, position, 1.0, DecisionFlags.STICKY);
        } else {
            d.stickyKey = 0; // kept for later requests that allow it
        }
    }

    /** After the choice decided: remembers the unit's variant (called by the LOG stage). */
    void remember(Decision d) {
        if (d.stickyKey == 0 || d.decidedBy() != DecisionSlot.CHOICE && d.decidedBy() != DecisionSlot.BURN_IN) {
            return;
        }
        final int ordinal = d.experiment.segments().ordinal(d.position());
        final long expires = d.nowMillis + d.experiment.spec().stickyMillis();
        if (d.stickyReplace) {
            assignments.assign(d.stickyKey, ordinal, expires, d.nowMillis);
        } else {
            assignments.assignIfAbsent(d.stickyKey, ordinal, expires, d.nowMillis);
        }
    }

    private static int positionOf(SegmentedThompson model, int ordinal) {
        for (int i = 0; i < model.arms(); i++) {
            if (model.ordinal(i) == ordinal) {
                return i;
            }
        }
        return -1;
    }
}
