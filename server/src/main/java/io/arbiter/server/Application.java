package io.arbiter.server;

import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.admin.AdminAuth;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.experiment.Experiment;
import io.arbiter.server.experiment.ExperimentRegistry;
import io.arbiter.server.experiment.ExperimentSpec;
import io.arbiter.server.experiment.ExperimentStore;
import io.arbiter.server.experiment.RecentTraffic;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.Migrations;
import io.arbiter.server.outcome.OutcomeConfig;
import io.arbiter.server.outcome.OutcomeConfigs;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomePipeline;
import io.arbiter.server.pg.EmbeddedPostgres;
import io.arbiter.server.pg.EmbeddedPostgresConfig;
import io.arbiter.server.reward.DuplicateIndex;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts and stops the whole server in order: Postgres (embedded unless PG_URL is set), migrations, the posterior
 * table, the outcome pipeline (which replays any journal tail left by a crash), the experiments, duplicate detection,
 * the background maintenance thread, and finally one HTTP verticle per event loop. {@link #stop} undoes it in reverse:
 * stop accepting, drain the pipeline, close the table cleanly, stop Postgres.
 */
public final class Application {
    private static final System.Logger LOG = System.getLogger(Application.class.getName());
    private static final String TABLE_FILE = "posteriors.table";

    private final ServerConfig config;
    private final Clock clock;
    private final AtomicBoolean started = new AtomicBoolean();
    private final SecureRandom seeds = new SecureRandom();
    private Vertx vertx;
    private EmbeddedPostgres embedded;
    private Pool pool;
    private PosteriorTable table;
    private OutcomePipeline pipeline;
    private ScheduledExecutorService maintenance;
    private final List<String> deployments = new ArrayList<>();
    private int port;
    private ServerServices services;
    private io.arbiter.server.bid.BidModule bidModule;

    public Application(ServerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Starts everything; blocks until the server listens or start-up failed. */
    public Application start() throws Exception {
        final OutcomeConfig outcomeConfig = OutcomeConfigs.read(config.outcomes, config.dataDir.resolve("journal"));
        final io.arbiter.server.bid.BiddingConfig bidding = io.arbiter.server.bid.BiddingConfig.read(config.bidding);
        Files.createDirectories(config.dataDir);
        final int loops = config.effectiveEventLoops();
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        final PgConnectOptions connect;
        final String database;
        if (config.pgUrl != null) {
            connect = PgConnectOptions.fromUri(config.pgUrl);
            database = "external Postgres " + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
        } else {
            embedded = EmbeddedPostgres.launch(EmbeddedPostgresConfig.defaults()
                .withDataDir(config.dataDir.resolve("pg"))
                .withPort(config.embeddedPgPort)
                .withStopOnJvmExit(false));
            connect = embedded.connectOptions();
            database = "embedded Postgres " + embedded.url() + " (cluster in " + embedded.clusterDir() + ")";
        }
        connect.addProperty("client_min_messages", "warning"); // no NOTICE chatter in the server's log
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.pgPoolSize))
            .connectingTo(connect).using(vertx).build();
        await(Migrations.migrate(pool));

        final Metrics metrics = new Metrics();
        final boolean tableExisted = Files.exists(config.dataDir.resolve(TABLE_FILE));
        table = PosteriorTable.mapFile(config.dataDir.resolve(TABLE_FILE), config.tableCapacity, clock.millis());
        pipeline = await(OutcomePipeline.start(vertx, pool,
            outcomeConfig, metrics, clock));

        final ExperimentRegistry registry = new ExperimentRegistry(table, config.propensityDraws);
        final ExperimentStore store = new ExperimentStore(pool);
        loadExperiments(registry, store);
        if (!table.wasCleanlyClosed()) {
            rebuildPosteriors(registry, tableExisted ? "the posterior table was not closed cleanly"
                : "the posterior table is new");
        }
        final DuplicateIndex duplicates = new DuplicateIndex();
        final DecisionTokens tokens = new DecisionTokens(new SignedTokens(tokenSecret()));
        rebuildDuplicates(tokens, duplicates);

        final RecentTraffic traffic = new RecentTraffic(table, 30);
        startMaintenance(registry, duplicates, traffic);
        metrics.gauge(MetricName.DEDUP_ENTRIES, duplicates, DuplicateIndex::size);
        metrics.gauge(MetricName.TABLE_ARMS, table, PosteriorTable::armsAllocated);
        metrics.gauge(MetricName.TABLE_SKIPPED_DECAYED, table, PosteriorTable::skippedDecayedUpdates);

        services = new ServerServices(config, clock, metrics, registry, store, tokens, pipeline, duplicates, traffic,
            new AdminAuth(config.adminToken), started::get, extension(bidding, registry, tokens, metrics));
        for (int i = 0; i < loops; i++) {
            final HttpVerticle verticle = new HttpVerticle(services, seeds.nextLong());
            deployments.add(await(vertx.deployVerticle(verticle)));
            port = verticle.actualPort();
        }
        started.set(true);
        LOG.log(System.Logger.Level.INFO, "listening on " + (config.tlsEnabled() ? "https" : "http") + "://"
            + config.httpHost + ":" + port + " with " + loops + " event loop(s); database: " + database
            + "; admin API " + (config.adminToken == null ? "off (no ADMIN_TOKEN)" : "on"));
        return this;
    }

    /** The hook for endpoints beyond personalisation (see the bid package). */
    private ServerServices.Extension extension(io.arbiter.server.bid.BiddingConfig bidding,
                                               ExperimentRegistry registry, DecisionTokens tokens, Metrics metrics) {
        final io.arbiter.server.bid.budget.BudgetLedger ledger = io.arbiter.server.bid.budget.BudgetLedger.mapFile(
            config.dataDir.resolve("budgets.ledger"), bidding.ledgerCapacity());
        final byte[] secret;
        try {
            secret = tokenSecret();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        final io.arbiter.server.bid.BidModule bidder = new io.arbiter.server.bid.BidModule(bidding, table, ledger,
            io.arbiter.server.bid.campaign.CampaignStore.postgres(pool), pipeline, new SignedTokens(secret),
            new AdminAuth(config.adminToken), metrics, clock, bidding.frequencyCellsLog2());
        await(bidder.loadCampaigns(config.campaigns));
        await(bidder.restore());
        bidModule = bidder;
        return bidder;
    }

    private void loadExperiments(ExperimentRegistry registry, ExperimentStore store) {
        for (final JsonObject stored : await(store.loadAll())) {
            registry.publish(registry.restore(stored, config.maxVariants));
        }
        for (final Object raw : config.experiments) {
            final JsonObject definition = (JsonObject) raw;
            final String id = definition.getString("id");
            if (registry.get(id) == null) { // the config seeds experiments; the admin API owns them afterwards
                final Experiment experiment = registry.prepare(ExperimentSpec.fromJson(id, definition,
                    config.maxVariants));
                await(store.save(ExperimentRegistry.storedForm(experiment)));
                registry.publish(experiment);
            }
        }
    }

    /**
     * After an unclean stop the table file may miss updates whose rewards were journaled but not yet applied (or hold
     * some that Postgres has not seen yet); once the journal tail is shipped, Postgres's aggregates are exact, so the
     * exact counters are restored from them. Decayed sums cannot be rebuilt from totals and restart empty.
     */
    private void rebuildPosteriors(ExperimentRegistry registry, String reason) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pipeline.status().journalEvents() > 0 && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (pipeline.status().journalEvents() > 0) {
            LOG.log(System.Logger.Level.WARNING, "journal not fully shipped after 60 s; posteriors rebuilt from "
                + "what Postgres has, the rest arrives as the journal drains");
        }
        int restored = 0;
        for (final ArmAggregate aggregate : await(pipeline.loadAggregates())) {
            final Experiment experiment = registry.get(aggregate.scope());
            final Integer arm = experiment == null ? null : experiment.armByVariant().get(aggregate.arm());
            if (arm != null) {
                table.restore(arm, Math.max(aggregate.decisions(), table.decisions(arm)), aggregate.trials(),
                    aggregate.successes(), aggregate.rewardSum(), aggregate.rewardSquareSum(),
                    aggregate.updatedAtMillis());
                restored++;
            }
        }
        LOG.log(System.Logger.Level.INFO, reason + ": restored " + restored + " arm(s) from Postgres aggregates");
    }

    private void rebuildDuplicates(DecisionTokens tokens, DuplicateIndex duplicates) {
        final long since = clock.millis() - config.attributionWindowMillis;
        for (final String id : await(pipeline.loadOutcomeIdsSince(OutcomeKind.REWARD, since))) {
            try {
                final DecisionToken token = tokens.parse(id, "decisionId");
                duplicates.claim(token.nonce(), token.issuedAtMillis());
            } catch (RuntimeException e) {
                // signed with another secret: cannot be presented again anyway
            }
        }
    }

    private void startMaintenance(ExperimentRegistry registry, DuplicateIndex duplicates, RecentTraffic traffic) {
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "arbiter-maintenance");
            t.setDaemon(true);
            return t;
        });
        final Workspace workspace = new Workspace(seeds.nextLong(), config.maxVariants);
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                for (final Experiment experiment : registry.all()) {
                    experiment.propensities().refresh(table, workspace, clock.millis());
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "propensity refresh failed", e);
            }
        }, 0, config.propensityRefreshMillis, TimeUnit.MILLISECONDS);
        maintenance.scheduleAtFixedRate(traffic::snapshot, 0, 10, TimeUnit.SECONDS);
        maintenance.scheduleWithFixedDelay(() -> duplicates.expire(clock.millis() - config.attributionWindowMillis),
            1, 1, TimeUnit.MINUTES);
    }

    private byte[] tokenSecret() throws IOException {
        if (config.tokenSecret != null) {
            return config.tokenSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        final Path file = config.dataDir.resolve("token-secret");
        if (Files.exists(file)) {
            return Files.readAllBytes(file);
        }
        final byte[] secret = new byte[32];
        seeds.nextBytes(secret);
        Files.write(file, secret);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return secret;
    }

    public int port() {
        return port;
    }

    public Vertx vertx() {
        return vertx;
    }

    public ServerServices services() {
        return services;
    }

    /** The Postgres pool the server writes through (for operational tooling and tests). */
    public Pool pool() {
        return pool;
    }

    public EmbeddedPostgres embeddedPostgres() {
        return embedded;
    }

    /** Stops accepting, drains the outcome pipeline, closes the table cleanly and stops Postgres. */
    public synchronized void stop() {
        LOG.log(System.Logger.Level.INFO, "stopping: no longer accepting, draining the outcome pipeline");
        started.set(false);
        for (final String id : deployments) {
            quietly(() -> await(vertx.undeploy(id)));
        }
        deployments.clear();
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        if (bidModule != null) {
            bidModule.close(); // flushes and closes the budget ledger
            bidModule = null;
        }
        if (pipeline != null) {
            quietly(() -> await(pipeline.close()));
            pipeline = null;
        }
        if (table != null) {
            table.close();
            table = null;
        }
        if (pool != null) {
            quietly(() -> await(pool.close()));
        }
        if (vertx != null) {
            quietly(() -> await(vertx.close()));
        }
        if (embedded != null) {
            embedded.close();
        }
        LOG.log(System.Logger.Level.INFO, "stopped");
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void quietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "during shutdown: " + e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
