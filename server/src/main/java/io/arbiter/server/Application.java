package io.arbiter.server;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.BidModule;
import io.arbiter.server.bid.BiddingConfig;
import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.cluster.ClusterSync;
import io.arbiter.server.cluster.DefinitionSync;
import io.arbiter.server.cluster.LinearSync;
import io.arbiter.server.cluster.NodeId;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.history.HistoryConfig;
import io.arbiter.server.history.HistoryModule;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.http.Module;
import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.ops.OpsModule;
import io.arbiter.server.outcome.AggregateSnapshot;
import io.arbiter.server.outcome.OutcomeConfig;
import io.arbiter.server.outcome.OutcomeConfigs;
import io.arbiter.server.outcome.OutcomePipeline;
import io.arbiter.server.personalisation.PersonalisationModule;
import io.arbiter.server.pg.BackgroundConnections;
import io.arbiter.server.pg.Database;
import io.arbiter.server.pg.LogMaintenance;
import io.arbiter.server.pg.Retention;
import io.arbiter.server.token.SignedTokens;
import io.arbiter.server.token.TokenSecrets;
import io.arbiter.server.ui.UiModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;

import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The composition root: starts and stops the server in order. Start: every section of the configuration is read
 * (a bad setting stops the start before anything runs); Postgres (embedded unless configured) and its migrations;
 * the posterior table; the outcome pipeline, whose recovered journal tail is shipped before anyone rebuilds state
 * from Postgres; the modules (personalisation, bidding, operations), each restoring its own state; then one HTTP
 * verticle per event loop. {@link #stop} undoes it in reverse: stop accepting, close the modules, drain the
 * pipeline, close the table cleanly, stop Postgres.
 */
public final class Application {
    private static final System.Logger LOG = System.getLogger(Application.class.getName());
    private static final String TABLE_FILE = "posteriors.table";
    private static final Duration REPLAY_PATIENCE = Duration.ofSeconds(60);
    /** How long a stop waits for outcome appends in flight to settle before the modules close their files. */
    private static final Duration SETTLE_PATIENCE = Duration.ofSeconds(5);
    private static final Duration LOG_MAINTENANCE_INTERVAL = Duration.ofHours(1);

    private final ServerConfig config;
    private final Clock clock;
    private final AtomicBoolean started = new AtomicBoolean();
    private final SecureRandom seeds = new SecureRandom();
    private final Metrics metrics = new Metrics();
    private final List<Module> modules = new ArrayList<>();
    private Vertx vertx;
    private Database database;
    private PosteriorTable table;
    private OutcomePipeline pipeline;
    private HttpVerticle.Deployment http;
    private ScheduledExecutorService logMaintenance;
    private ClusterSync clusterSync;
    private LinearSync linearSync;
    private DefinitionSync definitionSync;
    private String nodeId;

    public Application(ServerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Replays the other nodes' linear rewards into this node's linear models, every {@code cluster.syncInterval}. */
    private void startLinearSync(PersonalisationModule personalisation) {
        linearSync = new LinearSync(database.pool(), nodeId, config.clusterSyncMillis);
        linearSync.start(new LinearSync.Sink() {
            @Override
            public LinearSync.Outcome apply(String node, long number, String decisionId, double reward) {
                return switch (personalisation.addSharedLinearReward(node, number, decisionId, reward)) {
                    case APPLIED -> LinearSync.Outcome.APPLIED;
                    case DROPPED -> LinearSync.Outcome.DROPPED;
                    case RETRY -> LinearSync.Outcome.RETRY;
                    case FULL -> LinearSync.Outcome.FULL;
                };
            }

            @Override
            public long replayedUpTo(String node) {
                return personalisation.sharedLinearReplayedUpTo(node);
            }

            @Override
            public void replayed(String node, long number) {
                personalisation.sharedLinearReplayed(node, number);
            }

            @Override
            public int withoutPosition(String node) {
                return personalisation.sharedLinearWithoutPosition(node);
            }
        });
        metrics.functionCounter(MetricName.CLUSTER_LINEAR_APPLIED, linearSync, LinearSync::applied);
        metrics.functionCounter(MetricName.CLUSTER_LINEAR_DROPPED, linearSync, LinearSync::dropped);
        metrics.functionCounter(MetricName.CLUSTER_LINEAR_DEFERRED, linearSync, LinearSync::deferred);
        metrics.functionCounter(MetricName.CLUSTER_LINEAR_FAILED, linearSync, LinearSync::failedRows);
        metrics.gauge(MetricName.CLUSTER_LINEAR_LAG, linearSync, s -> s.lastLagMillis() / 1000.0);
        metrics.gauge(MetricName.CLUSTER_LINEAR_UNPOSITIONED, linearSync, LinearSync::withoutPosition);
    }

    /** Starts everything; blocks until the server listens or start-up failed. */
    public Application start() throws Exception {
        final BiddingConfig bidding = BiddingConfig.read(config.bidding);
        final Retention retention = Retention.read(config.outcomes, config.attributionWindowMillis,
            bidding.noticeWindowMillis());
        final OutcomeConfig outcomes = OutcomeConfigs.read(config.outcomes, config.dataDir.resolve("journal"));
        final HistoryConfig history = HistoryConfig.read(config.history);
        Files.createDirectories(config.dataDir);
        final SignedTokens signer = TokenSecrets.load(config.tokenSecret, config.dataDir, seeds);
        final int loops = config.effectiveEventLoops();
        final SplittableRandom stateSeeds = new SplittableRandom(config.randomSeed != 0 ? config.randomSeed
            : seeds.nextLong());
        metrics.bindJvm();
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        nodeId = NodeId.resolve(config.nodeId, config.dataDir, seeds);
        database = await(Database.open(vertx, config, nodeId));
        startLogMaintenance(new LogMaintenance(database.pool(), retention, clock));
        table = PosteriorTable.mapFile(config.dataDir.resolve(TABLE_FILE), config.tableCapacity, clock.millis());
        final boolean tableWasClean = table.wasCleanlyClosed();
        metrics.gauge(MetricName.TABLE_ARMS, table, PosteriorTable::armsAllocated);
        metrics.gauge(MetricName.TABLE_SKIPPED_DECAYED, table, PosteriorTable::skippedDecayedUpdates);
        // on an event loop of its own: encoding a batch never holds one that serves requests
        pipeline = await(OutcomePipeline.start(database.shippingVertx(), database.shippingPool(), outcomes, metrics,
            clock, NoticeRules.aggregation()));
        await(pipeline.replayed(REPLAY_PATIENCE));

        final PersonalisationModule personalisation = await(PersonalisationModule.start(config, table,
            database.pool(), new BackgroundConnections(database.connectOptions(), database.embedded() != null,
                config.evaluationLowPriority), pipeline, signer, metrics, clock, stateSeeds.nextLong(), nodeId));
        modules.add(personalisation);
        // what was rebuilt and the other nodes' shares of it, as of one snapshot: nothing committed between is lost
        final AggregateSnapshot rebuiltFrom = personalisation.takeStartSnapshot();
        clusterSync = new ClusterSync(database.pool(), nodeId, config.clusterSyncMillis, config.dataDir);
        clusterSync.onLag(metrics::clusterSyncLag);
        clusterSync.start(!tableWasClean || personalisation.posteriorsRebuilt()
                ? rebuiltFrom.otherNodes().stream().map(row -> new ClusterSync.Totals(row.node(),
                    row.totals().scope(), row.totals().arm(), row.totals().trials(), row.totals().successes(),
                    row.totals().rewardSum(), row.totals().rewardSquareSum())).toList() : null,
            personalisation.segmentsRebuilt()
                ? rebuiltFrom.otherNodesSegments().stream().map(row -> new ClusterSync.SegmentTotals(row.node(),
                    row.totals().experiment(), row.totals().segment(), row.totals().variant(),
                    row.totals().trials(), row.totals().successes(), row.totals().rewardSum(),
                    row.totals().rewardSquareSum())).toList() : null,
            personalisation::addSharedTotals, personalisation::addSharedSegmentTotals);
        metrics.gauge(MetricName.CLUSTER_SYNC_AGE, clusterSync, s -> s.lastRoundMillis() == 0 ? 0
            : (clock.millis() - s.lastRoundMillis()) / 1000.0);
        startLinearSync(personalisation);
        final BidModule bid = await(BidModule.start(vertx, bidding, config.campaigns, config.dataDir, table,
            database.pool(), pipeline, signer, metrics, clock));
        modules.add(bid);
        bid.startBudgetLeases(database.pool(), nodeId);
        definitionSync = new DefinitionSync(vertx, database.connectOptions(), database.pool(), nodeId,
            config.clusterDefinitionRereadMillis,
            DefinitionSync.Sink.of(personalisation.registry()::version, personalisation::applyStored),
            DefinitionSync.Sink.of(bid.registry()::version, bid::applyStored));
        definitionSync.start();
        metrics.functionCounter(MetricName.CLUSTER_DEFINITIONS_APPLIED, definitionSync, DefinitionSync::applied);
        metrics.gauge(MetricName.CLUSTER_DEFINITIONS_LISTENING, definitionSync, s -> s.listening() ? 1 : 0);
        metrics.gauge(MetricName.CLUSTER_DEFINITIONS_LAG, definitionSync, s -> s.lastLagMillis() / 1000.0);
        modules.add(new OpsModule(metrics, pipeline, started::get));
        modules.add(new HistoryModule(history, personalisation.registry(), bid.registry(), bid.winRateCurve(),
            bid.clearingPrices(), metrics, clock));
        modules.add(new UiModule());
        http = await(HttpVerticle.deploy(vertx, config, metrics, modules, loops, stateSeeds.nextLong()));
        bid.noticeBase().listening(config.tlsEnabled(), config.httpPublicHost, http.port());
        started.set(true);
        LOG.log(System.Logger.Level.INFO, "listening on " + (config.tlsEnabled() ? "https" : "http") + "://"
            + config.httpHost + ":" + http.port() + " with " + loops + " event loop(s); node " + nodeId
            + " (cluster sync every " + config.clusterSyncMillis + " ms); database: "
            + database.description() + "; admin API " + (config.adminToken == null ? "off (no ADMIN_TOKEN)" : "on"));
        return this;
    }

    /**
     * One round now (so the decision partitions for today and the days ahead exist before anything is shipped), then
     * one an hour on a thread of its own; a failed round is logged and tried again at the next.
     */
    private void startLogMaintenance(LogMaintenance maintenance) throws Exception {
        maintenance.run();
        logMaintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "arbiter-log-maintenance");
            t.setDaemon(true);
            return t;
        });
        logMaintenance.scheduleWithFixedDelay(() -> {
            try {
                maintenance.run();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "log maintenance failed (retried within the hour): " + e);
            }
        }, LOG_MAINTENANCE_INTERVAL.toMinutes(), LOG_MAINTENANCE_INTERVAL.toMinutes(), TimeUnit.MINUTES);
    }

    /** The bidder module, once {@link #start} returned (tests read its learned state); null before. */
    public synchronized BidModule bidModule() {
        for (final Module module : modules) {
            if (module instanceof BidModule bid) {
                return bid;
            }
        }
        return null;
    }

    /** This node's id among the nodes sharing the Postgres. */
    public String nodeId() {
        return nodeId;
    }

    public int port() {
        return http.port();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The Vert.x instance the outcome pipeline ships on, apart from the serving one (for tests). */
    public Vertx shippingVertx() {
        return database.shippingVertx();
    }

    /** The Postgres pool the server writes through (for operational tooling and tests). */
    public Pool pool() {
        return database.pool();
    }

    /** The embedded Postgres, or null with an external one (for operational tooling and tests). */
    public io.arbiter.server.pg.EmbeddedPostgres embeddedPostgres() {
        return database == null ? null : database.embedded();
    }

    /** Stops accepting, closes the modules, drains the outcome pipeline, closes the table cleanly, stops Postgres. */
    public synchronized void stop() {
        LOG.log(System.Logger.Level.INFO, "stopping: no longer accepting, draining the outcome pipeline");
        started.set(false);
        if (http != null) {
            for (final String id : http.ids()) {
                quietly(() -> await(vertx.undeploy(id)));
            }
            http = null;
        }
        if (definitionSync != null) {
            definitionSync.close(); // before the modules close: nothing is applied to a closed registry
            definitionSync = null;
        }
        if (clusterSync != null) {
            clusterSync.close(); // before the table closes: what it saw matches the table file
            clusterSync = null;
        }
        if (linearSync != null) {
            linearSync.close(); // before the modules close: nothing is offered to a closed model
            linearSync = null;
        }
        // Outcomes acknowledged before the verticles went apply to the mapped files (a bill to the ledger, a reward to
        // the posteriors) as their journal append settles: let them, before the modules unmap the files.
        if (pipeline != null && !pipeline.awaitAppendsSettled(SETTLE_PATIENCE)) {
            LOG.log(System.Logger.Level.WARNING, "stopping: " + pipeline.unsettledAppends() + " outcome append(s) "
                + "still unsettled after " + SETTLE_PATIENCE.toMillis() + " ms; closing the modules anyway");
        }
        // in reverse order of start: the history sampler (which reads the bid module's mapped ledger and curves) stops
        // before the bid module unmaps them
        for (int i = modules.size() - 1; i >= 0; i--) {
            quietly(modules.get(i)::close); // the bid module flushes and closes the budget ledger
        }
        modules.clear();
        if (logMaintenance != null) {
            logMaintenance.shutdownNow();
            logMaintenance = null;
        }
        if (pipeline != null) {
            quietly(() -> await(pipeline.close()));
            pipeline = null;
        }
        if (table != null) {
            table.close();
            table = null;
        }
        if (database != null) {
            quietly(() -> await(database.close()));
            database = null;
        }
        metrics.unbindJvm();
        if (vertx != null) {
            quietly(() -> await(vertx.close()));
            vertx = null;
        }
        LOG.log(System.Logger.Level.INFO, "stopped");
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
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
}
