package io.arbiter.server.personalisation.reward;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.RewardModel;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.Objects;

/**
 * Takes a reward for a decision: verify the decision id, check the attribution window and the reward's domain, claim
 * the decision against duplicates, make the reward durable in the outcome journal, and only then move the posterior.
 * A reward that could not be journaled changes nothing and can be retried.
 */
public final class RewardService {
    public static final String ACCEPTED = "accepted";
    public static final String DUPLICATE = "duplicate";

    private final ExperimentRegistry registry;
    private final DecisionTokens tokens;
    private final OutcomeLog outcomes;
    private final DuplicateIndex duplicates;
    private final Clock clock;
    private final long attributionWindowMillis;
    private final Metrics metrics;

    public RewardService(ExperimentRegistry registry, DecisionTokens tokens, OutcomeLog outcomes,
                         DuplicateIndex duplicates, Clock clock, long attributionWindowMillis, Metrics metrics) {
        this.registry = Objects.requireNonNull(registry);
        this.tokens = Objects.requireNonNull(tokens);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.duplicates = Objects.requireNonNull(duplicates);
        this.clock = Objects.requireNonNull(clock);
        this.attributionWindowMillis = attributionWindowMillis;
        this.metrics = Objects.requireNonNull(metrics);
    }

    /**
     * Validates synchronously (throwing {@link ApiException}) and returns a future of "accepted" or "duplicate"
     * that fails only when the reward could not be made durable.
     */
    public Future<String> reward(String decisionId, double reward) {
        final DecisionToken token = tokens.parse(decisionId, "decisionId");
        final long now = clock.millis();
        if (now - token.issuedAtMillis() > attributionWindowMillis) {
            throw new ApiException(422, "decision is older than the attribution window ("
                + attributionWindowMillis / 1000 + " s)", "decisionId");
        }
        final Experiment experiment = registry.get(token.experiment());
        if (experiment == null) {
            throw new ApiException(422, "the decision's experiment '" + token.experiment() + "' no longer exists",
                "decisionId");
        }
        final Integer arm = experiment.armByVariant().get(token.variant());
        if (arm == null) {
            throw new ApiException(422, "the decision's variant '" + token.variant()
                + "' is not part of experiment '" + experiment.id() + "'", "decisionId");
        }
        if (experiment.rewardModel() == RewardModel.BERNOULLI && reward != 0.0 && reward != 1.0) {
            throw ApiException.badField("reward", "'reward' must be 0 or 1 for a bernoulli experiment");
        }
        if (!duplicates.claim(token.nonce(), token.issuedAtMillis())) {
            metrics.rewardTaken(experiment.id(), DUPLICATE);
            return Future.succeededFuture(DUPLICATE);
        }
        final ContextAttribution attribution = ContextAttribution.of(experiment, token);
        final OutcomeEvent event = new OutcomeEvent(OutcomeKind.REWARD, now, decisionId, experiment.id(),
            token.variant(), "", reward, 0, token.flags(), attribution.segments());
        return outcomes.append(event).transform(journaled -> {
            if (journaled.failed()) {
                duplicates.release(token.nonce(), token.issuedAtMillis());
                return Future.failedFuture(journaled.cause());
            }
            // The experiment may have been replaced meanwhile; the arm index stays valid either way.
            attribution.update(arm, reward, clock.millis());
            metrics.rewardTaken(experiment.id(), ACCEPTED);
            return Future.succeededFuture(ACCEPTED);
        });
    }
}
