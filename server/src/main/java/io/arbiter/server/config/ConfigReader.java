package io.arbiter.server.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A strict reader of one configuration object (a section such as {@code http} or {@code bidding}): typed getters,
 * each with its default and valid range, remember which keys were read, and {@link #finish} fails naming every key
 * left unread ({@code section.key}), so a misspelt setting stops the start instead of being ignored. A value of the
 * wrong JSON type fails too, naming the setting and, when it came from the environment, the variable. A JSON
 * {@code null} means "not set": the default applies.
 *
 * <p>Not thread-safe; it is used once, at start.
 */
public final class ConfigReader {
    private final String path;
    private final JsonObject json;
    private final Map<String, String> variables;
    private final Set<String> read = new HashSet<>();

    private ConfigReader(String path, JsonObject json, Map<String, String> variables) {
        this.path = path;
        this.json = json == null ? new JsonObject() : json;
        this.variables = variables;
    }

    /**
     * A reader of {@code json} as the section {@code path}.
     *
     * @param path      the section's name in messages ("" for the top level, else for example {@code "outcomes"})
     * @param json      the section's settings; null is read as empty
     * @param variables setting path ({@code "http.port"}) to the environment variable that sets it, for messages
     */
    public static ConfigReader of(String path, JsonObject json, Map<String, String> variables) {
        return new ConfigReader(Objects.requireNonNull(path), json, Objects.requireNonNull(variables));
    }

    /** A reader of {@code json} as the section {@code path}, with no environment variables. */
    public static ConfigReader of(String path, JsonObject json) {
        return of(path, json, Map.of());
    }

    /** The name of {@code key} in messages: {@code section.key}, with its environment variable if it has one. */
    public String name(String key) {
        final String full = path.isEmpty() ? key : path + "." + key;
        final String variable = variables.get(full);
        return variable == null ? full : full + " (" + variable + ")";
    }

    private Object value(String key) {
        read.add(key);
        return json.getValue(key);
    }

    /** A string, or {@code fallback} when not set. */
    public String string(String key, String fallback) {
        final Object value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String text)) {
            throw fail(key, "must be a string, was " + value);
        }
        return text;
    }

    /** A string, or null when not set or blank (blank means "off" for tokens, URLs and paths). */
    public String optionalString(String key) {
        final String text = string(key, null);
        return text == null || text.isBlank() ? null : text;
    }

    /** A JSON integer within {@code [min, max]}, or {@code fallback} when not set. */
    public long longValue(String key, long fallback, long min, long max) {
        final Object value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number number) || !integral(number)) {
            throw fail(key, "must be an integer, was " + value);
        }
        final long result = number.longValue();
        if (result < min || result > max) {
            throw fail(key, "must be in " + min + ".." + max + ", was " + result);
        }
        return result;
    }

    /** A JSON integer within {@code [min, max]}, or {@code fallback} when not set. */
    public int integer(String key, int fallback, int min, int max) {
        return (int) longValue(key, fallback, min, max);
    }

    /** A finite JSON number within {@code [min, max]}, or {@code fallback} when not set. */
    public double number(String key, double fallback, double min, double max) {
        final Object value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
            throw fail(key, "must be a number, was " + value);
        }
        final double result = number.doubleValue();
        if (!(result >= min && result <= max)) {
            throw fail(key, "must be in " + min + ".." + max + ", was " + result);
        }
        return result;
    }

    /** A finite JSON number above 0 and at most {@code max}, or {@code fallback} when not set. */
    public double positive(String key, double fallback, double max) {
        final double result = number(key, fallback, -Double.MAX_VALUE, max);
        if (!(result > 0)) {
            throw fail(key, "must be above 0, was " + result);
        }
        return result;
    }

    /** A boolean, or {@code fallback} when not set. */
    public boolean bool(String key, boolean fallback) {
        final Object value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean flag)) {
            throw fail(key, "must be true or false, was " + value);
        }
        return flag;
    }

    /** An ISO-8601 duration ({@link Durations}) of at least {@code min}, or {@code fallback} when not set. */
    public Duration duration(String key, Duration fallback, Duration min) {
        final Object value = value(key);
        if (value == null) {
            return fallback;
        }
        final Duration result;
        try {
            result = Durations.parse(value, name(key), false);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (result.compareTo(min) < 0) {
            throw fail(key, "must be at least " + min + ", was " + value);
        }
        return result;
    }

    /** {@link #duration} in milliseconds, with the fallback given as ISO-8601 text. */
    public long millis(String key, String fallback, Duration min) {
        return duration(key, Duration.parse(fallback), min).toMillis();
    }

    /** A nested section (an object; empty when not set), read strictly like this one. */
    public ConfigReader section(String key) {
        final Object value = value(key);
        if (value != null && !(value instanceof JsonObject)) {
            throw fail(key, "must be an object, was " + value);
        }
        return new ConfigReader(path.isEmpty() ? key : path + "." + key, (JsonObject) value, variables);
    }

    /** An object taken whole (a map whose keys are data, such as exchange rates); empty when not set. */
    public JsonObject object(String key) {
        final Object value = value(key);
        if (value != null && !(value instanceof JsonObject)) {
            throw fail(key, "must be an object, was " + value);
        }
        return value == null ? new JsonObject() : ((JsonObject) value).copy();
    }

    /** An array taken whole (definitions validated by their own readers); empty when not set. */
    public JsonArray array(String key) {
        final Object value = value(key);
        if (value != null && !(value instanceof JsonArray)) {
            throw fail(key, "must be an array, was " + value);
        }
        return value == null ? new JsonArray() : ((JsonArray) value).copy();
    }

    /** Fails naming {@code key} (for checks that involve several settings). */
    public ConfigException fail(String key, String problem) {
        return new ConfigException(name(key) + " " + problem);
    }

    /** Ends reading: fails naming every key that was present but never read. */
    public ConfigReader finish() {
        final TreeSet<String> unknown = new TreeSet<>(json.fieldNames());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            final TreeSet<String> known = new TreeSet<>(read);
            final StringBuilder names = new StringBuilder();
            for (final String key : unknown) {
                names.append(names.length() == 0 ? "" : ", ").append(path.isEmpty() ? key : path + "." + key);
            }
            throw new ConfigException("unknown setting" + (unknown.size() > 1 ? "s " : " ") + names
                + (known.isEmpty() ? "" : " (known in " + (path.isEmpty() ? "the top level" : path) + ": "
                + String.join(", ", known) + ")"));
        }
        return this;
    }

    private static boolean integral(Number number) {
        if (number instanceof Integer || number instanceof Long || number instanceof Short
            || number instanceof Byte) {
            return true;
        }
        final double d = number.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p63;
    }
}
