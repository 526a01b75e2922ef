package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.unit.UnitKeys;
import io.arbiter.server.personalisation.decide.Decision;
import io.arbiter.server.personalisation.decide.DecisionSlot;
import io.arbiter.server.personalisation.decide.DecisionStage;
import io.arbiter.server.token.DecisionFlags;

/**
 * HOLDOUT: a unit whose salted hash falls below the experiment's {@code holdout} share is in the control group
 * ({@link ExperimentGuard#inHoldout}): it gets the holdout variant (propensity 1), or with
 * {@code "holdoutPolicy": "uniform"} a uniformly random eligible variant (propensity 1/K), and the decision carries
 * the {@code HOLDOUT} flag, so its rewards are recorded apart and never teach the bandit. If the holdout variant is not
 * eligible for the request (or suspended), the first eligible variant in the defined order stands in for it. A
 * request without a {@code unit} is never in the holdout. One per event loop; allocation-free.
 */
public final class HoldoutStage implements DecisionStage {

    @Override
    public void apply(Decision d) {
        if (!d.unit().isEmpty()) {
            apply(d, UnitKeys.unitHash(d.unit()));
        }
    }

    /** {@link #apply(Decision)} for a request with a non-empty unit whose {@link UnitKeys#unitHash} is given. */
    void apply(Decision d, long unitHash) {
        final ExperimentGuard guard = d.experiment().guard();
        if (!guard.inHoldout(unitHash)) {
            return;
        }
        final EligibleSet eligible = d.eligible();
        if (guard.spec().uniformHoldout()) {
            final int n = eligible.count();
            d.decide(DecisionSlot.HOLDOUT, eligible.position(n == 1 ? 0 : d.workspace().rng().nextInt(n)), 1.0 / n,
                DecisionFlags.HOLDOUT);
            return;
        }
        final int wanted = guard.holdoutPosition();
        final int position = wanted >= 0 && eligible.contains(wanted) ? wanted : eligible.position(0);
        d.decide(DecisionSlot.HOLDOUT, position, 1.0, DecisionFlags.HOLDOUT);
    }
}
