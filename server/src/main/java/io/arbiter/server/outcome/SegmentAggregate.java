package io.arbiter.server.outcome;

/**
 * Totals of one variant in one segment as kept in Postgres ({@code segment_aggregates}): rewards folded in exactly,
 * in the same transaction as the reward rows.
 *
 * @param experiment the experiment id
 * @param segment    the segment's 64-bit key
 * @param level      the segment's level key (which attributes it is a segment of)
 * @param variant    the variant id
 */
public record SegmentAggregate(String experiment, long segment, long level, String variant, long trials,
                               long successes, double rewardSum, double rewardSquareSum) {
}
