package io.arbiter.server.personalisation.reward;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.RewardModel;
import io.arbiter.server.personalisation.guard.GuardCounters.Group;
import io.arbiter.server.personalisation.guard.GuardrailMonitor;
import io.arbiter.server.token.DecisionFlags;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.Objects;

/**
 * Takes a reward for a decision: verify the decision id, check the attribution window, the metric and the reward's
 * domain, claim the (decision, metric) against duplicates, make the reward durable in the outcome journal, and only
 * then move the posterior (a primary reward of a bandit-served decision) or the safeguards' counters (a holdout
 * decision's reward, or a guardrail metric's, which is then checked by the {@link GuardrailMonitor}). A reward that
 * could not be journaled changes nothing and can be retried.
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
    private final GuardrailMonitor guardrails;

    public RewardService(ExperimentRegistry registry, DecisionTokens tokens, OutcomeLog outcomes,
                         DuplicateIndex duplicates, Clock clock, long attributionWindowMillis, Metrics metrics,
                         GuardrailMonitor guardrails) {
        this.registry = Objects.requireNonNull(registry);
        this.tokens = Objects.requireNonNull(tokens);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.duplicates = Objects.requireNonNull(duplicates);
        this.clock = Objects.requireNonNull(clock);
        this.attributionWindowMillis = attributionWindowMillis;
        this.metrics = Objects.requireNonNull(metrics);
        this.guardrails = Objects.requireNonNull(guardrails);
    }

    /** {@link #reward(String, double, String)} of the primary reward. */
    public Future<String> reward(String decisionId, double reward) {
        return reward(decisionId, reward, "");
    }

    /**
     * Validates synchronously (throwing {@link ApiException}) and returns a future of "accepted" or "duplicate"
     * that fails only when the reward could not be made durable.
     *
     * @param metric "" for the experiment's primary reward (it teaches the bandit, unless the decision was in the
     *               holdout group), or one of its guardrail metrics (0 or 1: whether the event happened; it feeds
     *               that guardrail's counters and never the bandit)
     */
    public Future<String> reward(String decisionId, double reward, String metric) {
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
        final int guardrail = metric.isEmpty() ? -1 : experiment.guard().guardrailIndex(metric);
        if (!metric.isEmpty() && guardrail < 0) {
            throw ApiException.badField("metric", "experiment '" + experiment.id() + "' has no guardrail metric '"
                + (metric.length() > 64 ? metric.substring(0, 64) + "..." : metric) + "'");
        }
        if ((guardrail >= 0 || experiment.rewardModel() == RewardModel.BERNOULLI) && reward != 0.0 && reward != 1.0) {
            throw ApiException.badField("reward", guardrail >= 0 ? "'reward' must be 0 or 1 for a guardrail metric"
                : "'reward' must be 0 or 1 for a bernoulli experiment");
        }
        final boolean holdout = token.has(DecisionFlags.HOLDOUT);
        final boolean teaches = guardrail < 0 && !holdout; // only a bandit-served decision's primary reward
        if (!duplicates.claim(token.nonce(), token.issuedAtMillis(), metric)) {
            metrics.rewardTaken(experiment.id(), DUPLICATE);
            return Future.succeededFuture(DUPLICATE);
        }
        final ContextAttribution attribution = ContextAttribution.of(experiment, token);
        final OutcomeEvent event = new OutcomeEvent(OutcomeKind.REWARD, now, decisionId, experiment.id(),
            token.variant(), metric, reward, teaches && attribution.teachesLinear() ? OutcomeEvent.TEACHES_LINEAR : 0,
            token.flags(), teaches ? attribution.segments() : "");
        return outcomes.append(event).transform(journaled -> {
            if (journaled.failed()) {
                duplicates.release(token.nonce(), token.issuedAtMillis(), metric);
                return Future.failedFuture(journaled.cause());
            }
            if (teaches) {
                // The experiment may have been replaced meanwhile; the arm index stays valid either way.
                attribution.update(arm, reward, clock.millis());
                if (token.has(DecisionFlags.CHALLENGER_AGREED)) {
                    teachChallenger(token.experiment(), token.flags(), token.nonce(), token.variant(), reward);
                }
            } else {
                experiment.guard().counters().reward(holdout ? Group.HOLDOUT : Group.TREATMENT, metric,
                    token.variant(), reward);
                if (guardrail >= 0) {
                    final Experiment current = registry.get(experiment.id());
                    final int index = current == null ? -1 : current.guard().guardrailIndex(metric);
                    if (index >= 0) {
                        guardrails.afterReward(current, index, token.variant(), holdout);
                    }
                }
            }
            metrics.rewardTaken(experiment.id(), ACCEPTED);
            return Future.succeededFuture(ACCEPTED);
        });
    }

    /**
     * A decision the experiment's challenger agreed with: its reward is one the challenger would have seen (shadow
     * mode), so it teaches the challenger serving now and counts in its matched estimate, if that challenger is the
     * one that agreed (the decision id's policy version is its generation); an older configuration's agreement does
     * not teach a newer one.
     */
    private void teachChallenger(String experimentId, int flags, long nonce, String variant, double reward) {
        final Experiment current = registry.get(experimentId);
        if (current != null && current.challenger() != null) {
            current.challenger().learnAgreed(flags, nonce, current.ordinalOf(variant), reward,
                clock.millis());
        }
    }
}
