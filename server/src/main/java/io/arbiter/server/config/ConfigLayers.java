package io.arbiter.server.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where settings come from, lowest first: the configuration built into the server jar ({@value #BUILT_IN}: the
 * demo experiment, never campaigns that spend money), then a JSON file ({@code config/server.json} in the working
 * folder when present, or {@code --config FILE}), then environment variables. Layers merge key by key: an object is
 * merged recursively, anything else (a number, a string, an array such as {@code experiments}) replaces what the
 * lower layer had, and a JSON {@code null} unsets it. Defaults of settings no layer sets live with their readers.
 */
public final class ConfigLayers {
    /** The built-in layer, a class path resource of the server jar. */
    public static final String BUILT_IN = "io/arbiter/server/config/builtin.json";

    /** How an environment variable's text becomes a JSON value. */
    private enum Kind { STRING, INTEGER, NUMBER }

    /** Every environment variable the server reads, with the setting it sets. */
    private enum Variable {
        HTTP_HOST("http.host", Kind.STRING),
        HTTP_PORT("http.port", Kind.INTEGER),
        HTTP_PUBLIC_HOST("http.publicHost", Kind.STRING),
        EVENT_LOOPS("http.eventLoops", Kind.INTEGER),
        MAX_BODY_BYTES("http.maxBodyBytes", Kind.INTEGER),
        TLS_CERT("http.tls.certPath", Kind.STRING),
        TLS_KEY("http.tls.keyPath", Kind.STRING),
        CORS_ALLOWED_ORIGINS("http.cors.allowedOrigins", Kind.STRING),
        CORS_MAX_AGE("http.cors.maxAge", Kind.STRING),
        ADMIN_TOKEN("adminToken", Kind.STRING),
        DATA_DIR("dataDir", Kind.STRING),
        PG_URL("postgres.url", Kind.STRING),
        EMBEDDED_PG_PORT("postgres.embeddedPort", Kind.INTEGER),
        PG_POOL_SIZE("postgres.poolSize", Kind.INTEGER),
        TOKEN_SECRET("decisions.tokenSecret", Kind.STRING),
        ATTRIBUTION_WINDOW("decisions.attributionWindow", Kind.STRING),
        TABLE_CAPACITY("decisions.tableCapacity", Kind.INTEGER),
        MAX_VARIANTS("decisions.maxVariants", Kind.INTEGER),
        PROPENSITY_DRAWS("decisions.propensityDraws", Kind.INTEGER),
        MAX_REWARD_BATCH("decisions.maxRewardBatch", Kind.INTEGER),
        DECISION_LOG_SAMPLE_RATE("outcomes.decisionSampleRate", Kind.NUMBER),
        EVALUATION_ROWS_PER_SECOND("evaluation.rowsPerSecond", Kind.NUMBER),
        NODE_ID("cluster.nodeId", Kind.STRING),
        CLUSTER_SYNC_INTERVAL("cluster.syncInterval", Kind.STRING),
        CLUSTER_DEFINITION_REREAD("cluster.definitionReread", Kind.STRING);

        private final String setting;
        private final Kind kind;

        Variable(String setting, Kind kind) {
            this.setting = setting;
            this.kind = kind;
        }
    }

    private ConfigLayers() {
    }

    /** Setting path ({@code "http.port"}) to the environment variable that sets it. */
    public static Map<String, String> variables() {
        final Map<String, String> byPath = new LinkedHashMap<>();
        for (final Variable variable : Variable.values()) {
            byPath.put(variable.setting, variable.name());
        }
        return byPath;
    }

    /** The built-in layer. */
    public static JsonObject builtIn() {
        try (InputStream in = ConfigLayers.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("the server jar lacks its built-in configuration " + BUILT_IN);
            }
            return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file layer: {@code file}, which must exist and hold a JSON object. */
    public static JsonObject file(Path file) throws IOException {
        final String text = Files.readString(file);
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw new ConfigException(file + " is not a JSON object: " + e.getMessage());
        }
    }

    /** The environment layer: the variables of {@link #variables()} that {@code env} sets, typed. */
    public static JsonObject environment(Map<String, String> env) {
        final JsonObject layer = new JsonObject();
        for (final Variable variable : Variable.values()) {
            final String text = env.get(variable.name());
            if (text != null) {
                put(layer, variable.setting, typed(variable, text));
            }
        }
        return layer;
    }

    /** Merges the layers, lowest first, key by key (see the class comment). The inputs are not changed. */
    public static JsonObject merge(JsonObject... layers) {
        final JsonObject merged = new JsonObject();
        for (final JsonObject layer : layers) {
            mergeInto(merged, layer);
        }
        return merged;
    }

    private static void mergeInto(JsonObject target, JsonObject layer) {
        for (final Map.Entry<String, Object> entry : layer) {
            final Object lower = target.getValue(entry.getKey());
            final Object higher = entry.getValue();
            if (lower instanceof JsonObject lowerObject && higher instanceof JsonObject higherObject) {
                mergeInto(lowerObject, higherObject);
            } else {
                target.put(entry.getKey(), higher instanceof JsonObject object ? merge(object)
                    : higher instanceof JsonArray array ? array.copy() : higher);
            }
        }
    }

    private static Object typed(Variable variable, String text) {
        final String trimmed = text.trim();
        try {
            return switch (variable.kind) {
                case STRING -> text;
                case INTEGER -> Long.parseLong(trimmed);
                case NUMBER -> Double.parseDouble(trimmed);
            };
        } catch (NumberFormatException e) {
            throw new ConfigException(variable.name() + " (" + variable.setting + ") must be "
                + variable.kind.name().toLowerCase(Locale.ROOT).replace("integer", "an integer")
                    .replace("number", "a number") + ", was '" + text + "'");
        }
    }

    private static void put(JsonObject root, String path, Object value) {
        final String[] parts = path.split("\\.");
        JsonObject at = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonObject next = at.getJsonObject(parts[i]);
            if (next == null) {
                next = new JsonObject();
                at.put(parts[i], next);
            }
            at = next;
        }
        at.put(parts[parts.length - 1], value);
    }
}
