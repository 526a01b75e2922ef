package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.SegmentedThompson;

/**
 * CONTEXT: maps the parsed request onto the experiment's model. For the segment model (and a plain experiment, whose
 * model is the root alone) it sets the declared attributes' values in the decision's {@code SegmentMatch} and
 * resolves it (finding or creating the matched segments, lock-free); attributes the experiment does not declare are
 * ignored.
 */
final class ContextStage implements DecisionStage {

    @Override
    public void apply(Decision d) {
        final SegmentedThompson model = d.experiment.segments();
        d.match.reset(model.spec());
        model.resolve(d.match, true);
    }
}
