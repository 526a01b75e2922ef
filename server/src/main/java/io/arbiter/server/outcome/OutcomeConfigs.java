package io.arbiter.server.outcome;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;

/**
 * Reads {@link OutcomeConfig} from the server's {@code outcomes} JSON object. Every key is optional (the defaults of
 * {@link OutcomeConfig#defaults()} apply); an unknown key or a bad value fails with a message naming
 * {@code outcomes.<key>}. Durations are ISO-8601 strings ({@code "PT0.05S"}). The journal directory is not read from
 * the JSON: it is {@code <dataDir>/journal}, passed in by the server.
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

    private static final Set<String> KEYS = Set.of(MAX_JOURNAL_BYTES, SEGMENT_BYTES, APPEND_QUEUE_CAPACITY,
            BATCH_SIZE, FLUSH_INTERVAL, DECISION_SAMPLE_RATE, RING_CAPACITY_BYTES, RETRY_INITIAL, RETRY_MAX,
            STATEMENT_TIMEOUT, CLOSE_TIMEOUT);

    private OutcomeConfigs() {
    }

    /** The configuration in {@code json} (the {@code outcomes} object; null means all defaults). */
    public static OutcomeConfig from(JsonObject json, Path journalDir) {
        Objects.requireNonNull(journalDir, "journalDir");
        final JsonObject settings = json == null ? new JsonObject() : json;
        for (final String key : settings.fieldNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("outcomes." + key + ": unknown setting (known: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        final OutcomeConfig defaults = OutcomeConfig.defaults();
        try {
            return new OutcomeConfig(journalDir,
                    number(settings, MAX_JOURNAL_BYTES, defaults.maxJournalBytes()).longValue(),
                    number(settings, SEGMENT_BYTES, defaults.segmentBytes()).longValue(),
                    integer(settings, APPEND_QUEUE_CAPACITY, defaults.appendQueueCapacity()),
                    integer(settings, BATCH_SIZE, defaults.batchSize()),
                    duration(settings, FLUSH_INTERVAL, defaults.flushInterval()),
                    number(settings, DECISION_SAMPLE_RATE, defaults.decisionSampleRate()).doubleValue(),
                    integer(settings, RING_CAPACITY_BYTES, defaults.ringCapacityBytes()),
                    duration(settings, RETRY_INITIAL, defaults.retryInitial()),
                    duration(settings, RETRY_MAX, defaults.retryMax()),
                    duration(settings, STATEMENT_TIMEOUT, defaults.statementTimeout()),
                    duration(settings, CLOSE_TIMEOUT, defaults.closeTimeout()));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("outcomes.")) {
                throw e;
            }
            throw new IllegalArgumentException("outcomes: " + e.getMessage(), e);
        }
    }

    private static Number number(JsonObject json, String key, Number fallback) {
        final Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("outcomes." + key + ": expected a number, got " + value);
        }
        return number;
    }

    private static int integer(JsonObject json, String key, int fallback) {
        final Number number = number(json, key, fallback);
        final long value = number.longValue();
        if (value != number.doubleValue() || value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("outcomes." + key + ": expected an integer, got " + number);
        }
        return (int) value;
    }

    private static Duration duration(JsonObject json, String key, Duration fallback) {
        final Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Duration.parse(value.toString());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("outcomes." + key + ": expected an ISO-8601 duration such as PT0.05S, "
                    + "got " + value, e);
        }
    }
}
