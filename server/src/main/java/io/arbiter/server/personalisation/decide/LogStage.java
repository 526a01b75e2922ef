package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.ContextKey;
import io.arbiter.server.token.DecisionFlags;
import io.arbiter.server.token.DecisionTokens;

import java.util.Objects;

/**
 * LOG: counts the decision (root and matched segments, each shown variant of a slate; a holdout decision in the
 * experiment's holdout counters instead, as it never teaches the bandit), issues the {@code d2} decision
 * id (flags and context key), writes the answer and offers the decision row (propensity, flags, context) to the
 * outcome log. A slate that no choice ranked (a default, a sticky or holdout answer) is the decided variant, then the
 * other eligible variants in their defined order.
 */
final class LogStage implements DecisionStage {
    private final DecisionTokens tokens;
    private final OutcomeLog outcomes;
    private final Metrics metrics;
    private final StringBuilder json = new StringBuilder(256);
    private final StickyStage sticky;

    LogStage(DecisionTokens tokens, OutcomeLog outcomes, Metrics metrics, StickyStage sticky) {
        this.sticky = sticky;
        this.tokens = Objects.requireNonNull(tokens);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.metrics = Objects.requireNonNull(metrics);
    }

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        if (d.capped() && experiment.guard().spec().noContentWhenAllCapped()) {
            d.answer = null; // 204: no variant, no decision id, nothing counted
            return;
        }
        final String[] variants = experiment.variants();
        final int first = d.position();
        final int shown = d.ranked ? d.shown : Math.min(d.count, d.eligible().count());
        if (DecisionFlags.has(d.flags(), DecisionFlags.HOLDOUT)) {
            experiment.guard().counters().holdoutDecision(variants[first]); // the holdout never teaches the bandit
        } else {
            for (int r = 0; r < shown; r++) {
                countDecision(d, slate(d, r));
            }
        }
        if (sticky != null) {
            sticky.remember(d);
        }
        final String token = tokens.issue(experiment.id(), variants[first], d.nowMillis,
            d.nonce(), d.flags(), d.contextKey.isEmpty() ? null : d.contextKey);
        final StringBuilder out = json;
        out.setLength(0);
        out.append("{\"decisionId\":\"").append(token)
            .append("\",\"experiment\":\"").append(experiment.id())
            .append("\",\"variant\":\"").append(variants[first])
            .append("\",\"propensity\":").append(d.propensity());
        if (DecisionFlags.has(d.flags(), DecisionFlags.HOLDOUT)) {
            out.append(",\"holdout\":true");
        }
        if (d.capped()) {
            out.append(",\"capped\":true");
        }
        if (d.count > 1) {
            out.append(",\"variants\":[");
            for (int r = 0; r < shown; r++) {
                if (r > 0) {
                    out.append(',');
                }
                out.append('"').append(variants[slate(d, r)]).append('"');
            }
            out.append(']');
        }
        out.append('}');
        // a dropped row is counted once, by the pipeline (arbiter.outcome.decisions.dropped)
        outcomes.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, d.nowMillis, token, experiment.id(),
            variants[first], d.unit, d.propensity(), 0, d.flags(),
            d.contextJson.isEmpty() ? "" : d.contextJson.toString()));
        metrics.decisionMade(experiment.id());
        d.answer = out.toString();
    }

    private static void countDecision(Decision d, int position) {
        if (d.model == ContextKey.LINEAR) {
            d.experiment.segments().rootTable().recordDecision(d.experiment.arms()[position]);
        } else {
            d.experiment.segments().recordDecision(d.match, position);
        }
    }

    /** The position shown at {@code rank}: the ranked slate, or the decided variant then the eligible in order. */
    private static int slate(Decision d, int rank) {
        if (d.ranked) {
            return d.workspace().ranked(rank);
        }
        final int first = d.position();
        if (rank == 0) {
            return first;
        }
        final EligibleSet eligible = d.eligible();
        int seen = 0;
        for (int i = 0; i < eligible.count(); i++) {
            final int position = eligible.position(i);
            if (position != first && ++seen == rank) {
                return position;
            }
        }
        throw new IllegalStateException("slate rank " + rank + " beyond the eligible variants");
    }
}
