package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLeases;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.FrequencyCaps;
import io.arbiter.server.bid.budget.LeaseStore;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.budget.Reservations;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSlots;
import io.arbiter.server.bid.campaign.CampaignSpec;
import io.arbiter.server.bid.campaign.CampaignStore;
import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.pricing.ClickRateContexts;
import io.arbiter.server.bid.pricing.WinRateCounts;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The OpenRTB bidder as one module: the shared, thread-safe state (campaign registry, budget ledger, reservations,
 * frequency table, win-rate curve, notice claims) and, per event loop ({@link #declareRoutes}), one bid handler and
 * bidder of that loop's own, the notice routes and the campaign admin API.
 *
 * <p>Start-up order ({@link #start}): the ledger file is mapped, {@link #loadCampaigns} (stored definitions, then
 * config seeds), {@link #restore} (spend, posteriors and notice claims from the outcome log's Postgres data), then
 * the maintenance timer starts; the HTTP verticles declare its routes afterwards.
 */
public final class BidModule implements Module {
    private static final System.Logger LOG = System.getLogger(BidModule.class.getName());
    /** The ledger's file in the data folder. */
    public static final String LEDGER_FILE = "budgets.ledger";
    /** The win-rate counts' file in the data folder. */
    public static final String WIN_RATE_FILE = "winrate.counts";
    /** The click-rate multipliers' counts file in the data folder. */
    public static final String CLICK_RATE_FILE = "clickrate.counts";

    /** How often the mapped files are forced to disk (what a power loss may take; a process crash takes nothing). */
    public static final long FLUSH_MILLIS = 10_000;

    private final BiddingConfig config;
    private final CampaignRegistry registry;
    private final CampaignStore store;
    private final OutcomeLog outcomes;
    private final NoticeTokens tokens;
    private final Metrics metrics;
    private final Clock clock;
    private final Pacing pacing;
    private final BudgetLeases leases;
    private BudgetLeaseKeeper leaseKeeper; // guarded by this
    private final FrequencyCaps frequencyCaps;
    private final Reservations reservations;
    private final WinRateCurve curve;
    private final ClickRateContexts clickContexts;
    private final NoticeService notices;
    /** Notice claims read from Postgres at start. */
    private volatile long noticeClaimsRestored;
    private final NoticeBase noticeBase;
    private Vertx maintenanceVertx;
    private long maintenanceTimer = -1;
    private boolean closed; // guarded by this
    private long nextFlush;

    public BidModule(BiddingConfig config, PosteriorTable table, BudgetLedger ledger, CampaignStore store,
                     OutcomeLog outcomes, SignedTokens signer, Metrics metrics, Clock clock) {
        this(config, table, ledger, WinRateCounts.allocateDirect(config.shadingMaxContexts(), clock.millis()),
            new ClickRateContexts(config.ctrMaxContexts(), config.ctrContextStrength()), store,
            CampaignSlots.inMemory(), outcomes, signer, metrics, clock);
    }

    /**
     * A module whose win-rate counts live in {@code winRates} and click-rate multipliers' counts in
     * {@code clickRates} (mapped files keep the curves and the multipliers over restarts), and whose campaigns' slots
     * on this node are {@code slots}'s. The module closes both.
     */
    public BidModule(BiddingConfig config, PosteriorTable table, BudgetLedger ledger, WinRateCounts winRates,
                     ClickRateContexts clickRates, CampaignStore store, CampaignSlots slots, OutcomeLog outcomes,
                     SignedTokens signer, Metrics metrics, Clock clock) {
        this.config = Objects.requireNonNull(config);
        this.registry = new CampaignRegistry(table, ledger, config.rates(), slots);
        this.store = Objects.requireNonNull(store);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.tokens = new NoticeTokens(signer);
        this.metrics = Objects.requireNonNull(metrics);
        this.clock = Objects.requireNonNull(clock);
        this.leases = new BudgetLeases(ledger.capacity());
        this.pacing = new Pacing(ledger, config.controlIntervalMillis(), config.pacingAllowance(), leases,
            config.pacingGain());
        this.frequencyCaps = new FrequencyCaps(config.frequencyCellsLog2());
        this.reservations = new Reservations(ledger);
        this.curve = new WinRateCurve(winRates, config.shadingFactor(), config.shadingMinObservations(),
            config.shadingContextPriorWeight(), config.shadingHalfLifeMillis());
        curve.refresh(clock.millis()); // the curves a restart kept, usable from the first bid
        metrics.gauge(MetricName.BID_SHADING_CONTEXTS, curve, WinRateCurve::contexts);
        metrics.functionCounter(MetricName.BID_SHADING_UNTRACKED, curve, WinRateCurve::untracked);
        this.clickContexts = Objects.requireNonNull(clickRates);
        this.notices = new NoticeService(registry, tokens, outcomes, reservations, frequencyCaps, curve,
            clickContexts, clock, config.noticeWindowMillis(), config.wonReservationMillis(), metrics.bids(),
            config.noticeClaimsLog2());
        metrics.gauge(MetricName.BID_NOTICE_CLAIMS, notices, NoticeService::claims);
        metrics.functionCounter(MetricName.BID_NOTICE_CLAIMS_EVICTED, notices, NoticeService::claimsEvicted);
        metrics.gauge(MetricName.BID_NOTICE_CLAIMS_RESTORED, this, m -> m.noticeClaimsRestored);
        this.noticeBase = NoticeBase.of(config.noticeBaseUrl());
    }

    /**
     * Maps the ledger file ({@value #LEDGER_FILE} in {@code dataDir}), the win-rate counts ({@value #WIN_RATE_FILE})
     * and the click-rate multipliers' counts ({@value #CLICK_RATE_FILE}), builds the module, loads the campaigns
     * (stored, then the config's {@code campaigns} not stored yet), restores spend, learning and notice claims, and
     * starts the maintenance timer. The caller has let the outcome journal's tail ship first.
     */
    public static Future<BidModule> start(Vertx vertx, BiddingConfig config, JsonArray campaigns, Path dataDir,
                                          PosteriorTable table, Pool pool, OutcomeLog outcomes, SignedTokens signer,
                                          Metrics metrics, Clock clock) {
        final BudgetLedger ledger = BudgetLedger.mapFile(dataDir.resolve(LEDGER_FILE), config.ledgerCapacity());
        final WinRateCounts winRates;
        try {
            winRates = WinRateCounts.mapFile(dataDir.resolve(WIN_RATE_FILE), config.shadingMaxContexts(),
                clock.millis());
        } catch (RuntimeException e) {
            ledger.close();
            throw e;
        }
        final ClickRateContexts clickRates;
        try {
            clickRates = openClickRates(dataDir, config);
        } catch (RuntimeException e) {
            ledger.close();
            winRates.close();
            throw e;
        }
        if (clickRates.maxContexts() != config.ctrMaxContexts()) {
            LOG.log(System.Logger.Level.WARNING, "bidder: " + dataDir.resolve(CLICK_RATE_FILE) + " holds "
                + clickRates.maxContexts() + " click-rate contexts, not bidding.ctrMaxContexts = "
                + config.ctrMaxContexts() + "; it keeps its size and its multipliers (stop the server and delete the "
                + "file to resize it: every multiplier starts at 1 again)");
        }
        final BidModule module;
        try {
            module = new BidModule(config, table, ledger, winRates, clickRates, CampaignStore.postgres(pool),
                CampaignSlots.open(dataDir.resolve(CampaignSlots.FILE)), outcomes, signer, metrics, clock);
        } catch (RuntimeException e) {
            ledger.close();
            winRates.close();
            clickRates.close();
            throw e;
        }
        return module.loadCampaigns(campaigns)
            .compose(v -> module.restore())
            .map(v -> {
                module.startMaintenance(vertx);
                return module;
            })
            .recover(failure -> {
                module.close();
                return Future.failedFuture(failure);
            });
    }

    /**
     * Maps the click-rate counts' file; one that holds pairs while {@code campaign-slots.json} is missing beside it is
     * deleted and created afresh: its pairs are keyed by the campaigns' ledger slots, which a lost slots file gives
     * out anew, so its multipliers would land on other campaigns. They start at 1 again instead.
     */
    private static ClickRateContexts openClickRates(Path dataDir, BiddingConfig config) {
        final Path file = dataDir.resolve(CLICK_RATE_FILE);
        final ClickRateContexts opened = ClickRateContexts.mapFile(file, config.ctrMaxContexts(),
            config.ctrContextStrength());
        if (opened.size() == 0 || Files.exists(dataDir.resolve(CampaignSlots.FILE))) {
            return opened;
        }
        LOG.log(System.Logger.Level.WARNING, "bidder: " + dataDir.resolve(CampaignSlots.FILE) + " is missing, so the "
            + "campaigns get new slots; deleting " + file + ", whose click-rate multipliers are keyed by the old ones "
            + "(every multiplier starts at 1 again)");
        opened.close();
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
        return ClickRateContexts.mapFile(file, config.ctrMaxContexts(), config.ctrContextStrength());
    }

    /** Publishes the stored campaigns, then stores and publishes the config's campaigns that are not stored yet. */
    public Future<Void> loadCampaigns(JsonArray configured) {
        return store.loadAll().compose(stored -> {
            for (final CampaignStore.Stored row : stored) {
                final JsonObject definition = row.definition();
                if (CampaignSpec.legacyNative(definition)) {
                    LOG.log(System.Logger.Level.WARNING, "bidder: campaign '" + definition.getString("id")
                        + "' has a native creative with fixed markup (\"native\": true); its assets were read from "
                        + "the markup. Declare them (\"native\": {\"title\", \"images\", \"data\", \"link\"}, "
                        + "docs/bidding.md) with PUT /v1/campaigns/{id}; a markup that is not a native response "
                        + "stops the start");
                }
                registry.publish(registry.restore(definition), row.version());
            }
            registry.nodeSlots().endSeeding(); // a definition that reaches this node later never names its slots
            Future<Void> chain = Future.succeededFuture();
            for (final Object raw : configured) {
                final JsonObject definition = (JsonObject) raw;
                final String id = definition.getString("id");
                if (registry.get(id) == null) { // the config seeds campaigns; the admin API owns them afterwards
                    final CampaignRegistry.Prepared prepared = registry.prepare(
                        CampaignSpec.fromJson(id, definition, config.rates()));
                    chain = chain.compose(v -> store.save(CampaignRegistry.storedForm(prepared)))
                        .map(version -> {
                            registry.publish(prepared, version);
                            return null;
                        });
                }
            }
            return chain;
        });
    }

    /**
     * Makes spend, pacing and learning survive a restart. The ledger file already holds spend and the pacing
     * modifier as of the last change that reached the page cache; Postgres holds everything journaled (a notice is
     * applied to the ledger only after it is journaled, so Postgres is never behind the file once the journal tail is
     * shipped). So each campaign's spend becomes the larger of the two:
     * <ul>
     *   <li>total spend from the aggregates with scope {@code spend:<campaign>} (rewardSum = the sum of billed
     *       clearing prices, CPM, so spend = rewardSum / 1000; trials = impressions);</li>
     *   <li>today's spend from today's BILL notices this node took (not the other nodes' on the same Postgres; a
     *       bill is counted by the node it reaches, as the ledger counts it), each at its bid price (the token's
     *       reservation): an upper bound of the true charge, so a restart can make pacing more careful, never
     *       overspend;</li>
     *   <li>click posteriors from {@code ctr:<campaign>} (trials = impressions, successes = clicks) and conversion
     *       posteriors from {@code cvr:<campaign>} (trials = clicks, successes = conversions), the same fields as in
     *       the table ({@link NoticeRules}), when Postgres has more than the table. A table written before the two
     *       agreed (click arms counting impressions in {@code decisions}, clicks in {@code trials}) has fewer trials
     *       than Postgres, so its arms are restored from Postgres at the first start.</li>
     * </ul>
     * Outstanding reservations are dropped (their bids died with the previous process), and duplicate detection for
     * notices is rebuilt from the newest notice ids within the notice window, at most the claims table's capacity.
     */
    public Future<Void> restore() {
        final long now = clock.millis();
        final long dayStart = Pacing.day(now) * Pacing.DAY_MILLIS;
        return outcomes.loadAggregates()
            .compose(aggregates -> outcomes.loadOwnBillIdsSince(dayStart).map(bills -> {
                restoreFrom(aggregates, bills, now);
                return null;
            }))
            .compose(v -> reclaim(now));
    }

    /**
     * Claims the newest notices of the notice window, at most what the claims table holds (newest first from
     * Postgres, claimed oldest first, as they were taken; a full group evicts the claim expiring first whatever the
     * order): reading more would only evict what was read.
     */
    private Future<Void> reclaim(long now) {
        final long started = System.nanoTime();
        final int capacity = (int) notices.claimsCapacity();
        return outcomes.loadNewestOutcomeIds(List.of(OutcomeKind.BILL, OutcomeKind.WIN, OutcomeKind.LOSS,
            OutcomeKind.CLICK, OutcomeKind.CONVERSION), now - config.noticeWindowMillis(), capacity).map(ids -> {
                for (int i = ids.size() - 1; i >= 0; i--) {
                    notices.reclaim(ids.get(i).kind(), ids.get(i).id());
                }
                noticeClaimsRestored = ids.size();
                LOG.log(System.Logger.Level.INFO, "notice duplicate detection: read " + ids.size() + " notice "
                    + "claim(s) of the notice window from Postgres in " + (System.nanoTime() - started) / 1_000_000
                    + " ms (the newest, at most the table's " + capacity + ")");
                return null;
            });
    }

    /** The restore itself, from data already loaded (see {@link #restore}); public for tests. */
    public void restoreFrom(List<ArmAggregate> aggregates, List<String> billIdsToday, long nowMillis) {
        final BudgetLedger ledger = registry.ledger();
        final PosteriorTable table = registry.table();
        final long today = Pacing.day(nowMillis);
        final Map<String, long[]> spend = new HashMap<>(); // campaign -> {total micros, impressions, today micros}
        for (final ArmAggregate a : aggregates) {
            final NoticeRules.Target target = NoticeRules.Target.ofScope(a.scope());
            final Campaign campaign = target == null ? null
                : registry.get(a.scope().substring(target.scopePrefix().length()));
            if (campaign == null) {
                continue;
            }
            if (target == NoticeRules.Target.SPEND) {
                final long[] s = spend.computeIfAbsent(campaign.id(), k -> new long[3]);
                s[0] += Math.round(a.rewardSum() * 1000.0);
                s[1] += a.trials();
                continue;
            }
            final Creative creative = campaign.creative(a.arm());
            final int arm = creative == null ? -1 : target.arm(creative);
            // The same fields in memory and in Postgres (NoticeRules), so a plain restore; the table wins when it is
            // ahead (Postgres is never ahead of it once the journal tail is shipped, unless the file was lost).
            if (arm >= 0 && (a.trials() > table.trials(arm) || a.successes() > table.successes(arm))) {
                table.restoreExclusive(arm, a.decisions(), a.trials(), a.successes(), a.rewardSum(),
                    a.rewardSquareSum(), a.updatedAtMillis());
            }
        }
        for (final String id : billIdsToday) {
            try {
                final NoticeTokens.NoticeToken t = tokens.parse(id, "t");
                final Campaign campaign = registry.get(t.campaign());
                if (campaign != null) {
                    spend.computeIfAbsent(campaign.id(), k -> new long[3])[2] += t.reservedMicros();
                }
            } catch (RuntimeException e) {
                // signed with another secret
            }
        }
        int restored = 0;
        for (final Campaign campaign : registry.all()) {
            final int slot = campaign.slot();
            final long[] s = spend.getOrDefault(campaign.id(), new long[3]);
            final boolean sameDay = ledger.day(slot) == today;
            // A cleanly closed ledger is exact. Otherwise today's bills from Postgres, counted at their bid prices (an
            // upper bound: the tokens carry the reservation), guard against a file that missed the last charges.
            final long daily = ledger.wasCleanlyClosed() && sameDay ? ledger.dailySpent(slot)
                : Math.max(sameDay ? ledger.dailySpent(slot) : 0, s[2]);
            final long total = Math.max(ledger.totalSpent(slot), s[0]);
            final long impressions = Math.max(ledger.impressions(slot), s[1]);
            ledger.restoreExclusive(slot, today, daily, total, impressions);
            restored++;
        }
        LOG.log(System.Logger.Level.INFO, "bidder: restored spend of " + restored + " campaign(s) from the ledger file "
            + "and " + aggregates.size() + " aggregate(s)");
    }

    /**
     * Serves a campaign another node stored (version {@code version}, Postgres's), unless this node serves that
     * version or a newer one already; it gets this node's ledger slot and arms. Called off the event loops.
     *
     * @return whether it is now served
     */
    public boolean applyStored(JsonObject definition, long version) {
        if (version <= registry.version(definition.getString("id"))) {
            return false;
        }
        return registry.publish(registry.restore(definition), version);
    }

    /**
     * Shares the daily budgets with the other nodes on {@code pool}'s database (when {@code bidding.budgetLeases} is
     * on): from now on this node bids only with money it leased ({@link BudgetLeaseKeeper}, {@link LeaseStore}), and
     * pacing follows the cluster's spend. Waits for the first round, so the node has its leases before it serves.
     */
    public synchronized void startBudgetLeases(Pool pool, String nodeId) throws InterruptedException {
        if (!config.budgetLeases() || leaseKeeper != null || closed) {
            return;
        }
        final BudgetLeaseKeeper keeper = new BudgetLeaseKeeper(new LeaseStore(pool, nodeId,
            Math.max(5_000, config.leaseRoundMillis() * 5)), leases, registry, config, clock);
        leases.enforce();
        keeper.start();
        leaseKeeper = keeper;
        registry.onPublish(keeper::roundSoon);
        metrics.functionCounter(MetricName.BID_LEASE_TAKEN, keeper, k -> k.takenMicros() / 1e6);
        metrics.functionCounter(MetricName.BID_LEASE_RETURNED, keeper, k -> k.returnedMicros() / 1e6);
        metrics.gauge(MetricName.BID_LEASE_LAPSED, keeper, k -> k.othersLapsedMicros() / 1e6);
        metrics.gauge(MetricName.BID_LEASE_HELD, keeper, k -> k.heldMicros() / 1e6);
        metrics.gauge(MetricName.BID_LEASE_PG_UP, keeper, k -> k.reachable() ? 1 : 0);
        metrics.gauge(MetricName.BID_LEASE_STANDALONE, keeper, BudgetLeaseKeeper::standalone);
        LOG.log(System.Logger.Level.INFO, "bidder: daily budgets leased from Postgres as node " + nodeId
            + " (slices of " + config.leaseSlice() + " of a day's budget, lease TTL " + config.leaseTtlMillis()
            + " ms)");
    }

    private synchronized BudgetLeaseKeeper leaseKeeper() {
        return leaseKeeper;
    }

    /** One lease round now, on the calling thread (tests). */
    public synchronized void leaseRound() {
        if (leaseKeeper != null) {
            leaseKeeper.round();
        }
    }

    /** This node's leases as the bid path reads them. */
    public BudgetLeases leases() {
        return leases;
    }

    @Override
    public void declareRoutes(RouteTable routes) {
        routes.hotPost("/openrtb2/bid", "openrtb_bid", Exposure.SAME_ORIGIN, new BidHandler(
            newBidder(routes.newSeed()), new BidResponseWriter(noticeBase, config.seat()), clock));
        new NoticeHandler(notices).declareRoutes(routes);
        new CampaignAdminHandler(registry, store).declareRoutes(routes);
        final BudgetLeaseKeeper keeper = leaseKeeper();
        if (keeper != null) {
            new LeaseAdminHandler(keeper.store(), clock).declareRoutes(routes);
        }
    }

    /**
     * One timer for the whole module; the sweeps scan maps and the flush is a syscall, so they run on a worker thread,
     * never on an event loop. Unordered: a slow sweep never queues up behind another.
     */
    private synchronized void startMaintenance(Vertx vertx) {
        maintenanceVertx = vertx;
        maintenanceTimer = vertx.setPeriodic(1_000, id -> vertx.executeBlocking(() -> {
            maintain();
            return null;
        }, false));
    }

    /** A bidder for one thread (an event loop, a benchmark, a simulation). */
    public Bidder newBidder(long seed) {
        return new Bidder(registry, pacing, frequencyCaps, reservations, curve, clickContexts, tokens, config,
            metrics.bids(), seed);
    }

    /**
     * Expires reservations and refreshes the win-rate curve; every 10 s flushes the mapped files (the page cache
     * already survives a process crash; this bounds what a power loss takes); once a minute expires notice claims
     * (they are many and only need dropping once their window is over). Thread-safe; one caller at a time.
     */
    public synchronized void maintain() {
        if (closed) {
            return; // a run queued before the timer was cancelled: the mapped files are gone
        }
        final long now = clock.millis();
        reservations.expire(now);
        curve.refresh(now);
        if (now >= nextFlush) {
            nextFlush = now + FLUSH_MILLIS;
            registry.ledger().force();
            curve.counts().force();
            clickContexts.force();
        }
    }

    /**
     * Stops the maintenance timer, then flushes and closes the mapped files, marking them cleanly closed; called after
     * the HTTP verticles are undeployed. After a crash the file is still current (page cache, 10-second flushes) and
     * {@link #restore} takes the larger of file and Postgres.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (maintenanceTimer >= 0) {
            maintenanceVertx.cancelTimer(maintenanceTimer);
            maintenanceTimer = -1;
        }
        if (leaseKeeper != null) {
            leaseKeeper.close(); // gives back the unspent leases, reading the ledger: before it closes
            leaseKeeper = null;
        }
        registry.ledger().close();
        curve.counts().close();
        clickContexts.close();
    }

    public CampaignRegistry registry() {
        return registry;
    }

    public NoticeService notices() {
        return notices;
    }

    public Reservations reservations() {
        return reservations;
    }

    public ClearingPrices clearingPrices() {
        return notices.clearingPrices();
    }

    public WinRateCurve winRateCurve() {
        return curve;
    }

    /** The notice URL prefix in use (configured, or derived once the server listens: {@link NoticeBase}). */
    public NoticeBase noticeBase() {
        return noticeBase;
    }

    /** The click-rate multipliers per campaign and publisher x format. */
    public ClickRateContexts clickContexts() {
        return clickContexts;
    }

    public BiddingConfig config() {
        return config;
    }

    public NoticeTokens tokens() {
        return tokens;
    }
}
