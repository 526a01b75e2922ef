package io.arbiter.server.outcome;

import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads {@link OutcomeConfig} from the server's {@code outcomes} section with the strict {@link ConfigReader}: every
 * key is optional (the defaults of {@link OutcomeConfig#defaults()} apply); an unknown key or a bad value fails with a
 * message naming {@code outcomes.<key>}. Durations are ISO-8601 strings ({@code "PT0.05S"}). The journal directory is
 * not read from the JSON: it is {@code <dataDir>/journal}, passed in by the server.
 */
public final class OutcomeConfigs {

    public static final String MAX_JOURNAL_BYTES = "maxJournalBytes";
    public static final String SEGMENT_BYTES = "segmentBytes";
    public static final String APPEND_QUEUE_CAPACITY = "appendQueueCapacity";
    public static final String BATCH_SIZE = "batchSize";
    public static final String FLUSH_INTERVAL = "flushInterval";
    public static final String DECISION_SAMPLE_RATE = "decisionSampleRate";
    public static final String RING_CAPACITY_BYTES = "ringCapacityBytes";
    public static final String RETRY_INITIAL = "retryInitial";
    public static final String RETRY_MAX = "retryMax";
    public static final String STATEMENT_TIMEOUT = "statementTimeout";
    public static final String CLOSE_TIMEOUT = "closeTimeout";

    private static final Duration ONE_MILLI = Duration.ofMillis(1);

    private OutcomeConfigs() {
    }

    /** The configuration in {@code json} (the {@code outcomes} object; null means all defaults). */
    public static OutcomeConfig from(JsonObject json, Path journalDir) {
        return read(ConfigReader.of("outcomes", json), journalDir);
    }

    /** The configuration of the {@code outcomes} section; finishes it (a key left unread fails, naming it). */
    public static OutcomeConfig read(ConfigReader section, Path journalDir) {
        Objects.requireNonNull(journalDir, "journalDir");
        final OutcomeConfig defaults = OutcomeConfig.defaults();
        final OutcomeConfig config;
        try {
            config = new OutcomeConfig(journalDir,
                    section.longValue(MAX_JOURNAL_BYTES, defaults.maxJournalBytes(), 0, Long.MAX_VALUE),
                    section.longValue(SEGMENT_BYTES, defaults.segmentBytes(), 0, Long.MAX_VALUE),
                    section.integer(APPEND_QUEUE_CAPACITY, defaults.appendQueueCapacity(), 0, Integer.MAX_VALUE),
                    section.integer(BATCH_SIZE, defaults.batchSize(), 1, 50_000),
                    section.duration(FLUSH_INTERVAL, defaults.flushInterval(), ONE_MILLI),
                    section.number(DECISION_SAMPLE_RATE, defaults.decisionSampleRate(), 0.0, 1.0),
                    section.integer(RING_CAPACITY_BYTES, defaults.ringCapacityBytes(), 0, Integer.MAX_VALUE),
                    section.duration(RETRY_INITIAL, defaults.retryInitial(), ONE_MILLI),
                    section.duration(RETRY_MAX, defaults.retryMax(), ONE_MILLI),
                    section.duration(STATEMENT_TIMEOUT, defaults.statementTimeout(), ONE_MILLI),
                    section.duration(CLOSE_TIMEOUT, defaults.closeTimeout(), Duration.ZERO));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("outcomes: " + e.getMessage());
        }
        section.finish();
        return config;
    }
}
