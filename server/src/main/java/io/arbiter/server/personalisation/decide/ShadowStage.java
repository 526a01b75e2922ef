package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentedThompson;
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
 * posterior draw per eligible variant and a few atomic adds. A challenger with its own segments matches the request's
 * attributes against its context spec first (resolving, and creating, its own segments) and, on an agreement,
 * remembers them under the decision id's nonce (drawn here, used by LOG) for the reward.
 */
final class ShadowStage implements DecisionStage {
    /** This loop's match for challengers with their own segments. */
    private final SegmentMatch match = new SegmentMatch();

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        final Challenger challenger = experiment.challenger();
        final DecisionSlot by = d.decidedBy();
        if (challenger == null || by != DecisionSlot.CHOICE && by != DecisionSlot.SHARE_BOUNDS || d.count != 1
            || d.capped() || DecisionFlags.has(d.flags(), DecisionFlags.DEFAULT)) {
            return;
        }
        final SegmentedThompson segments = challenger.segments();
        final boolean agreed;
        if (segments == null) {
            agreed = challenger.choose(experiment.ordinals(), d.eligible(), d.position(), d.workspace(), d.nowMillis);
        } else {
            // the challenger's own context: the request's attributes its spec declares, whatever the champion's
            final ContextSpec spec = segments.spec();
            match.reset(spec);
            for (int i = 0; i < d.attributes; i++) {
                final int a = spec.attributeIndex(d.attributeNames[i]);
                if (a >= 0) {
                    match.value(a, d.attributeValues[i]);
                }
            }
            segments.resolve(match, true);
            agreed = challenger.choose(match, experiment.ordinals(), d.eligible(), d.position(), d.nonce(),
                d.workspace(), d.nowMillis);
        }
        if (agreed) {
            d.addFlags(challenger.agreedFlags());
        }
    }
}
