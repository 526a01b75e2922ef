package io.arbiter.server.personalisation.decide;

/**
 * One step of a decision, in one {@link DecisionSlot} of the {@link DecisionPipeline}.
 *
 * <p>Contract, for every implementation: it runs on an event loop, once per request, with the loop's own
 * {@link Decision} (reset for this request); it must not block and should not allocate (keep scratch state in the
 * stage, which is per event loop, or in the decision); it reads immutable snapshots (the {@code Experiment}) and
 * off-heap state. A deciding stage ({@link DecisionSlot#decides()}) that settles the variant calls
 * {@link Decision#decide}; the pipeline then skips the later deciding stages. A bad request is an
 * {@link io.arbiter.server.api.ApiException} (4xx naming the field) thrown before anything is counted.
 */
@FunctionalInterface
public interface DecisionStage {

    /** The stage of an empty slot: does nothing. */
    DecisionStage NONE = decision -> { };

    void apply(Decision decision);
}
