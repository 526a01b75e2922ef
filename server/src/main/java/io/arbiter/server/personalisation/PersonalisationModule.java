package io.arbiter.server.personalisation;

import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.unit.StickyAssignments;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.AggregateSnapshot;
import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.outcome.SegmentAggregate;
import io.arbiter.server.personalisation.decide.ContextLimits;
import io.arbiter.server.personalisation.decide.DecideHandler;
import io.arbiter.server.personalisation.decide.DecisionPipeline;
import io.arbiter.server.personalisation.evaluation.EvaluationAdminHandler;
import io.arbiter.server.personalisation.evaluation.EvaluationJobs;
import io.arbiter.server.personalisation.evaluation.EvaluationRun;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentArms;
import io.arbiter.server.personalisation.experiment.ExperimentAdminHandler;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.experiment.ExperimentStore;
import io.arbiter.server.personalisation.experiment.RecentTraffic;
import io.arbiter.server.personalisation.guard.GuardCounters;
import io.arbiter.server.personalisation.guard.GuardStages;
import io.arbiter.server.personalisation.guard.GuardState;
import io.arbiter.server.personalisation.guard.GuardStore;
import io.arbiter.server.personalisation.guard.GuardrailMonitor;
import io.arbiter.server.personalisation.guard.VariantAdminHandler;
import io.arbiter.server.personalisation.reward.DuplicateIndex;
import io.arbiter.server.personalisation.reward.RewardBatchHandler;
import io.arbiter.server.personalisation.reward.RewardHandler;
import io.arbiter.server.personalisation.reward.RewardService;
import io.arbiter.server.personalisation.reward.SharedLinearRewards;
import io.arbiter.server.pg.BackgroundConnections;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Personalisation as one module: experiments (registry, store, admin API), decisions ({@code POST /v1/decide}) and
 * rewards ({@code POST /v1/reward}, {@code /v1/reward/batch}). Built once by {@link #start} with its shared state;
 * each event loop gets its own {@link Workspace} and handlers ({@link #declareRoutes}). A background thread
 * refreshes propensities, snapshots recent traffic and expires the duplicate index.
 */
public final class PersonalisationModule implements Module {
    private static final System.Logger LOG = System.getLogger(PersonalisationModule.class.getName());

    private final ServerConfig config;
    private final Clock clock;
    private final Metrics metrics;
    private final ExperimentRegistry registry;
    private final ExperimentStore store;
    private final DecisionTokens tokens;
    private final OutcomeLog outcomes;
    private final DuplicateIndex duplicates;
    /** Reward claims read from Postgres at start. */
    private volatile long duplicatesRestored;
    private final RecentTraffic traffic;
    private final RewardService rewards;
    private final GuardStore guardStore;
    private final FrequencyCapStore caps;
    private final ScheduledExecutorService maintenance;
    private final Pool pool;
    private final EvaluationJobs evaluations;
    private final BackgroundConnections background;

    /**
     * The frequency-cap store's file in the data folder: one record per unit and group of eight variants
     * ({@code ExperimentGuard#capKey}). {@link #EARLIER_FREQUENCY_CAP_FILES} held the earlier layouts.
     */
    public static final String FREQUENCY_CAP_FILE = "frequency-caps-records.table";
    /**
     * The earlier frequency-cap files, whose layouts the server no longer reads: one entry per unit and posterior arm
     * ({@code frequency-caps.table}), then one per unit and variant with grouped keys
     * ({@code frequency-caps-grouped.table}). Each is deleted at start, with a warning, and the caps count afresh.
     */
    public static final List<String> EARLIER_FREQUENCY_CAP_FILES = List.of("frequency-caps.table",
        "frequency-caps-grouped.table");

    /** Segment store files in the data folder. */
    public static final String SEGMENT_INDEX_FILE = "segments.index";
    public static final String SEGMENT_TABLE_FILE = "segments.table";
    public static final String STICKY_FILE = "sticky.table";
    /** Queued observations a linear model applies per maintenance tick, at most. */
    static final int LINEAR_APPLY_LIMIT = 50_000;
    /** Contextual experiments the segment store has records for. */
    static final int SEGMENT_EXPERIMENT_SLOTS = 4096;
    /** Arm records per segment the store is sized for: 10 variants rounded up to a block of 12. */
    static final int SEGMENT_ARMS_PER_SEGMENT = 12;
    /** How often the propensity refresher runs; each run has its share of {@code decisions.propensityBudget}. */
    static final long PROPENSITY_TICK_MILLIS = 100;

    private final SharedLinearRewards sharedLinear;
    private final ContextLimits contextLimits;
    private final StickyAssignments stickyAssignments;
    private int propensityRotation;
    /** The table holds arms but this node's arms file was missing at start (lost, or the first start since V42). */
    private boolean armsLost;
    /** Whether the posteriors were rebuilt from Postgres's aggregates at start. */
    private volatile boolean posteriorsRebuilt;
    /** Whether the segment store was rebuilt from Postgres's aggregates at start. */
    private volatile boolean segmentsRebuilt;
    /** What the start rebuilt from, until the root takes it ({@link #takeStartSnapshot}). */
    private volatile AggregateSnapshot startSnapshot;
    /** The (scope, arm) and (experiment, segment, variant) the start restored, until the root takes the snapshot. */
    private final Set<String> restoredAtStart = new HashSet<>();

    /**
     * Opens the frequency-cap store. A file of an earlier layout is of no use to it (its counts are filed under keys
     * and in entries no lookup reads): it is deleted, and units may see each variant up to its cap again within the
     * first period after the upgrade.
     */
    static FrequencyCapStore openCaps(ServerConfig config, Clock clock) {
        for (final String name : EARLIER_FREQUENCY_CAP_FILES) {
            final Path earlier = config.dataDir.resolve(name);
            try {
                if (Files.deleteIfExists(earlier)) {
                    LOG.log(System.Logger.Level.WARNING, "deleted " + earlier + ": its frequency-cap counts use an "
                        + "earlier layout; caps count afresh from now (see docs/config.md)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + earlier, e);
            }
        }
        return FrequencyCapStore.mapFile(config.dataDir.resolve(FREQUENCY_CAP_FILE), config.frequencyCapBucketsLog2,
            clock.millis());
    }

    private PersonalisationModule(ServerConfig config, PosteriorTable table, Pool pool,
                                  BackgroundConnections background, OutcomeLog outcomes, SignedTokens signer,
                                  Metrics metrics, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.duplicates = new DuplicateIndex(config.duplicateClaimsLog2, config.attributionWindowMillis, clock);
        this.contextLimits = new ContextLimits(config.contextMaxAttributes, config.contextMaxFeatures,
            config.contextMaxValueLength);
        final ExperimentArms nodeArms = ExperimentArms.open(config.dataDir.resolve(ExperimentArms.FILE));
        this.armsLost = !nodeArms.existedAtOpen() && table.armsAllocated() > 0;
        this.registry = new ExperimentRegistry(table, openSegmentStore(config, clock), config.propensityDraws,
            config.propensityRefreshMillis, config.dataDir, nodeArms);
        this.stickyAssignments = StickyAssignments.mapFile(config.dataDir.resolve(STICKY_FILE),
            config.stickyBucketsLog2, clock.millis());
        this.store = new ExperimentStore(pool);
        this.tokens = new DecisionTokens(signer);
        this.outcomes = outcomes;
        this.traffic = new RecentTraffic(table, 30);
        this.guardStore = new GuardStore(pool);
        this.caps = openCaps(config, clock);
        this.sharedLinear = new SharedLinearRewards(registry, tokens);
        this.rewards = new RewardService(registry, tokens, outcomes, duplicates, clock, config.attributionWindowMillis,
            metrics, new GuardrailMonitor(registry, guardStore::insert, metrics, clock));
        this.pool = pool;
        this.background = background;
        this.evaluations = new EvaluationJobs(clock, config.evaluationKeptJobs, background::lowerCurrentThread);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "arbiter-maintenance");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds the module and brings its state up to date, in order: the stored experiments, then the config's seeds
     * not stored yet; the posteriors of an uncleanly closed table, the segments of an uncleanly closed segment store
     * and the guardrails' counters from Postgres's aggregates, all read in one snapshot with the other nodes' shares
     * of them ({@link #takeStartSnapshot}; the caller has let the journal tail ship first); duplicate detection from
     * the rewards within the attribution window; then the maintenance thread starts. {@code nodeId}: this node's
     * name among the nodes sharing the Postgres (its own share is not read).
     */
    public static Future<PersonalisationModule> start(ServerConfig config, PosteriorTable table, Pool pool,
                                                      BackgroundConnections background, OutcomeLog outcomes,
                                                      SignedTokens signer, Metrics metrics, Clock clock, long seed,
                                                      String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        final PersonalisationModule module = new PersonalisationModule(Objects.requireNonNull(config),
            Objects.requireNonNull(table), Objects.requireNonNull(pool), Objects.requireNonNull(background),
            Objects.requireNonNull(outcomes),
            Objects.requireNonNull(signer), Objects.requireNonNull(metrics), Objects.requireNonNull(clock));
        return module.loadSuspensions()
            .compose(v -> module.loadExperiments())
            .compose(v -> outcomes.loadSnapshot(nodeId, !module.registry.segmentStore().wasCleanlyClosed()))
            .map(snapshot -> {
                module.startSnapshot = snapshot;
                if (!table.wasCleanlyClosed() || module.armsLost) {
                    module.rebuildPosteriors(snapshot.arms());
                }
                if (!module.registry.segmentStore().wasCleanlyClosed()) {
                    module.rebuildSegments(snapshot.segments());
                }
                module.restoreGuardCounters(snapshot.arms());
                return null;
            })
            .compose(v -> module.rebuildDuplicates())
            .map(v -> {
                outcomes.onRewardsStoredElsewhere(module::takeBack);
                module.startMaintenance(seed);
                return module;
            });
    }

    /**
     * The segment store, mapped in the data folder: the index sized for {@code decisions.segmentCapacity} segments at
     * most 3/4 full, the arms for {@value #SEGMENT_ARMS_PER_SEGMENT} per segment.
     */
    private static SegmentStore openSegmentStore(ServerConfig config, Clock clock) {
        final int slots = Integer.highestOneBit((int) Math.min(1 << 23, config.segmentCapacity * 4L / 3) - 1) << 1;
        final int arms = (int) Math.min(16_000_000L, (long) config.segmentCapacity * SEGMENT_ARMS_PER_SEGMENT);
        return SegmentStore.mapFiles(config.dataDir.resolve(SEGMENT_INDEX_FILE),
            config.dataDir.resolve(SEGMENT_TABLE_FILE), Math.max(4, slots), SEGMENT_EXPERIMENT_SLOTS, arms,
            clock.millis());
    }

    private Future<Void> loadExperiments() {
        return store.loadAll().compose(stored -> {
            boolean everyArmKept = true;
            for (final ExperimentStore.Stored definition : stored) {
                everyArmKept &= definition.definition().containsKey("arms"); // stored before V42: the arms it names
                registry.publish(registry.restore(definition.definition(), config.maxVariants), definition.version());
            }
            registry.nodeArms().endSeeding(); // a definition that reaches this node later never names its arms
            registry.endLinearUpgrade(); // the models present were mapped (version 1 files given their positions)
            if (armsLost && everyArmKept && !stored.isEmpty()) {
                armsLost = false; // the first start since V42: this node's arms were seeded from the stored ones
            }
            Future<Void> chain = Future.succeededFuture();
            for (final Object raw : config.experiments) {
                final JsonObject definition = (JsonObject) raw;
                final String id = definition.getString("id");
                if (registry.get(id) == null) { // the config seeds experiments; the admin API owns them afterwards
                    final Experiment experiment = registry.prepare(ExperimentSpec.fromJson(id, definition,
                        config.maxVariants));
                    chain = chain.compose(v -> store.save(ExperimentRegistry.storedForm(experiment)))
                        .map(version -> {
                            registry.publish(experiment, version);
                            return null;
                        });
                }
            }
            return chain;
        });
    }

    /**
     * After an unclean stop the table file may miss updates whose rewards were journaled but not yet applied (or hold
     * some that Postgres has not seen yet); once the journal tail is shipped, Postgres's aggregates are exact, so the
     * exact counters are restored from them. Decayed sums cannot be rebuilt from totals and restart empty.
     */
    private void rebuildPosteriors(List<ArmAggregate> aggregates) {
        final PosteriorTable table = registry.table();
        posteriorsRebuilt = true;
        int restored = 0;
        for (final ArmAggregate aggregate : aggregates) {
            final Experiment experiment = registry.get(aggregate.scope());
            final Integer arm = experiment == null ? null : experiment.armByVariant().get(aggregate.arm());
            if (arm != null) {
                table.restoreExclusive(arm, Math.max(aggregate.decisions(), table.decisions(arm)),
                    aggregate.trials(), aggregate.successes(), aggregate.rewardSum(), aggregate.rewardSquareSum(),
                    aggregate.updatedAtMillis());
                restoredAtStart.add(aggregate.scope() + '\u0000' + aggregate.arm());
                restored++;
            }
        }
        LOG.log(System.Logger.Level.INFO, "the posterior table was not closed cleanly (or is new, or this node's "
            + ExperimentArms.FILE + " was missing): restored " + restored + " arm(s) from Postgres aggregates");
    }

    /** Suspensions and resume baselines, before the experiments are built (so they serve without the suspended). */
    private Future<Void> loadSuspensions() {
        return guardStore.loadLatest().map(loaded -> {
            for (final GuardStore.Loaded row : loaded) {
                final GuardState state = registry.state(row.experiment());
                if (row.suspension() != null) {
                    state.suspend(row.suspension());
                } else {
                    state.restoreBaseline(row.baseline().getString("variant"),
                        GuardState.Baseline.fromJson(row.baseline()));
                }
            }
            return null;
        });
    }

    /**
     * The lift's and guardrails' counters from their aggregate rows ({@code guard:<h|t>:<metric>:<experiment>}),
     * exact once the journal tail has been shipped (the caller has waited for it).
     */
    private void restoreGuardCounters(List<ArmAggregate> aggregates) {
        for (final ArmAggregate aggregate : aggregates) {
            final String[] parts = aggregate.scope().split(":", 4);
            if (parts.length == 4 && "guard".equals(parts[0])) {
                registry.state(parts[3]).counters().restore(aggregate.scope(), aggregate.arm(),
                    aggregate.decisions(), aggregate.trials(), aggregate.successes(), aggregate.rewardSum(),
                    aggregate.rewardSquareSum());
            }
        }
    }

    /**
     * After an unclean stop, or with {@code segments.table} lost, the segments' exact counts come back from Postgres's
     * {@code segment_aggregates} (exact once the journal tail has shipped), before any traffic: each segment is found
     * or created again and its variants' records restored. Decayed sums start over, as for the root; the segments'
     * reward counters (which rank equally fine parents) restart from zero.
     */
    private void rebuildSegments(List<SegmentAggregate> aggregates) {
        final SegmentStore segmentStore = registry.segmentStore();
        segmentsRebuilt = true;
        int restored = 0;
        for (final SegmentAggregate aggregate : aggregates) {
            final Experiment experiment = registry.get(aggregate.experiment());
            final int ordinal = experiment == null ? -1 : experiment.ordinalOf(aggregate.variant());
            if (ordinal < 0 || experiment.segments().spec().attributeCount() == 0) {
                continue;
            }
            final int slot = segmentStore.findOrCreate(experiment.segments().experimentKey(), aggregate.level(),
                aggregate.segment(), experiment.armByVariant().size(), experiment.segments().spec().maxSegments());
            final int arm = slot < 0 ? -1 : segmentStore.armForUpdate(slot, ordinal);
            if (arm >= 0) {
                segmentStore.arms().restoreExclusive(arm, segmentStore.arms().decisions(arm), aggregate.trials(),
                    aggregate.successes(), aggregate.rewardSum(), aggregate.rewardSquareSum(), clock.millis());
                restoredAtStart.add(segmentKey(aggregate));
                restored++;
            }
        }
        LOG.log(System.Logger.Level.INFO, "the segment store was not closed cleanly (or is new): restored "
            + restored + " segment variant(s) from Postgres aggregates");
    }

    /** Adds the holdout decisions counted since the last flush to Postgres; on failure they wait for the next. */
    private void flushHoldoutDecisions() {
        for (final Experiment experiment : registry.all()) {
            final GuardCounters counters = experiment.guard().counters();
            final List<GuardCounters.DecisionDelta> deltas = counters.drainDecisions();
            guardStore.addDecisions(deltas).onFailure(failure -> deltas.forEach(counters::undrain));
        }
    }

    /**
     * Claims the newest rewards of the attribution window, at most what the table holds (newest first from Postgres,
     * claimed oldest first, as they were taken; a full group evicts the claim expiring first whatever the order): a
     * week of rewards can be hundreds of times the table, and reading them all would only evict what was read.
     */
    private Future<Void> rebuildDuplicates() {
        final long started = System.nanoTime();
        final long since = clock.millis() - config.attributionWindowMillis;
        final int capacity = (int) duplicates.capacity();
        return outcomes.loadNewestOutcomeIds(List.of(OutcomeKind.REWARD), since, capacity).map(ids -> {
            for (int i = ids.size() - 1; i >= 0; i--) {
                final String stored = ids.get(i).id();
                final int space = stored.indexOf(' '); // "<decision id> <metric>" for a guardrail metric's reward
                final String id = space < 0 ? stored : stored.substring(0, space);
                final String metric = space < 0 ? "" : stored.substring(space + 1);
                try {
                    final DecisionToken token = tokens.parse(id, "decisionId");
                    duplicates.claim(token.nonce(), token.issuedAtMillis(), metric);
                } catch (RuntimeException e) {
                    // signed with another secret: cannot be presented again anyway
                }
            }
            duplicatesRestored = ids.size();
            LOG.log(System.Logger.Level.INFO, "duplicate detection: read " + ids.size() + " reward claim(s) of the "
                + "attribution window from Postgres in " + (System.nanoTime() - started) / 1_000_000 + " ms (the "
                + "newest, at most the table's " + capacity + ")");
            return null;
        });
    }

    private void startMaintenance(long seed) {
        metrics.gauge(MetricName.DEDUP_ENTRIES, duplicates, DuplicateIndex::size);
        metrics.functionCounter(MetricName.DEDUP_EVICTED, duplicates, DuplicateIndex::evicted);
        metrics.gauge(MetricName.DEDUP_RESTORED, this, m -> m.duplicatesRestored);
        final SegmentStore segmentStore = registry.segmentStore();
        metrics.gauge(MetricName.SEGMENTS, segmentStore, SegmentStore::segments);
        metrics.functionCounter(MetricName.SEGMENT_PARENT_FALLBACKS, registry,
            ExperimentRegistry::segmentParentFallbacks);
        metrics.functionCounter(MetricName.SEGMENTS_REFUSED, segmentStore,
            s -> s.refusedIndexFull() + s.refusedArmsFull());
        metrics.gauge(MetricName.SEGMENT_PROPENSITY_PARENT, registry, ExperimentRegistry::propensityParentFallbacks);
        metrics.functionCounter(MetricName.STICKY_EVICTED, stickyAssignments, StickyAssignments::evictedLive);
        metrics.functionCounter(MetricName.LINEAR_REJECTED, registry, ExperimentRegistry::linearRejected);
        metrics.functionCounter(MetricName.CAP_EVICTED_LIVE, caps, FrequencyCapStore::evictedLive);
        final Workspace workspace = new Workspace(new SplittableRandom(seed).nextLong(), config.maxVariants);
        final PosteriorTable table = registry.table();
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                for (final Experiment experiment : registry.all()) {
                    experiment.propensities().refresh(table, workspace, clock.millis());
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "propensity refresh failed", e);
            }
        }, 0, config.propensityRefreshMillis, TimeUnit.MILLISECONDS);
        final Workspace refresher = new Workspace(new SplittableRandom(seed + 1).nextLong(), config.maxVariants);
        maintenance.scheduleWithFixedDelay(() -> refreshSegmentPropensities(refresher), PROPENSITY_TICK_MILLIS,
            PROPENSITY_TICK_MILLIS, TimeUnit.MILLISECONDS);
        maintenance.scheduleAtFixedRate(traffic::snapshot, 0, 10, TimeUnit.SECONDS);
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                flushHoldoutDecisions();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "holdout decision flush failed", e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Refreshes the propensity estimates of the segments in use, within this tick's share of the budget
     * ({@code decisions.propensityBudget} of a core), starting from another experiment each tick so none starves.
     */
    private void refreshSegmentPropensities(Workspace workspace) {
        try {
            registry.applyLinearObservationsExclusive(LINEAR_APPLY_LIMIT); // this thread is the models' one writer
            final Experiment[] experiments = registry.all().toArray(new Experiment[0]);
            if (experiments.length == 0) {
                return;
            }
            final long deadline = System.nanoTime()
                + (long) (config.propensityBudget * TimeUnit.MILLISECONDS.toNanos(PROPENSITY_TICK_MILLIS));
            final int start = Math.floorMod(propensityRotation++, experiments.length);
            for (int i = 0; i < experiments.length && System.nanoTime() < deadline; i++) {
                final Experiment experiment = experiments[(start + i) % experiments.length];
                experiment.segmentPropensities().refresh(workspace, clock.millis(), deadline);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "segment propensity refresh failed", e);
        }
    }

    /**
     * Sets the stages of the decision pipeline's extension slots on one event loop's pipeline: HOLDOUT, BURN_IN
     * and SHARE_BOUNDS are empty today (see docs/architecture.md, "The decision pipeline").
     */
    private void extendPipeline(DecisionPipeline.Builder pipeline) {
        new GuardStages(registry.table(), caps, metrics, config.maxVariants).install(pipeline);
    }

    @Override
    public void declareRoutes(RouteTable routes) {
        final Workspace workspace = new Workspace(routes.newSeed(), config.maxVariants);
        routes.hotPost("/v1/decide", "decide", Exposure.CROSS_ORIGIN,
                new DecideHandler(registry, tokens, outcomes, workspace, clock, metrics, contextLimits,
                    config.maxVariants, stickyAssignments, this::extendPipeline))
            .hotPost("/v1/reward", "reward", Exposure.CROSS_ORIGIN, new RewardHandler(rewards))
            .hotPost("/v1/reward/batch", "reward_batch", Exposure.CROSS_ORIGIN,
                new RewardBatchHandler(rewards, config.maxRewardBatch));
        new ExperimentAdminHandler(routes.vertx(), registry, store, traffic, clock, config.maxVariants)
            .declareRoutes(routes);
        new EvaluationAdminHandler(registry, evaluations, pool, background, new EvaluationRun.Settings(
            config.evaluationRowsPerSecond, config.evaluationPageRows, outcomes.decisionSampleRate(),
            config.propensityDraws, config.propensityRefreshMillis), clock, config.maxVariants).declareRoutes(routes);
        new VariantAdminHandler(registry, guardStore, clock).declareRoutes(routes);
    }

    /**
     * Adds another server node's committed reward totals for one (experiment, variant) to the posterior (exact
     * counters; the decayed sums stay this node's own). False for an experiment or variant this node does not know:
     * its definition has not reached this node yet (the totals are offered again).
     */
    public boolean addSharedTotals(String experimentId, String variant, long trials, long successes, double rewardSum,
                                   double rewardSquareSum) {
        if (!ExperimentSpec.ID.matcher(experimentId).matches()) {
            return true; // a guardrail's scope: its totals are Postgres's, never an arm here
        }
        final Experiment experiment = registry.get(experimentId);
        final Integer arm = experiment == null ? null : experiment.armByVariant().get(variant);
        if (arm == null) {
            return false;
        }
        registry.table().addTotals(arm, trials, successes, rewardSum, rewardSquareSum, clock.millis());
        return true;
    }

    /**
     * Adds another server node's committed totals for one variant in one segment to this node's segment store (exact
     * counters and the segment's reward count; the decayed sums stay this node's own), creating the segment if this
     * node has not seen it. False when it cannot be applied now and should be offered again: the experiment or
     * variant is not known here yet, or the segment or its variant's block is being created. Totals the store cannot
     * hold (the experiment's {@code maxSegments} reached, the store full, an experiment no longer contextual) are
     * dropped, as a decision there would back off to a parent.
     */
    public boolean addSharedSegmentTotals(String experimentId, long segment, long level, String variant, long trials,
                                          long successes, double rewardSum, double rewardSquareSum) {
        final Experiment experiment = registry.get(experimentId);
        final int ordinal = experiment == null ? -1 : experiment.ordinalOf(variant);
        if (ordinal < 0) {
            return false;
        }
        final SegmentedThompson model = experiment.segments();
        if (model.spec().attributeCount() == 0 || experiment.linear() != null) {
            return true;
        }
        final SegmentStore segmentStore = registry.segmentStore();
        final int slot = segmentStore.findOrCreate(model.experimentKey(), level, segment,
            experiment.armByVariant().size(), model.spec().maxSegments());
        if (slot < 0) {
            return true;
        }
        final int arm = segmentStore.armForUpdate(slot, ordinal);
        if (arm < 0) {
            return segmentStore.state(slot) == SegmentStore.FAILED;
        }
        segmentStore.arms().addTotals(arm, trials, successes, rewardSum, rewardSquareSum, clock.millis());
        segmentStore.addRewards(slot, trials);
        return true;
    }

    /**
     * Offers another server node's reward that taught a linear model (its number {@code number} in that node's order)
     * to this node's model of its experiment (the decision id carries the features); the model skips a number it
     * has. Called on the linear sync thread.
     */
    public SharedLinearRewards.Result addSharedLinearReward(String node, long number, String decisionId,
                                                            double reward) {
        return sharedLinear.apply(node, number, decisionId, reward);
    }

    /** The newest number of {@code node}'s linear rewards every linear model here contains (0: none). */
    public long sharedLinearReplayedUpTo(String node) {
        return sharedLinear.replayedUpTo(node);
    }

    /** Every linear reward of {@code node} up to {@code number} was offered or passed over: models move past it. */
    public void sharedLinearReplayed(String node, long number) {
        sharedLinear.replayed(node, number);
    }

    /** How many linear models here have no replay position for {@code node} (every slot taken by others). */
    public int sharedLinearWithoutPosition(String node) {
        return sharedLinear.withoutPosition(node);
    }

    /**
     * Takes back rewards that another node stored first (the same decision rewarded on two nodes): they were applied
     * to the exact counters here when they arrived, and Postgres and the other nodes count them once. The segments
     * they updated (the journal row's pairs) are taken back too, and so is a linear model's observation (a
     * retraction through its ring: the other node's row brings it in again); the decayed sums keep them (not
     * corrected).
     */
    private void takeBack(java.util.List<io.arbiter.server.outcome.OutcomeEvent> rewards) {
        for (final io.arbiter.server.outcome.OutcomeEvent reward : rewards) {
            if (!reward.unit().isEmpty() || (reward.flags() & 1) != 0) {
                continue; // a guardrail metric's or a holdout's reward: it never moved the posterior's counters
            }
            final double r = reward.value();
            addSharedTotals(reward.scope(), reward.arm(), -1, r == 1.0 ? -1 : 0, -r, -r * r); // as recordReward
            if (!reward.context().isEmpty()) {
                takeBackSegments(reward.scope(), reward.arm(), reward.context(), r);
            }
            if (reward.code() == io.arbiter.server.outcome.OutcomeEvent.TEACHES_LINEAR) {
                sharedLinear.retract(reward.id(), r); // false: the ring was full (counted by the model)
            }
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "took back " + rewards.size() + " reward(s) stored by another node");
    }

    /** Takes one reward back from the segments it updated here ({@code segmentKey:levelKey} pairs). */
    private void takeBackSegments(String experimentId, String variant, String pairs, double r) {
        final Experiment experiment = registry.get(experimentId);
        final int ordinal = experiment == null ? -1 : experiment.ordinalOf(variant);
        if (ordinal < 0) {
            return;
        }
        final SegmentStore segmentStore = registry.segmentStore();
        for (final String pair : pairs.split(" ")) {
            final int colon = pair.indexOf(':');
            final int slot = colon < 0 ? -1 : segmentStore.find(Long.parseLong(pair.substring(0, colon)));
            final int arm = slot < 0 ? -1 : segmentStore.arm(slot, ordinal);
            if (arm >= 0) {
                segmentStore.arms().addTotals(arm, -1, r == 1.0 ? -1 : 0, -r, -r * r, clock.millis());
                segmentStore.addRewards(slot, -1);
            }
        }
    }

    /**
     * Serves a definition another node stored (version {@code version}, Postgres's), unless this node serves that
     * version or a newer one already; its variants get this node's arms. Called off the event loops, one at a time.
     *
     * @return whether it is now served
     */
    public boolean applyStored(JsonObject definition, long version) {
        if (version <= registry.version(definition.getString("id"))) {
            return false;
        }
        return registry.publish(registry.restore(definition, config.maxVariants), version);
    }

    /** Whether the posteriors were rebuilt from Postgres's aggregates at start (they hold every node's rewards). */
    public boolean posteriorsRebuilt() {
        return posteriorsRebuilt;
    }

    /** Whether the segment store was rebuilt from Postgres's aggregates at start (they hold every node's rewards). */
    public boolean segmentsRebuilt() {
        return segmentsRebuilt;
    }

    /**
     * What the start rebuilt from, with the other nodes' shares of it as of the same instant: what the cluster sync
     * takes as seen for whatever was rebuilt. The other nodes' rows are those of the arms and segment variants the
     * start restored only: a row of an experiment or variant not defined here yet stays unseen and is applied whole
     * once its definition arrives. Answered once, then released.
     */
    public AggregateSnapshot takeStartSnapshot() {
        final AggregateSnapshot snapshot = Objects.requireNonNull(startSnapshot,
            "taken already, or the module has not started");
        startSnapshot = null;
        final AggregateSnapshot restored = new AggregateSnapshot(snapshot.arms(), snapshot.segments(),
            snapshot.otherNodes().stream().filter(row -> restoredAtStart.contains(row.totals().scope() + '\u0000'
                + row.totals().arm())).toList(),
            snapshot.otherNodesSegments().stream().filter(row -> restoredAtStart.contains(segmentKey(row.totals())))
                .toList());
        restoredAtStart.clear();
        return restored;
    }

    private static String segmentKey(SegmentAggregate aggregate) {
        return aggregate.experiment() + '\u0000' + aggregate.segment() + '\u0000' + aggregate.variant();
    }

    /** The experiments being served. */
    public ExperimentRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        evaluations.close();
        background.close();
        maintenance.shutdownNow();
        try {
            maintenance.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushHoldoutDecisions(); // best effort: the pool is still open (the modules close before the database)
        registry.applyLinearObservationsExclusive(Integer.MAX_VALUE);
        registry.closeLinearModels();
        registry.segmentStore().close();
        stickyAssignments.close();
        caps.close();
    }
}
