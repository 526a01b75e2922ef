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
 * @param code        OpenRTB loss reason for LOSS; {@link #TEACHES_LINEAR} for a REWARD that taught a linear model; 0
 *                    otherwise
 * @param flags       decision flags ({@code token.DecisionFlags}: holdout, sticky, default, burn-in, policy version)
 *                    for DECISION and REWARD; 0 otherwise
 * @param context     for DECISION, the request's context as a JSON object (the attributes and features the
 *                    experiment declares, as sent; stored in {@code decisions.context}), empty when it has none; for
 *                    REWARD, the segments the reward updated as space-separated {@code segmentKey:levelKey} pairs of
 *                    signed decimal 64-bit keys (folded into {@code segment_aggregates}), empty for none; at most
 *                    {@link #MAX_CONTEXT_BYTES} UTF-8 bytes
 */
public record OutcomeEvent(OutcomeKind kind, long timeMillis, String id, String scope, String arm, String unit,
                           double value, int code, int flags, String context) {

    /**
     * Bit 0 of {@link #flags()} ({@code token.DecisionFlags.HOLDOUT}): the decision was in the experiment's holdout
     * group. Holdout decisions are not counted in the experiment's per-arm decisions, and their rewards, like those of
     * a metric other than the primary one, are folded into the safeguards' aggregates rather than the bandit's.
     */
    public static final int HOLDOUT_FLAG = 1;

    /**
     * {@link #code()} of a REWARD that taught a linear model (its decision id carries the features): the writer shares
     * it with the other nodes ({@code linear_rewards}) when it stores it.
     */
    public static final int TEACHES_LINEAR = 1;

    /** Longest context an event carries (UTF-8 bytes); a longer one cannot be journaled or logged. */
    public static final int MAX_CONTEXT_BYTES = OutcomeCodec.MAX_CONTEXT_BYTES;

    public OutcomeEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(arm, "arm");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(context, "context");
    }

    /** An event without flags or context (OpenRTB events, and decisions of experiments without context). */
    public OutcomeEvent(OutcomeKind kind, long timeMillis, String id, String scope, String arm, String unit,
                        double value, int code) {
        this(kind, timeMillis, id, scope, arm, unit, value, code, 0, "");
    }
}
