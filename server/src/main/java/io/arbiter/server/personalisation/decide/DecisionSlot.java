package io.arbiter.server.personalisation.decide;

/**
 * The steps of a decision, in the order {@link DecisionPipeline} runs them (the layer order of the design: the
 * experiment is looked up before the first). Each slot holds one {@link DecisionStage}.
 */
public enum DecisionSlot {
    /** The request's context mapped onto the experiment's model (the body was parsed, with its limits, before). */
    CONTEXT,
    /** The eligible set: the request's {@code eligible}/{@code exclude}; a paused experiment's default decides here. */
    ELIGIBILITY,
    /** Extension point: a salted hash of the unit puts it in the control group, which gets the holdout variant. */
    HOLDOUT,
    /** A unit's sticky assignment, when the experiment asks for one. */
    STICKY,
    /** Extension point: burn-in (a fixed share of traffic before the bandit takes over). */
    BURN_IN,
    /** Thompson sampling from the posterior of the request's context (plain, segments, linear), among the eligible. */
    CHOICE,
    /** Extension point: the floor/ceiling mixture over the choice; the logged propensity stays the true one. */
    SHARE_BOUNDS,
    /** The experiment's challenger samples its own choice beside the answer (shadow mode); never changes it. */
    SHADOW,
    /** Count the decision, issue its id, answer, offer its row to the outcome log. */
    LOG;

    /** True for the slots whose stage may decide the variant (each runs only while nothing has decided yet). */
    public boolean decides() {
        return this == ELIGIBILITY || this == HOLDOUT || this == STICKY || this == BURN_IN || this == CHOICE;
    }
}
