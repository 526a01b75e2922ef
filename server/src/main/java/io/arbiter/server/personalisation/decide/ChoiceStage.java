package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

/**
 * CHOICE: Thompson sampling among the eligible variants from the posterior of the request's context: the deciding
 * segment's backed-off posterior (the root's for a plain experiment). A slate ({@code count} above 1) ranks by one
 * draw per eligible variant. The propensity is the choice's probability given the context and the eligible set:
 * the plain policy's estimate when every variant is eligible and there is no segment, otherwise the segment's
 * ({@code SegmentPropensities}: per eligible set, from the deciding segment's draws). A linear context samples each
 * eligible variant's score {@code x·θ} from its posterior.
 */
final class ChoiceStage implements DecisionStage {

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        final EligibleSet eligible = d.eligible();
        if (experiment.linear() != null) {
            linear(d, experiment.linear(), eligible);
            return;
        }
        final SegmentedThompson model = experiment.segments();
        final int position;
        if (d.count == 1) {
            position = model.choose(d.match, eligible, d.workspace(), d.nowMillis);
        } else {
            d.shown = model.rank(d.match, eligible, d.count, d.workspace(), d.nowMillis);
            d.ranked = true;
            position = d.workspace().ranked(0);
        }
        final double propensity = eligible.isAll() && model.spec().attributeCount() == 0
            ? experiment.propensities().propensity(position)
            : experiment.segmentPropensities().propensity(d.match, eligible, position, d.memo, d.nowMillis);
        d.decide(DecisionSlot.CHOICE, position, propensity, DecisionFlags.NONE);
    }

    /** Linear Thompson sampling; the propensity analytically ({@code GaussianMaxProbability}, error at most 0.0039). */
    private static void linear(Decision d, LinearThompson linear, EligibleSet eligible) {
        final int position;
        if (d.count == 1) {
            position = linear.choose(d.featureVector, eligible, d.workspace());
        } else {
            d.shown = linear.rank(d.featureVector, eligible, d.count, d.workspace());
            d.ranked = true;
            position = d.workspace().ranked(0);
        }
        d.decide(DecisionSlot.CHOICE, position, linear.propensity(d.featureVector, eligible, position),
            DecisionFlags.NONE);
    }
}
