package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

/**
 * ELIGIBILITY: the variants this request allows. {@code eligible} (when given) keeps only the listed variants,
 * {@code exclude} removes the listed ones (both: their intersection); ids that are not active variants are ignored.
 * No eligible variant is a 400 naming the field. A paused experiment decides here: its default variant, or the first
 * eligible one in the defined order when the default is not eligible (propensity 1, flag {@code DEFAULT}).
 */
final class EligibilityStage implements DecisionStage {

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        final int n = experiment.arms().length;
        final EligibleSet eligible = d.eligible();
        if (d.eligibleGiven) {
            eligible.none(n);
            for (int i = 0; i < d.eligibleCount; i++) {
                final int position = experiment.position(d.eligibleNames[i]);
                if (position >= 0) {
                    eligible.add(position);
                }
            }
        } else {
            eligible.all(n);
        }
        for (int i = 0; i < d.excludeCount; i++) {
            final int position = experiment.position(d.excludeNames[i]);
            if (position >= 0) {
                eligible.remove(position);
            }
        }
        if (eligible.count() == 0) {
            final String field = d.excludeCount > 0 ? "exclude" : "eligible";
            throw ApiException.badField(field, "no variant of experiment '" + experiment.id()
                + "' is eligible for this request");
        }
        if (experiment.paused()) {
            final int fallback = eligible.contains(experiment.defaultPosition())
                ? experiment.defaultPosition() : eligible.position(0);
            d.decide(DecisionSlot.ELIGIBILITY, fallback, 1.0, DecisionFlags.DEFAULT);
        }
    }
}
