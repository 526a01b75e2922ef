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
 * @param unit        the unit (user) the decision was for; empty when unknown
 * @param value       propensity for DECISION, reward for REWARD, clearing price (CPM) for WIN/BILL, 0 otherwise
 * @param code        OpenRTB loss reason for LOSS, 0 otherwise
 */
public record OutcomeEvent(OutcomeKind kind, long timeMillis, String id, String scope, String arm, String unit,
                           double value, int code) {
    public OutcomeEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(arm, "arm");
        Objects.requireNonNull(unit, "unit");
    }
}
