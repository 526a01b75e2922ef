package io.arbiter.server.outcome;

import java.util.Objects;

/**
 * One decision or outcome on its way to Postgres.
 *
 * @param kind        what happened
 * @param timeMillis  when it happened (epoch milliseconds, from the server's injected clock)
 * @param id          the decision id (personalisation) or bid token id (OpenRTB); the idempotency key
 * @param scope       experiment id, or campaign id for OpenRTB events
 * @param arm         variant id, or creative id for OpenRTB events
 * @param unit        the unit (user) the decision was for (empty when unknown); for a REWARD, the metric it rewards
 *                    (empty for the experiment's primary reward)
 * @param value       propensity for DECISION, reward for REWARD, clearing price (CPM) for WIN/BILL, 0 otherwise
 * @param code        OpenRTB loss reason for LOSS; flags ({@link #HOLDOUT}) for DECISION and REWARD; 0 otherwise
 */
public record OutcomeEvent(OutcomeKind kind, long timeMillis, String id, String scope, String arm, String unit,
                           double value, int code) {
    /**
     * Flag in {@link #code()} of a DECISION or REWARD: the decision was in the experiment's holdout group. Such
     * decisions are not counted in the experiment's per-arm decisions and such rewards are not folded into its
     * per-arm aggregates (they never teach the bandit).
     */
    public static final int HOLDOUT = 1;

    public OutcomeEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(arm, "arm");
        Objects.requireNonNull(unit, "unit");
    }
}
