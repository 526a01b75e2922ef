package io.arbiter.server.outcome;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One row of the aggregation the outcome pipeline applies to OpenRTB events as it stores them (the rules are the
 * bidder's, handed to the pipeline as data, so this package knows no bidding rule): each new event of {@code kind}
 * adds, to the aggregate row {@code (scopePrefix + campaign, creative)} of {@code arm_aggregates}, {@code trials} and
 * {@code successes}, and a reward with its square: the event's value when {@code rewardFromValue}, else
 * {@code successes}.
 *
 * @param kind            the event kind (an OpenRTB notice: not DECISION or REWARD, which have tables of their own)
 * @param scopePrefix     prefix of the aggregate's scope, lower-case letters and a colon ({@code "ctr:"})
 * @param trials          trials added per event, {@code >= 0}
 * @param successes       successes added per event, {@code >= 0}
 * @param rewardFromValue whether the reward added is the event's value (a price) rather than {@code successes}
 */
public record AggregationRule(OutcomeKind kind, String scopePrefix, long trials, long successes,
                              boolean rewardFromValue) {
    private static final Pattern PREFIX = Pattern.compile("[a-z]{1,16}:");

    public AggregationRule {
        Objects.requireNonNull(kind, "kind");
        if (kind == OutcomeKind.DECISION || kind == OutcomeKind.REWARD) {
            throw new IllegalArgumentException("decisions and rewards are aggregated by the pipeline itself: " + kind);
        }
        if (scopePrefix == null || !PREFIX.matcher(scopePrefix).matches()) {
            throw new IllegalArgumentException("scope prefix must be lower-case letters and a colon: " + scopePrefix);
        }
        if (trials < 0 || successes < 0) {
            throw new IllegalArgumentException("deltas must be >= 0: " + trials + ", " + successes);
        }
    }
}
