package io.arbiter.server.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Every server setting, read once from the config file and the environment, validated here and immutable after.
 * Each setting has a property path in the file, an environment variable where useful, and a default; the list lives
 * in {@code docs/config.md}. Environment variables win over the file.
 */
public final class ServerConfig {
    public static final Path DEFAULT_FILE = Path.of("config", "server.json");

    public final String httpHost;
    public final int httpPort;
    public final int eventLoops;
    public final int maxBodyBytes;
    public final String tlsCertPath;
    public final String tlsKeyPath;
    public final String adminToken;
    public final Path dataDir;
    public final String pgUrl;
    public final int embeddedPgPort;
    public final int pgPoolSize;
    public final String tokenSecret;
    public final long attributionWindowMillis;
    public final int tableCapacity;
    public final int maxVariants;
    public final long propensityRefreshMillis;
    public final int propensityDraws;
    public final int maxRewardBatch;
    public final JsonObject outcomes;
    public final JsonArray experiments;
    public final JsonObject bidding;
    public final JsonArray campaigns;

    private ServerConfig(JsonObject file, Map<String, String> env) {
        final JsonObject http = file.getJsonObject("http", new JsonObject());
        httpHost = str(env, "HTTP_HOST", http.getString("host", "0.0.0.0"));
        httpPort = integer(env, "HTTP_PORT", http.getValue("port", 8080), "http.port", 0, 65535);
        eventLoops = integer(env, "EVENT_LOOPS", http.getValue("eventLoops", 0), "http.eventLoops", 0, 1024);
        maxBodyBytes = integer(env, "MAX_BODY_BYTES", http.getValue("maxBodyBytes", 65536), "http.maxBodyBytes",
            256, 64 << 20);
        final JsonObject tls = http.getJsonObject("tls", new JsonObject());
        tlsCertPath = str(env, "TLS_CERT", tls.getString("certPath"));
        tlsKeyPath = str(env, "TLS_KEY", tls.getString("keyPath"));
        if ((tlsCertPath == null) != (tlsKeyPath == null)) {
            throw new IllegalArgumentException("http.tls needs both certPath and keyPath (TLS_CERT and TLS_KEY)");
        }
        adminToken = blankToNull(str(env, "ADMIN_TOKEN", file.getString("adminToken")));
        dataDir = Path.of(str(env, "DATA_DIR", file.getString("dataDir", "data")));
        final JsonObject pg = file.getJsonObject("postgres", new JsonObject());
        pgUrl = blankToNull(str(env, "PG_URL", pg.getString("url")));
        embeddedPgPort = integer(env, "EMBEDDED_PG_PORT", pg.getValue("embeddedPort", 0), "postgres.embeddedPort",
            0, 65535);
        pgPoolSize = integer(env, "PG_POOL_SIZE", pg.getValue("poolSize", 4), "postgres.poolSize", 1, 256);
        final JsonObject decisions = file.getJsonObject("decisions", new JsonObject());
        tokenSecret = blankToNull(str(env, "TOKEN_SECRET", decisions.getString("tokenSecret")));
        if (tokenSecret != null && tokenSecret.length() < 16) {
            throw new IllegalArgumentException("decisions.tokenSecret (TOKEN_SECRET) must be at least 16 characters");
        }
        attributionWindowMillis = duration(str(env, "ATTRIBUTION_WINDOW",
            decisions.getString("attributionWindow", "P7D")), "decisions.attributionWindow");
        tableCapacity = integer(env, "TABLE_CAPACITY", decisions.getValue("tableCapacity", 65536),
            "decisions.tableCapacity", 16, 4_000_000);
        maxVariants = integer(env, "MAX_VARIANTS", decisions.getValue("maxVariants", 256), "decisions.maxVariants",
            2, 10_000);
        propensityRefreshMillis = duration(decisions.getString("propensityRefresh", "PT1S"),
            "decisions.propensityRefresh");
        propensityDraws = integer(env, "PROPENSITY_DRAWS", decisions.getValue("propensityDraws", 4000),
            "decisions.propensityDraws", 100, 1_000_000);
        maxRewardBatch = integer(env, "MAX_REWARD_BATCH", decisions.getValue("maxRewardBatch", 1000),
            "decisions.maxRewardBatch", 1, 100_000);
        outcomes = file.getJsonObject("outcomes", new JsonObject()).copy();
        final String sampleRate = env.get("DECISION_LOG_SAMPLE_RATE");
        if (sampleRate != null) {
            outcomes.put("decisionSampleRate", Double.parseDouble(sampleRate));
        }
        experiments = file.getJsonArray("experiments", new JsonArray()).copy();
        bidding = file.getJsonObject("bidding", new JsonObject()).copy();
        campaigns = file.getJsonArray("campaigns", new JsonArray()).copy();
    }

    /** Reads {@code file} (JSON) and applies {@code env} on top. */
    public static ServerConfig load(Path file, Map<String, String> env) throws IOException {
        final String text = Files.readString(file);
        final JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        return new ServerConfig(json, env);
    }

    /** A configuration from JSON already in memory (tests). */
    public static ServerConfig of(JsonObject json, Map<String, String> env) {
        return new ServerConfig(json, env);
    }

    public boolean tlsEnabled() {
        return tlsCertPath != null;
    }

    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }

    private static String str(Map<String, String> env, String variable, String fallback) {
        final String value = env.get(variable);
        return value != null ? value : fallback;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static int integer(Map<String, String> env, String variable, Object fileValue, String name,
                               int min, int max) {
        final String fromEnv = env.get(variable);
        final long value;
        try {
            if (fromEnv != null) {
                value = Long.parseLong(fromEnv.trim());
            } else if (fileValue instanceof Number n) {
                value = n.longValue();
            } else {
                value = Long.parseLong(String.valueOf(fileValue));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " (" + variable + ") must be an integer");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " (" + variable + ") must be in " + min + ".." + max
                + ", was " + value);
        }
        return (int) value;
    }

    /** An ISO-8601 duration ("PT1H", "P7D") in milliseconds. */
    public static long duration(String text, String name) {
        try {
            final Duration d = Duration.parse(text);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative");
            }
            return d.toMillis();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 duration such as PT1H or P7D, was '"
                + text + "'");
        }
    }
}
