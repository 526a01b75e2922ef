package io.arbiter.server.pg;

import io.arbiter.server.config.ConfigReader;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the logs are kept in Postgres ({@link LogMaintenance}). Aggregates ({@code arm_aggregates}) are never
 * dropped: they are what posteriors are rebuilt from.
 *
 * @param decisions how long decision rows are kept ({@code outcomes.decisionRetention}, default {@code P30D}); whole
 *                  daily partitions are dropped, so a row lives between this and one day more
 * @param rewards   how long reward rows and OpenRTB event rows are kept ({@code outcomes.rewardRetention}, default
 *                  {@code P90D}); never shorter than the attribution and notice windows, because duplicate detection
 *                  is rebuilt at start from the rows within those windows
 */
public record Retention(Duration decisions, Duration rewards) {

    public static final String DECISION_RETENTION = "decisionRetention";
    public static final String REWARD_RETENTION = "rewardRetention";
    public static final Duration DEFAULT_DECISIONS = Duration.ofDays(30);
    public static final Duration DEFAULT_REWARDS = Duration.ofDays(90);

    public Retention {
        Objects.requireNonNull(decisions, "decisions");
        Objects.requireNonNull(rewards, "rewards");
    }

    public static Retention defaults() {
        return new Retention(DEFAULT_DECISIONS, DEFAULT_REWARDS);
    }

    /**
     * Reads the two keys of the {@code outcomes} section (before the outcome pipeline's settings finish it) and
     * checks the reward retention against the windows duplicate detection is rebuilt from.
     */
    public static Retention read(ConfigReader outcomes, long attributionWindowMillis, long noticeWindowMillis) {
        final Duration decisions = outcomes.duration(DECISION_RETENTION, DEFAULT_DECISIONS, Duration.ofDays(1));
        final Duration rewards = outcomes.duration(REWARD_RETENTION, DEFAULT_REWARDS, Duration.ofDays(1));
        if (rewards.toMillis() < attributionWindowMillis) {
            throw outcomes.fail(REWARD_RETENTION, "must not be shorter than decisions.attributionWindow ("
                + Duration.ofMillis(attributionWindowMillis) + "), was " + rewards
                + ": duplicate rewards are detected from the rows kept");
        }
        if (rewards.toMillis() < noticeWindowMillis) {
            throw outcomes.fail(REWARD_RETENTION, "must not be shorter than bidding.noticeWindow ("
                + Duration.ofMillis(noticeWindowMillis) + "), was " + rewards
                + ": duplicate notices are detected from the rows kept");
        }
        return new Retention(decisions, rewards);
    }
}
