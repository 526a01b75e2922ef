package io.arbiter.server.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every server setting, read once from the merged configuration layers ({@link ConfigLayers}: built-in, file,
 * environment), validated here and immutable after. The list, with defaults and environment variables, lives in
 * {@code docs/config.md}. Sections that belong to one part of the server ({@code outcomes}, {@code bidding}) are
 * handed over as strict {@link ConfigReader}s that their owners finish; {@code experiments} and {@code campaigns} are
 * definitions validated by their own specs.
 */
public final class ServerConfig {
    /** The file read when present in the working folder and no {@code --config} is given. */
    public static final Path DEFAULT_FILE = Path.of("config", "server.json");

    public final String httpHost;
    /** The host name exchanges and browsers reach this server by, or null (see {@code bidding.noticeBaseUrl}). */
    public final String httpPublicHost;
    public final int httpPort;
    public final int eventLoops;
    public final int maxBodyBytes;
    public final String tlsCertPath;
    public final String tlsKeyPath;
    /** {@code *} or the origins (lower case) that may call the cross-origin routes (decide, reward). */
    public final List<String> corsAllowedOrigins;
    public final long corsMaxAgeSeconds;
    public final String adminToken;
    public final Path dataDir;
    public final String pgUrl;
    public final int embeddedPgPort;
    public final int pgPoolSize;
    /** {@code cluster.nodeId}: this node's name among the nodes sharing one Postgres; null: generated once. */
    public final String nodeId;
    /** {@code cluster.syncInterval}: how often other nodes' committed reward totals are applied here. */
    public final long clusterSyncMillis;
    /** {@code cluster.definitionReread}: how often the stored definitions' versions are compared with the served. */
    public final long clusterDefinitionRereadMillis;
    public final String tokenSecret;
    public final long attributionWindowMillis;
    public final int tableCapacity;
    public final int maxVariants;
    public final long propensityRefreshMillis;
    public final int propensityDraws;
    public final int maxRewardBatch;
    /** Most attributes in a decide request's {@code context}. */
    public final int contextMaxAttributes;
    /** Most entries in a decide request's {@code features}. */
    public final int contextMaxFeatures;
    /** Longest context value, attribute name or feature name (characters). */
    public final int contextMaxValueLength;
    /** Segments the segment store holds, over every experiment (sizes {@code segments.index} and its arms). */
    public final int segmentCapacity;
    /** log2 of the frequency-cap store's buckets (10 records of eight unit-variant counts each; 896 bytes). */
    public final int frequencyCapBucketsLog2;
    /** log2 of the sticky-assignment table's buckets (10 units each) for a new {@code sticky.table}. */
    public final int stickyBucketsLog2;
    /** {@code decisions.duplicateClaimsLog2}: log2 of the reward duplicate-detection table's 16-byte slots. */
    public final int duplicateClaimsLog2;
    /** Share of one core the propensity refresher may use (0..1). */
    public final double propensityBudget;
    /** Seed of the decision-making generators (0: a random one per start); set only for reproducible runs. */
    public final long randomSeed;
    /** Off-policy evaluation jobs: average read budget in decision rows per second (0: unthrottled). */
    public final double evaluationRowsPerSecond;
    /** Off-policy evaluation jobs: rows per page read from Postgres. */
    public final int evaluationPageRows;
    /** Whether evaluation jobs read at low CPU priority (their threads and the embedded Postgres's backend). */
    public final boolean evaluationLowPriority;
    /** Off-policy evaluation jobs: finished jobs kept in memory. */
    public final int evaluationKeptJobs;
    /** The {@code outcomes} section, read by the outcome pipeline's settings. */
    public final ConfigReader outcomes;
    /** The {@code bidding} section, read by the bidder's settings. */
    public final ConfigReader bidding;
    /** The {@code history} section, read by the dashboard's history settings. */
    public final ConfigReader history;
    public final JsonArray experiments;
    public final JsonArray campaigns;

    private ServerConfig(JsonObject merged) {
        final ConfigReader root = ConfigReader.of("", merged, ConfigLayers.variables());
        final ConfigReader http = root.section("http");
        httpHost = http.string("host", "0.0.0.0");
        httpPublicHost = http.optionalString("publicHost");
        httpPort = http.integer("port", 8080, 0, 65535);
        eventLoops = http.integer("eventLoops", 0, 0, 1024);
        maxBodyBytes = http.integer("maxBodyBytes", 65536, 256, 64 << 20);
        final ConfigReader tls = http.section("tls");
        tlsCertPath = tls.optionalString("certPath");
        tlsKeyPath = tls.optionalString("keyPath");
        if ((tlsCertPath == null) != (tlsKeyPath == null)) {
            throw tls.fail(tlsCertPath == null ? "certPath" : "keyPath", "is needed too: TLS takes both certPath "
                + "and keyPath (TLS_CERT and TLS_KEY)");
        }
        tls.finish();
        final ConfigReader cors = http.section("cors");
        corsAllowedOrigins = origins(cors, cors.string("allowedOrigins", "*"));
        corsMaxAgeSeconds = cors.duration("maxAge", Duration.ofMinutes(10), Duration.ZERO).toSeconds();
        cors.finish();
        http.finish();
        adminToken = root.optionalString("adminToken");
        dataDir = Path.of(root.string("dataDir", "data"));
        final ConfigReader pg = root.section("postgres");
        pgUrl = pg.optionalString("url");
        embeddedPgPort = pg.integer("embeddedPort", 0, 0, 65535);
        pgPoolSize = pg.integer("poolSize", 4, 1, 256);
        pg.finish();
        final ConfigReader cluster = root.section("cluster");
        nodeId = cluster.optionalString("nodeId");
        if (nodeId != null && !nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw cluster.fail("nodeId", "must be 1 to 64 letters, digits, '_', '.' or '-', was '" + nodeId + "'");
        }
        clusterSyncMillis = cluster.millis("syncInterval", "PT1S", Duration.ofMillis(10));
        clusterDefinitionRereadMillis = cluster.millis("definitionReread", "PT30S", Duration.ofMillis(100));
        cluster.finish();
        final ConfigReader decisions = root.section("decisions");
        tokenSecret = decisions.optionalString("tokenSecret");
        if (tokenSecret != null && tokenSecret.length() < 16) {
            throw decisions.fail("tokenSecret", "must be at least 16 characters");
        }
        attributionWindowMillis = decisions.millis("attributionWindow", "P7D", Duration.ZERO);
        tableCapacity = decisions.integer("tableCapacity", 65536, 16, 4_000_000);
        maxVariants = decisions.integer("maxVariants", 256, 2, 10_000);
        propensityRefreshMillis = decisions.millis("propensityRefresh", "PT1S", Duration.ofMillis(1));
        propensityDraws = decisions.integer("propensityDraws", 4000, 100, 1_000_000);
        maxRewardBatch = decisions.integer("maxRewardBatch", 1000, 1, 100_000);
        contextMaxAttributes = decisions.integer("contextMaxAttributes", 32, 1, 1024);
        contextMaxFeatures = decisions.integer("contextMaxFeatures", 64, 1, 1024);
        contextMaxValueLength = decisions.integer("contextMaxValueLength", 128, 1, 1024);
        segmentCapacity = decisions.integer("segmentCapacity", 16_384, 16, 4_000_000);
        propensityBudget = decisions.number("propensityBudget", 0.1, 0.001, 1.0);
        frequencyCapBucketsLog2 = decisions.integer("frequencyCapBucketsLog2", 15, 4, 21);
        stickyBucketsLog2 = decisions.integer("stickyBucketsLog2", 14, 0, 22);
        duplicateClaimsLog2 = decisions.integer("duplicateClaimsLog2", 22, 3, 26); // ClaimTable's bounds
        randomSeed = decisions.longValue("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        decisions.finish();
        final ConfigReader evaluation = root.section("evaluation");
        evaluationRowsPerSecond = evaluation.number("rowsPerSecond", 10_000, 0, 1e9);
        evaluationPageRows = evaluation.integer("pageRows", 5_000, 100, 100_000);
        evaluationKeptJobs = evaluation.integer("keptJobs", 100, 1, 10_000);
        final String priority = evaluation.string("priority", "low");
        if (!priority.equals("low") && !priority.equals("normal")) {
            throw new ConfigException(evaluation.name("priority") + " must be \"low\" or \"normal\", was \""
                + priority + "\"");
        }
        evaluationLowPriority = priority.equals("low");
        evaluation.finish();
        outcomes = root.section("outcomes");
        bidding = root.section("bidding");
        history = root.section("history");
        experiments = root.array("experiments");
        campaigns = root.array("campaigns");
        root.finish();
    }

    /** The entries of an origin allow-list: {@code *} or origins (scheme, host, optional port; no path). */
    private static List<String> origins(ConfigReader section, String text) {
        final List<String> entries = new ArrayList<>();
        for (final String raw : text.split(",")) {
            final String entry = raw.trim();
            if (!entry.equals("*") && !entry.matches("(?i)https?://[a-z0-9.\\-]+(:[0-9]{1,5})?")) {
                throw section.fail("allowedOrigins", "must be * or a comma-separated list of origins such as "
                    + "https://shop.example or http://localhost:3000 (scheme and host, no path), was '" + entry + "'");
            }
            entries.add(entry.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(entries);
    }

    /**
     * Reads the layers: built-in, then {@code file} if not null (it must exist), then {@code env}.
     *
     * @throws java.nio.file.NoSuchFileException when {@code file} does not exist
     * @throws ConfigException                   for a setting that is unknown, mistyped or out of range
     */
    public static ServerConfig load(Path file, Map<String, String> env) throws IOException {
        final JsonObject fileLayer = file == null ? new JsonObject() : ConfigLayers.file(file);
        return of(fileLayer, env);
    }

    /**
     * The file to read when no {@code --config} is given: {@link #DEFAULT_FILE} in {@code workingFolder} when it
     * exists, else none (null): the built-in layer and the environment are enough to run.
     */
    public static Path defaultFile(Path workingFolder) {
        final Path candidate = workingFolder.resolve(DEFAULT_FILE);
        return Files.isRegularFile(candidate) ? candidate : null;
    }

    /** The built-in layer, then {@code file} (JSON already in memory), then {@code env}. */
    public static ServerConfig of(JsonObject file, Map<String, String> env) {
        return new ServerConfig(ConfigLayers.merge(ConfigLayers.builtIn(), file, ConfigLayers.environment(env)));
    }

    public boolean tlsEnabled() {
        return tlsCertPath != null;
    }

    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }
}
