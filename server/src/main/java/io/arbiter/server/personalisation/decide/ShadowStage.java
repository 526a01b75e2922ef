package io.arbiter.server.personalisation.decide;

import io.arbiter.server.personalisation.experiment.Challenger;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

/**
 * SHADOW: when the experiment names a challenger and the bandit chose this answer (CHOICE, one variant, possibly moved
 * by share bounds or a frequency cap), the challenger samples its own choice among the same eligible variants with
 * this loop's generator and counts it ({@link Challenger#choose}); an agreement marks the decision {@link
 * DecisionFlags#CHALLENGER_AGREED}, with the challenger's generation as its policy version, so its reward reaches
 * that challenger and no later one. The answer and its logged propensity are the
 * champion's, untouched. Holdout, sticky, burn-in, paused and slate decisions are not shadowed. Allocation-free: one
 * posterior draw per eligible variant and a few atomic adds.
 */
final class ShadowStage implements DecisionStage {

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        final Challenger challenger = experiment.challenger();
        final DecisionSlot by = d.decidedBy();
        if (challenger == null || by != DecisionSlot.CHOICE && by != DecisionSlot.SHARE_BOUNDS || d.count != 1
            || d.capped() || DecisionFlags.has(d.flags(), DecisionFlags.DEFAULT)) {
            return;
        }
        if (challenger.choose(experiment.ordinals(), d.eligible(), d.position(), d.workspace(), d.nowMillis)) {
            d.addFlags(challenger.agreedFlags());
        }
    }
}
