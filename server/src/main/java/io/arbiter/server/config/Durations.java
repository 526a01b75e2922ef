package io.arbiter.server.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The one duration parser, for settings and API fields alike: an ISO-8601 string ({@code "PT0.05S"}, {@code "PT1H"},
 * {@code "P7D"}), or, where a field takes them ({@code halfLife}), a JSON number of seconds. Negative durations are
 * refused everywhere. Failures are {@link IllegalArgumentException}s whose message names the field; the config reader
 * and the API each wrap them in their own error.
 */
public final class Durations {
    /** Longest duration a number of seconds may give (about 317 years), so millis never overflow. */
    static final double MAX_SECONDS = 1e10;

    private Durations() {
    }

    /** An ISO-8601 duration string in milliseconds. */
    public static long millis(String text, String field) {
        return parse(text, field, false).toMillis();
    }

    /**
     * A duration given as an ISO-8601 string or, when {@code secondsAllowed}, as a number of seconds.
     *
     * @param value          the JSON value: a {@link String}, or a {@link Number} when {@code secondsAllowed}
     * @param field          the setting or field name, for the message
     * @param secondsAllowed whether a number of seconds is taken
     */
    public static Duration parse(Object value, String field, boolean secondsAllowed) {
        if (value instanceof String text) {
            final Duration duration;
            try {
                duration = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(field + " must be " + what(secondsAllowed) + ", was '" + text + "'");
            }
            if (duration.isNegative()) {
                throw new IllegalArgumentException(field + " must not be negative, was '" + text + "'");
            }
            return duration;
        }
        if (secondsAllowed && value instanceof Number number) {
            final double seconds = number.doubleValue();
            if (!Double.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
                throw new IllegalArgumentException(field + " must be a non-negative number of seconds (at most "
                    + (long) MAX_SECONDS + "), was " + number);
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        }
        throw new IllegalArgumentException(field + " must be " + what(secondsAllowed) + ", was " + value);
    }

    private static String what(boolean secondsAllowed) {
        return secondsAllowed ? "an ISO-8601 duration such as PT1H or P7D, or a number of seconds"
            : "an ISO-8601 duration such as PT1H or P7D";
    }
}
