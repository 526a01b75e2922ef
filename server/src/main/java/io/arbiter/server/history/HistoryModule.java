package io.arbiter.server.history;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.BudgetLedgerDescriptor;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.ClearingPrices;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.MetricName;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded in-memory time series of every experiment and campaign, for the dashboard's charts, and the admin endpoints
 * that serve them:
 * <ul>
 *   <li>{@code GET /v1/experiments/{id}/history?range=1h|24h}: per variant and interval the decisions, the share of
 *       traffic, the reward rate and the probability of being best;</li>
 *   <li>{@code GET /v1/campaigns/{id}/history?range=1h|24h}: today's spend against the even pacing schedule, bids,
 *       wins, win rate and mean clearing price per interval, and the distribution of those clearing prices;</li>
 *   <li>{@code GET /v1/bidder/win-rate?contexts=5}: the bidder's learned win-rate curves, bidder-wide and for the
 *       busiest contexts.</li>
 * </ul>
 * One thread samples the counters every {@code history.sampleInterval} (10 s by default), off the event loops: the
 * posterior table's counters and the propensity cache of each experiment (the probability of being chosen, which
 * under Thompson sampling is the probability of being best), the budget ledger's counters of each campaign. Each
 * series keeps a fine ring (1 h of 10-second points) and a coarse one (24 h of 5-minute points); the memory bound is
 * {@code maxSeries * HistoryConfig.maxBytesPerSeries()} (see docs/ui.md). Nothing is persisted: a restart starts the
 * charts afresh.
 */
public final class HistoryModule implements Module {
    /** Columns per variant of an experiment's row: decisions, rewards (trials), reward sum, probability best. */
    static final int VARIANT_COLUMNS = 4;
    /** Columns of a campaign's row. */
    static final int CAMPAIGN_COLUMNS = 8;
    private static final int ACTIVE = 0;
    private static final int DAILY_SPENT = 1;
    private static final int SCHEDULE = 2;
    private static final int DAILY_LIMIT = 3;
    private static final int TOTAL_SPENT = 4;
    private static final int BIDS = 5;
    private static final int WINS = 6;
    private static final int CLICKS = 7;
    private static final String ENDPOINT = "admin_history";

    private final HistoryConfig config;
    private final ExperimentRegistry experiments;
    private final CampaignRegistry campaigns;
    private final WinRateCurve curve;
    private final ClearingPrices clearingPrices;
    private final Clock clock;
    private final Map<String, Series> series = new ConcurrentHashMap<>();
    private final AtomicLong untracked = new AtomicLong();
    private final ScheduledExecutorService sampler;

    /**
     * Builds the module and starts sampling at once.
     *
     * @param campaigns the bidder's campaigns, or null when there is no bidder
     * @param curve     the bidder's win-rate curve, or null when there is no bidder
     * @param clearingPrices the campaigns' clearing prices since start, or null when there is no bidder
     */
    public HistoryModule(HistoryConfig config, ExperimentRegistry experiments, CampaignRegistry campaigns,
                         WinRateCurve curve, ClearingPrices clearingPrices, Metrics metrics, Clock clock) {
        this.config = Objects.requireNonNull(config);
        this.experiments = Objects.requireNonNull(experiments);
        this.campaigns = campaigns;
        this.curve = curve;
        this.clearingPrices = clearingPrices;
        this.clock = Objects.requireNonNull(clock);
        metrics.gauge(MetricName.HISTORY_SERIES, series, Map::size);
        metrics.functionCounter(MetricName.HISTORY_UNTRACKED, untracked, AtomicLong::get);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "arbiter-history");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sampleQuietly, 0, config.sampleMillis(), TimeUnit.MILLISECONDS);
    }

    private void sampleQuietly() {
        try {
            sample(clock.millis());
        } catch (RuntimeException e) {
            System.getLogger(HistoryModule.class.getName()).log(System.Logger.Level.ERROR, "history sample failed", e);
        }
    }

    /** Takes one sample of everything (the sampler thread; tests). */
    void sample(long now) {
        final Set<String> seen = new HashSet<>();
        final PosteriorTable table = experiments.table();
        for (final Experiment experiment : experiments.all()) {
            final String key = "experiment:" + experiment.id();
            seen.add(key);
            final int n = Math.min(experiment.arms().length, config.maxVariants());
            final List<String> labels = Arrays.asList(experiment.variants()).subList(0, n);
            final Series s = seriesFor(key, labels, 1 + VARIANT_COLUMNS * n);
            if (s == null) {
                continue;
            }
            final double[] row = new double[1 + VARIANT_COLUMNS * n];
            row[0] = experiment.paused() ? 1 : 0;
            for (int i = 0; i < n; i++) {
                final int arm = experiment.arms()[i];
                final int at = 1 + VARIANT_COLUMNS * i;
                row[at] = table.decisions(arm);
                row[at + 1] = table.trials(arm);
                row[at + 2] = table.rewardSum(arm);
                row[at + 3] = experiment.propensities().propensity(i);
            }
            s.add(now, row);
        }
        if (campaigns != null) {
            final BudgetLedger ledger = campaigns.ledger();
            final double elapsed = (double) Math.floorMod(now, Pacing.DAY_MILLIS) / Pacing.DAY_MILLIS;
            for (final Campaign campaign : campaigns.all()) {
                final String key = "campaign:" + campaign.id();
                seen.add(key);
                final Series s = seriesFor(key, List.of(), CAMPAIGN_COLUMNS);
                if (s == null) {
                    continue;
                }
                final int slot = campaign.slot();
                final double[] row = new double[CAMPAIGN_COLUMNS];
                final double dailyLimit = campaign.spec().dailyBudgetMicros() / 1e6;
                row[ACTIVE] = campaign.active() ? 1 : 0;
                row[DAILY_SPENT] = ledger.day(slot) == Pacing.day(now) ? ledger.dailySpent(slot) / 1e6 : 0;
                row[SCHEDULE] = dailyLimit * elapsed;
                row[DAILY_LIMIT] = dailyLimit;
                row[TOTAL_SPENT] = ledger.totalSpent(slot) / 1e6;
                row[BIDS] = ledger.counter(slot, BudgetLedgerDescriptor.BIDS_OFFSET);
                row[WINS] = ledger.impressions(slot);
                row[CLICKS] = ledger.counter(slot, BudgetLedgerDescriptor.CLICKS_OFFSET);
                s.add(now, row);
            }
        }
        series.keySet().retainAll(seen);
    }

    private Series seriesFor(String key, List<String> labels, int width) {
        final Series current = series.get(key);
        if (current != null && current.labels().equals(labels) && current.read(false, SeriesRing::width) == width) {
            return current;
        }
        if (current == null && series.size() >= config.maxSeries()) {
            untracked.incrementAndGet();
            return null;
        }
        final Series fresh = new Series(labels, width, config.finePoints(), config.coarsePoints(),
            config.coarseEvery());
        series.put(key, fresh);
        return fresh;
    }

    /** Series kept now. */
    public int seriesCount() {
        return series.size();
    }

    /** Samples of experiments or campaigns that had no room ({@code history.maxSeries}). */
    public long untracked() {
        return untracked.get();
    }

    @Override
    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.GET, "/v1/experiments/:id/history", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                this::experimentHistory)
            .route(HttpMethod.GET, "/v1/campaigns/:id/history", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                this::campaignHistory)
            .route(HttpMethod.GET, "/v1/bidder/win-rate", "admin_win_rate", Access.ADMIN, Exposure.SAME_ORIGIN,
                ctx -> {
                    final int contexts = contextsParam(ctx);
                    return routes.vertx().executeBlocking(() -> Answer.json(200, winRate(contexts)), false);
                });
    }

    private boolean coarse(RoutingContext ctx) {
        final String range = ctx.queryParams().get("range");
        if (range == null || range.equals("1h")) {
            return false;
        }
        if (range.equals("24h")) {
            return true;
        }
        throw ApiException.badField("range", "'range' must be 1h (fine points) or 24h (coarse points), was '"
            + range + "'");
    }

    private static int contextsParam(RoutingContext ctx) {
        final String text = ctx.queryParams().get("contexts");
        if (text == null) {
            return 5;
        }
        try {
            final int n = Integer.parseInt(text);
            if (n >= 0 && n <= 100) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badField("contexts", "'contexts' must be an integer in 0..100, was '" + text + "'");
    }

    private JsonObject header(String id, boolean coarse) {
        return new JsonObject().put("id", id).put("range", coarse ? "24h" : "1h")
            .put("intervalMillis", config.sampleMillis() * (coarse ? config.coarseEvery() : 1));
    }

    private Future<Answer> experimentHistory(RoutingContext ctx) {
        final String id = ctx.pathParam("id");
        final boolean coarse = coarse(ctx);
        if (experiments.get(id) == null) {
            throw new ApiException(404, "unknown experiment '" + id + "'", "id");
        }
        final JsonObject out = header(id, coarse);
        final Series s = series.get("experiment:" + id);
        if (s == null) {
            return Future.succeededFuture(Answer.json(200, out.put("tracked", false).put("variants", new JsonArray())
                .put("t", new JsonArray())));
        }
        s.read(coarse, ring -> experimentPoints(ring, s.labels(), out));
        return Future.succeededFuture(Answer.json(200, out.put("tracked", true)));
    }

    private static JsonObject experimentPoints(SeriesRing ring, List<String> variants, JsonObject out) {
        final JsonArray t = new JsonArray();
        final JsonArray paused = new JsonArray();
        final JsonObject decisions = new JsonObject();
        final JsonObject share = new JsonObject();
        final JsonObject rate = new JsonObject();
        final JsonObject best = new JsonObject();
        for (final String v : variants) {
            decisions.put(v, new JsonArray());
            share.put(v, new JsonArray());
            rate.put(v, new JsonArray());
            best.put(v, new JsonArray());
        }
        for (int i = 1; i < ring.size(); i++) {
            t.add(ring.time(i));
            paused.add(ring.value(i, 0) != 0);
            double total = 0;
            for (int k = 0; k < variants.size(); k++) {
                total += Math.max(0, delta(ring, i, 1 + VARIANT_COLUMNS * k));
            }
            for (int k = 0; k < variants.size(); k++) {
                final int at = 1 + VARIANT_COLUMNS * k;
                final String v = variants.get(k);
                final double d = Math.max(0, delta(ring, i, at));
                final double trials = delta(ring, i, at + 1);
                decisions.getJsonArray(v).add((long) d);
                share.getJsonArray(v).add(total > 0 ? d / total : null);
                rate.getJsonArray(v).add(trials > 0 ? delta(ring, i, at + 2) / trials : null);
                best.getJsonArray(v).add(ring.value(i, at + 3));
            }
        }
        return out.put("variants", new JsonArray(new ArrayList<>(variants))).put("t", t).put("paused", paused)
            .put("decisions", decisions).put("share", share).put("rewardRate", rate).put("probabilityBest", best);
    }

    private static double delta(SeriesRing ring, int i, int column) {
        return ring.value(i, column) - ring.value(i - 1, column);
    }

    private Future<Answer> campaignHistory(RoutingContext ctx) {
        final String id = ctx.pathParam("id");
        final boolean coarse = coarse(ctx);
        final Campaign campaign = campaigns == null ? null : campaigns.get(id);
        if (campaign == null) {
            throw new ApiException(404, "unknown campaign '" + id + "'", "id");
        }
        final BudgetLedger ledger = campaigns.ledger();
        final int slot = campaign.slot();
        final double daily = campaign.spec().dailyBudgetMicros() / 1e6;
        final boolean today = ledger.day(slot) == Pacing.day(clock.millis());
        final double spentToday = today ? ledger.dailySpent(slot) / 1e6 : 0;
        final JsonObject out = header(id, coarse)
            .put("currency", campaigns.rates().base())
            .put("dailyBudget", daily)
            .put("spentToday", spentToday)
            .put("remainingToday", Math.max(0, daily - spentToday))
            .put("totalBudget", campaign.spec().totalBudgetMicros() / 1e6)
            .put("remainingTotal", Math.max(0, (campaign.spec().totalBudgetMicros() - ledger.totalSpent(slot)) / 1e6))
            .put("bids", ledger.counter(slot, BudgetLedgerDescriptor.BIDS_OFFSET))
            .put("wins", ledger.impressions(slot));
        out.put("clearingPrices", histogram(clearingPrices == null ? new long[ClearingPrices.BUCKETS]
            : clearingPrices.counts(id)));
        final Series s = series.get("campaign:" + id);
        if (s == null) {
            return Future.succeededFuture(Answer.json(200, out.put("tracked", false).put("t", new JsonArray())));
        }
        s.read(coarse, ring -> campaignPoints(ring, out));
        return Future.succeededFuture(Answer.json(200, out.put("tracked", true)));
    }

    private static JsonObject campaignPoints(SeriesRing ring, JsonObject out) {
        final JsonArray t = new JsonArray();
        final JsonArray spent = new JsonArray();
        final JsonArray schedule = new JsonArray();
        final JsonArray bids = new JsonArray();
        final JsonArray wins = new JsonArray();
        final JsonArray winRate = new JsonArray();
        final JsonArray price = new JsonArray();
        for (int i = 1; i < ring.size(); i++) {
            t.add(ring.time(i));
            spent.add(ring.value(i, DAILY_SPENT));
            schedule.add(ring.value(i, SCHEDULE));
            final double b = Math.max(0, delta(ring, i, BIDS));
            final double w = Math.max(0, delta(ring, i, WINS));
            final double cost = delta(ring, i, TOTAL_SPENT);
            bids.add((long) b);
            wins.add((long) w);
            winRate.add(b > 0 ? Math.min(1.0, w / b) : null);
            if (w > 0 && cost >= 0) {
                final double cpm = cost * 1000 / w;
                price.add(cpm);
            } else {
                price.add(null);
            }
        }
        return out.put("t", t).put("dailySpent", spent).put("schedule", schedule).put("bidsPerInterval", bids)
            .put("winsPerInterval", wins).put("winRate", winRate).put("clearingPriceCpm", price);
    }

    /**
     * The clearing-price distribution: the buckets of {@link ClearingPrices} from the lowest to the highest with a
     * billed impression ({@code edges}: their {@code n + 1} edges, CPM; {@code wins}: billed impressions per bucket);
     * empty before the first.
     */
    static JsonObject histogram(long[] counts) {
        final JsonArray edges = new JsonArray();
        final JsonArray wins = new JsonArray();
        int lo = -1;
        int hi = -1;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                lo = lo < 0 ? i : lo;
                hi = i;
            }
        }
        if (lo >= 0) {
            for (int i = lo; i <= hi; i++) {
                edges.add(ClearingPrices.edge(i));
                wins.add(counts[i]);
            }
            edges.add(ClearingPrices.edge(hi + 1));
        }
        return new JsonObject().put("edges", edges).put("wins", wins);
    }

    private JsonObject winRate(int contexts) {
        final JsonObject out = new JsonObject();
        if (curve == null) {
            return out.put("trained", false).put("prices", new JsonArray()).put("curves", new JsonArray());
        }
        final List<WinRateCurve.ContextCurve> report = curve.report(contexts);
        final double[] prices = WinRateCurve.bucketPrices();
        // only the price range where notices fell (plus a bucket either side), so charts are not mostly flat
        int lo = prices.length;
        int hi = -1;
        final double[] global = report.get(0).curve();
        if (global != null) {
            for (int i = 0; i < prices.length; i++) {
                if (global[i] > 0 && global[i] < 1) {
                    lo = Math.min(lo, i);
                    hi = Math.max(hi, i);
                }
            }
        }
        if (hi < 0) {
            lo = 0;
            hi = prices.length - 1;
        }
        lo = Math.max(0, lo - 1);
        hi = Math.min(prices.length - 1, hi + 1);
        final JsonArray priceAxis = new JsonArray();
        for (int i = lo; i <= hi; i++) {
            priceAxis.add(prices[i]);
        }
        final JsonArray curves = new JsonArray();
        for (final WinRateCurve.ContextCurve c : report) {
            final JsonObject entry = new JsonObject()
                .put("context", c.context() == WinRateCurve.NO_CONTEXT ? "bidder" : Long.toHexString(c.context()))
                .put("notices", c.notices()).put("wins", c.wins())
                .put("level", c.level())
                .put("parent", c.level() <= 1 ? null : Long.toHexString(c.parent()))
                .put("device", c.device() >= 0 ? c.device() : null)
                .put("hour", c.hour() >= 0 ? c.hour() : null);
            if (c.curve() != null) {
                final JsonArray rates = new JsonArray();
                for (int i = lo; i <= hi; i++) {
                    rates.add(c.curve()[i]);
                }
                entry.put("winRate", rates);
            }
            curves.add(entry);
        }
        return out.put("trained", curve.trained()).put("contextsTracked", curve.contexts()).put("prices", priceAxis)
            .put("halfLife", curve.halfLifeMillis() == 0 ? null
                : java.time.Duration.ofMillis(curve.halfLifeMillis()).toString())
            .put("untracked", curve.untracked())
            .put("curves", curves);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            // a sample in progress reads mapped files the modules closed after this one unmap: let it finish first
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
