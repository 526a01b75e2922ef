package io.arbiter.server.outcome;

/**
 * Totals for one arm as kept in Postgres: rewards are folded in exactly (in the same transaction as the reward rows);
 * decisions are counted from every decision offered, sampled or not.
 */
public record ArmAggregate(String scope, String arm, long decisions, long trials, long successes,
                           double rewardSum, double rewardSquareSum, long updatedAtMillis) {
}
