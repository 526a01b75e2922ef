package io.arbiter.server.personalisation.reward;

import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;

import java.util.Objects;

/**
 * Rewards that taught a linear model on another server node, replayed into this node's model: the decision id
 * carries the features (signed), so the reward lands exactly where it would have landed here
 * ({@link ContextAttribution}); and the take-back of a reward this node applied but another node stored first. Any
 * thread (the models' rings take offers from any thread; their applier is the maintenance thread).
 */
public final class SharedLinearRewards {

    /** What became of one shared reward. */
    public enum Result {
        /** Offered to the model's ring. */
        APPLIED,
        /** Teaches no linear model here (signed with another secret, another context definition, not linear now). */
        DROPPED,
        /** Cannot be applied yet: the experiment or variant has not reached this node. */
        RETRY,
        /** The model's ring is full: offer it again once the applier has made room. */
        FULL
    }

    private final ExperimentRegistry registry;
    private final DecisionTokens tokens;

    public SharedLinearRewards(ExperimentRegistry registry, DecisionTokens tokens) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /**
     * Offers reward {@code number} of node {@code node} (for {@code decisionId}) to this node's linear model of its
     * experiment, which skips it when it has that number of that node already.
     *
     * @throws IllegalStateException naming the experiment when the model refuses the observation (a defect)
     */
    public Result apply(String node, long number, String decisionId, double reward) {
        final ContextAttribution attribution;
        try {
            final DecisionToken token = tokens.parse(decisionId, "decisionId");
            final Experiment experiment = registry.get(token.experiment());
            if (experiment == null || experiment.ordinalOf(token.variant()) < 0) {
                return Result.RETRY;
            }
            attribution = ContextAttribution.of(experiment, token);
        } catch (RuntimeException e) {
            return Result.DROPPED; // not a decision id this node can verify
        }
        if (!attribution.teachesLinear() || !Double.isFinite(reward)) {
            return Result.DROPPED;
        }
        try {
            return attribution.replayLinear(reward, LinearModelTable.sourceKey(node), number) ? Result.APPLIED
                : Result.FULL;
        } catch (RuntimeException e) { // a defect: named with its experiment for the sync's log line
            throw new IllegalStateException("experiment " + attribution.experimentId() + ": " + e, e);
        }
    }

    /** The newest number of {@code node} every linear model here contains (0: none): replays start after it. */
    public long replayedUpTo(String node) {
        return registry.linearReplayedUpTo(LinearModelTable.sourceKey(node));
    }

    /** Every reward of {@code node} up to {@code number} was offered or passed over: the models move past it. */
    public void replayed(String node, long number) {
        registry.linearReplayed(LinearModelTable.sourceKey(node), number);
    }

    /** How many linear models here have no replay position for {@code node} (every slot taken by others). */
    public int withoutPosition(String node) {
        return registry.linearWithoutPosition(LinearModelTable.sourceKey(node));
    }

    /**
     * Takes a reward this node applied back from its linear model (another node stored it first, and its row comes
     * back through the sync). False when it teaches no linear model here any more or the ring was full.
     */
    public boolean retract(String decisionId, double reward) {
        try {
            final DecisionToken token = tokens.parse(decisionId, "decisionId");
            final Experiment experiment = registry.get(token.experiment());
            if (experiment == null || experiment.ordinalOf(token.variant()) < 0) {
                return false;
            }
            final ContextAttribution attribution = ContextAttribution.of(experiment, token);
            return attribution.teachesLinear() && attribution.retractLinear(reward);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
