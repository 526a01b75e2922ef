package io.arbiter.server.outcome;

import io.arbiter.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;

/** Builds the pipeline's {@link OutcomeConfig} from the {@code outcomes} object of the server's config file. */
public final class OutcomeConfigs {
    private OutcomeConfigs() {
    }

    /**
     * Keys (all optional, defaults from {@link OutcomeConfig#defaults()}): {@code maxJournalBytes},
     * {@code segmentBytes}, {@code appendQueueCapacity}, {@code batchSize}, {@code flushInterval},
     * {@code decisionSampleRate}, {@code ringCapacityBytes}, {@code retryInitial}, {@code retryMax},
     * {@code statementTimeout}, {@code closeTimeout}; durations are ISO-8601.
     */
    public static OutcomeConfig from(JsonObject json, Path journalDir) {
        OutcomeConfig config = OutcomeConfig.defaults().withJournalDir(journalDir);
        try {
            if (json.containsKey("maxJournalBytes")) {
                config = config.withMaxJournalBytes(json.getLong("maxJournalBytes"));
            }
            if (json.containsKey("segmentBytes")) {
                config = config.withSegmentBytes(json.getLong("segmentBytes"));
            }
            if (json.containsKey("appendQueueCapacity")) {
                config = config.withAppendQueueCapacity(json.getInteger("appendQueueCapacity"));
            }
            if (json.containsKey("batchSize")) {
                config = config.withBatchSize(json.getInteger("batchSize"));
            }
            if (json.containsKey("flushInterval")) {
                config = config.withFlushInterval(duration(json, "flushInterval"));
            }
            if (json.containsKey("decisionSampleRate")) {
                config = config.withDecisionSampleRate(json.getDouble("decisionSampleRate"));
            }
            if (json.containsKey("ringCapacityBytes")) {
                config = config.withRingCapacityBytes(json.getInteger("ringCapacityBytes"));
            }
            if (json.containsKey("retryInitial") || json.containsKey("retryMax")) {
                config = config.withRetry(
                    json.containsKey("retryInitial") ? duration(json, "retryInitial") : config.retryInitial(),
                    json.containsKey("retryMax") ? duration(json, "retryMax") : config.retryMax());
            }
            if (json.containsKey("statementTimeout")) {
                config = config.withStatementTimeout(duration(json, "statementTimeout"));
            }
            if (json.containsKey("closeTimeout")) {
                config = config.withCloseTimeout(duration(json, "closeTimeout"));
            }
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("outcomes: a setting has the wrong type (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("outcomes: " + e.getMessage(), e);
        }
        return config;
    }

    private static Duration duration(JsonObject json, String key) {
        return Duration.ofMillis(ServerConfig.duration(json.getString(key), "outcomes." + key));
    }
}
