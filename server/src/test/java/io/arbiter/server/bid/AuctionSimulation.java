package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Simulated auction days evaluated as Zhang, Yuan and Wang evaluated bidding functions on iPinYou ("Optimal Real-Time
 * Bidding for Display Advertising", KDD 2014): baselines whose parameters are tuned on a training day, budgets that are
 * fractions (1/2 .. 1/16) of the cost of buying every impression of the test day, clicks and eCPC per budget.
 *
 * <p><b>The world.</b> A day of {@code requests} 300x250 requests whose arrival rate follows a daily curve (half the
 * mean rate at 04:00, 1.5x at 16:00). Each request is on one of {@value #SITES} sites; a site multiplies every
 * creative's click rate ({@link #SITE_CTR}, 0.4x to 2.2x) and sets the median of the log-normal market price (the
 * highest competing bid; {@link #SITE_MEDIAN}, 2 to 4.5 CPM, dearer where clicks are likelier; sigma 0.6). Six
 * creatives have base click rates 0.2% .. 1.4% ({@link #TRUE_CTR}). A click is drawn with one uniform per request
 * shared by all bidders (common luck). Value per click 1.
 *
 * <p><b>The bidders</b>, all with the same daily budget and all paced by the same controller (the server's
 * {@link Pacing}: schedule gate, and bids times the controller's modifier):
 * <ul>
 *   <li><b>arbiter</b>: this bidder end to end (campaign registry, Thompson-sampled click rates per creative that
 *       choose the creative, optimistically by default, bids priced at the posterior mean, click-rate multipliers
 *       per site learned from the notices, pacing, budget reservations), fed by real billing, loss and click
 *       notices.</li>
 *   <li><b>lin</b>: linear bidding, {@code b0 x theta / avgTheta};</li>
 *   <li><b>ortb</b>: ORTB's concave bidding function {@code sqrt(c theta / lambda + c^2) - c}, with {@code c} fitted
 *       to the training day's winning function {@code w(b) = b / (b + c)} and {@code lambda} tuned.</li>
 * </ul>
 * Each baseline comes twice: <b>-oracle</b> knows every impression's true click rate (creative and site: an advantage
 * no real bidder has) and shows the best creative; <b>-learned</b> learns click rates per creative as the bidder does,
 * from the same clicks (Beta(1, 200) posterior means, greedy creative choice); <b>-learned-ctx</b> also learns the
 * same per-site multipliers as the bidder (same formula and strength). {@code b0} and {@code lambda} are tuned per
 * budget on a training day (another seed) by grid search for the most clicks, with the pacing in place.
 *
 * <p><b>First price.</b> {@link #firstPrice} runs the bidder in first-price auctions (it pays its bid) with learned
 * shading (win-rate curves) and with fixed shading factors, for the best fixed factor in hindsight.
 *
 * <p>The full protocol is {@code AuctionSimulationProtocol} (documented in docs/bidding.md); the build runs one short
 * day ({@code AuctionSimulationTest}). Every day starts every learner from its prior;
 * {@link AuctionSimulationCarryOver} plays the same days one after another with learners that keep what they learned
 * ({@link Day#later}, {@link Knowledge}).
 */
public final class AuctionSimulation {
    static final double[] TRUE_CTR = {0.002, 0.004, 0.006, 0.008, 0.010, 0.014};
    static final int SITES = 8;
    static final double[] SITE_CTR = {0.4, 0.6, 0.8, 1.0, 1.0, 1.3, 1.7, 2.2};
    static final double[] SITE_MEDIAN = {2.0, 2.5, 3.0, 3.0, 3.5, 3.5, 4.0, 4.5};
    static final double MARKET_SIGMA = 0.6;
    static final double VALUE_PER_CLICK = 1.0;
    static final double MAX_CPM = 20;
    static final long HOUR = 3_600_000L;
    static final long CONTROL_INTERVAL = 60_000L;
    static final double ALLOWANCE = 0.002;
    static final double[] BUDGET_FRACTIONS = {1.0 / 2, 1.0 / 4, 1.0 / 8, 1.0 / 16};

    private AuctionSimulation() {
    }

    /** One simulated day: arrival times, sites, market prices, click uniforms. */
    record Day(long seed, long start, long[] times, int[] site, double[] price, double[] clickU) {
        int requests() {
            return times.length;
        }

        /** The cost of buying every impression of the day (the iPinYou protocol's unconstrained spend). */
        double allCost() {
            double total = 0;
            for (final double p : price) {
                total += p / 1000;
            }
            return total;
        }

        double trueCtr(int k, int creative) {
            return TRUE_CTR[creative] * SITE_CTR[site[k]];
        }

        /** The same day {@code days} days later (for days played one after another by one bidder). */
        Day later(int days) {
            final long offset = days * Pacing.DAY_MILLIS;
            final long[] shifted = new long[times.length];
            for (int k = 0; k < times.length; k++) {
                shifted[k] = times[k] + offset;
            }
            return new Day(seed, start + offset, shifted, site, price, clickU);
        }
    }

    /**
     * What a learned baseline knows: impressions and clicks per creative and per site, and in all. A fresh one for
     * every day in the single-day protocol; carried from day to day in {@link AuctionSimulationCarryOver}.
     */
    static final class Knowledge {
        final long[] shown = new long[TRUE_CTR.length];
        final long[] clicked = new long[TRUE_CTR.length];
        final long[] siteShown = new long[SITES];
        final long[] siteClicked = new long[SITES];
        long impressions;
        long clicks;

        Knowledge copy() {
            final Knowledge k = new Knowledge();
            System.arraycopy(shown, 0, k.shown, 0, shown.length);
            System.arraycopy(clicked, 0, k.clicked, 0, clicked.length);
            System.arraycopy(siteShown, 0, k.siteShown, 0, siteShown.length);
            System.arraycopy(siteClicked, 0, k.siteClicked, 0, siteClicked.length);
            k.impressions = impressions;
            k.clicks = clicks;
            return k;
        }

        /** The creative shown most so far (the one a greedy learner has settled on). */
        int mostShown() {
            int most = 0;
            for (int c = 1; c < shown.length; c++) {
                if (shown[c] > shown[most]) {
                    most = c;
                }
            }
            return most;
        }
    }

    /** What one bidder achieved over a day. */
    record Result(String name, long impressions, long clicks, double spend, double[] spendAtHour) {
        double ecpc() {
            return clicks == 0 ? Double.NaN : spend / clicks;
        }
    }

    static Day day(long seed, int requests) {
        final long start = BidFixture.NOON - 12 * HOUR;
        final SplittableRandom rng = new SplittableRandom(seed);
        final long[] times = arrivals(start, requests);
        final int[] site = new int[requests];
        final double[] price = new double[requests];
        final double[] clickU = new double[requests];
        for (int k = 0; k < requests; k++) {
            site[k] = rng.nextInt(SITES);
            price[k] = SITE_MEDIAN[site[k]] * Math.exp(MARKET_SIGMA * gaussian(rng));
            clickU[k] = rng.nextDouble();
        }
        return new Day(seed, start, times, site, price, clickU);
    }

    /** The request times: a daily curve (half the mean rate at 04:00, 1.5x at 16:00), deterministic. */
    static long[] arrivals(long dayStart, int requests) {
        final long[] times = new long[requests];
        final int steps = 24 * 60;
        final double[] cumulative = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            final double t = (i + 0.5) / steps * 24;
            cumulative[i + 1] = cumulative[i] + 1 - 0.5 * Math.cos(2 * Math.PI * (t - 4) / 24);
        }
        int step = 0;
        for (int k = 0; k < requests; k++) {
            final double target = (k + 0.5) / requests * cumulative[steps];
            while (cumulative[step + 1] < target) {
                step++;
            }
            final double within = (target - cumulative[step]) / (cumulative[step + 1] - cumulative[step]);
            times[k] = dayStart + (long) ((step + within) / steps * 24 * HOUR);
        }
        return times;
    }

    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    // ----------------------------------------------------------------- the bidder, end to end

    static JsonObject campaign(double budget) {
        final JsonArray creatives = new JsonArray();
        for (int i = 0; i < TRUE_CTR.length; i++) {
            creatives.add(new JsonObject().put("id", "cr" + i)
                .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
                .put("markup", "<a href='{{CLICK_URL}}'>" + i + "</a>")
                .put("adomain", new JsonArray().add("sim.example")));
        }
        return new JsonObject().put("id", "sim")
            .put("budget", new JsonObject().put("daily", budget))
            .put("goal", new JsonObject().put("type", "click").put("value", VALUE_PER_CLICK))
            .put("maxCpm", MAX_CPM)
            .put("ctrPrior", new JsonObject().put("alpha", 1).put("beta", 200))
            .put("creatives", creatives);
    }

    /** The bidder in second-price auctions with this daily budget. */
    static Result arbiter(Day d, double budget) {
        return arbiter(d, budget, 2, new JsonObject(), "arbiter");
    }

    /**
     * The baselines' pacing gain: the controller's gain before {@code bidding.pacingGain} existed
     * ({@link Pacing#DEFAULT_GAIN}), or {@code -Dsimulation.baselineGain} (to see what the bidder's gain would do for
     * them).
     */
    static double baselineGain() {
        final String set = System.getProperty("simulation.baselineGain");
        return set == null ? Pacing.DEFAULT_GAIN : Double.parseDouble(set);
    }

    /**
     * The strength of the {@code -learned-ctx} baselines' per-site multipliers: 1000, the bidder's default when they
     * were defined (the bidder's is 300 since), or {@code -Dsimulation.baselineStrength}.
     */
    static double baselineStrength() {
        final String set = System.getProperty("simulation.baselineStrength");
        return set == null ? 1000 : Double.parseDouble(set);
    }

    /** The strength of the per-site click-rate multipliers: the bidder's default, or {@code -Dsimulation.strength}. */
    static double strength() {
        final String set = System.getProperty("simulation.strength");
        return set == null ? BiddingConfig.DEFAULT_CTR_CONTEXT_STRENGTH : Double.parseDouble(set);
    }

    /**
     * The bidder's settings in the simulation: the defaults, with {@link #strength()}, and any settings given as JSON
     * in {@code -Dsimulation.bidding} (for example {@code {"ctrMaxContexts": 0}}: no click-rate multipliers).
     */
    static JsonObject bidding() {
        final JsonObject settings = new JsonObject().put("ctrContextStrength", strength());
        final String extra = System.getProperty("simulation.bidding");
        return extra == null ? settings : settings.mergeIn(new JsonObject(extra));
    }

    /**
     * The bidder with this daily budget in auctions of type {@code at} (1 first price: it pays its bid; 2 second
     * price: the market price), with these bidding settings.
     */
    static Result arbiter(Day d, double budget, int at, JsonObject bidding, String name) {
        final BidFixture f = new BidFixture(bidding().mergeIn(bidding), new JsonArray().add(campaign(budget)));
        return play(f, d, at, name);
    }

    /**
     * One day of the bidder in fixture {@code f} (its campaign {@code sim} configured): the clock set to each request's
     * time, the module's maintenance every 10 s, and the notices of every bid. Whatever the fixture learned before
     * (posteriors, click-rate multipliers, win-rate curves, the pacing modifier) it keeps, as a server does.
     */
    static Result play(BidFixture f, Day d, int at, String name) {
        f.clock.set(d.start());
        final Campaign campaign = f.module.registry().get("sim");
        final Bidder bidder = f.module.newBidder(d.seed() ^ 0xB1DL);
        final BidRequest[] requests = new BidRequest[SITES];
        final BidRequestParser parser = new BidRequestParser();
        for (int s = 0; s < SITES; s++) {
            requests[s] = new BidRequest();
            parser.parse(("{\"id\":\"sim\",\"at\":" + at + ",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"domain\":\"site" + s + ".example\"},\"device\":{\"devicetype\":2}}")
                .getBytes(StandardCharsets.UTF_8), requests[s]);
        }
        final double[] spendAtHour = new double[25];
        long impressions = 0;
        long clicks = 0;
        int hour = 1;
        long nextMaintain = d.start() + 1000;
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            while (hour <= 24 && now >= d.start() + hour * HOUR) {
                spendAtHour[hour++] = f.ledger.dailySpent(campaign.slot()) / 1e6;
            }
            f.clock.set(now);
            if (now >= nextMaintain) {
                f.module.maintain();
                nextMaintain = now + 10_000;
            }
            final Bidder.Bids bids = bidder.bid(requests[d.site()[k]], now);
            if (bids.size() == 0) {
                continue;
            }
            final Bidder.Bid bid = bids.get(0);
            if (bid.price > d.price()[k]) {
                final String paid = Double.toString(at == 1 ? bid.price : d.price()[k]);
                BidFixture.await(f.module.notices().notice(OutcomeKind.WIN, bid.token, paid, null));
                BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, bid.token, paid, null));
                impressions++;
                final int creative = bid.creative.id().charAt(2) - '0';
                if (d.clickU()[k] < d.trueCtr(k, creative)) {
                    BidFixture.await(f.module.notices().notice(OutcomeKind.CLICK, bid.token, null, null));
                    clicks++;
                }
            } else {
                BidFixture.await(f.module.notices().notice(OutcomeKind.LOSS, bid.token, null, "102"));
            }
        }
        while (hour <= 24) {
            spendAtHour[hour++] = f.ledger.dailySpent(campaign.slot()) / 1e6;
        }
        return new Result(name, impressions, clicks, f.ledger.dailySpent(campaign.slot()) / 1e6, spendAtHour);
    }

    // ----------------------------------------------------------------- the baselines

    enum Function { LIN, ORTB }

    /**
     * A tuned baseline: its bidding function, oracle or learned click rates (per creative, and per site when
     * {@code contextual}, with the bidder's multipliers of this {@code strength}), and its parameters.
     */
    record Baseline(Function function, boolean oracle, boolean contextual, double strength, double param, double c,
                    double avgTheta) {
        String name() {
            return function.name().toLowerCase(java.util.Locale.ROOT) + (oracle ? "-oracle" : "-learned")
                + (contextual ? "-ctx" : "");
        }

        double bid(double theta) {
            return function == Function.LIN ? param * theta / avgTheta
                : Math.sqrt(c * theta / param + c * c) - c;
        }
    }

    /** A baseline's day with this budget: the same pacing as the bidder (schedule gate and modifier). */
    static Result run(Day d, double budget, Baseline b) {
        return run(d, budget, b, new Knowledge());
    }

    /** {@link #run}, learning on from (and into) {@code known}. */
    static Result run(Day d, double budget, Baseline b, Knowledge known) {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, CONTROL_INTERVAL, ALLOWANCE, null, baselineGain());
        final long maxBid = (long) Math.ceil(MAX_CPM * 1000);
        final long[] shown = known.shown;
        final long[] clicked = known.clicked;
        final long[] siteShown = known.siteShown;
        final long[] siteClicked = known.siteClicked;
        final double[] spendAtHour = new double[25];
        long impressions = 0;
        long clicks = 0;
        int hour = 1;
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            while (hour <= 24 && now >= d.start() + hour * HOUR) {
                spendAtHour[hour++] = ledger.dailySpent(slot) / 1e6;
            }
            final double modifier = pacing.modifier(slot, limit, now);
            int creative = TRUE_CTR.length - 1;
            double theta = d.trueCtr(k, creative);
            if (!b.oracle()) {
                theta = -1;
                for (int c = 0; c < TRUE_CTR.length; c++) {
                    final double mean = (1.0 + clicked[c]) / (201.0 + shown[c]);
                    if (mean > theta) {
                        theta = mean;
                        creative = c;
                    }
                }
                if (b.contextual()) {
                    theta *= siteMultiplier(siteShown, siteClicked, known.impressions, known.clicks, d.site()[k],
                        b.strength());
                }
            }
            final double bid = Math.min(MAX_CPM, modifier * b.bid(theta));
            if (!(bid > 0)) {
                continue;
            }
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, pacing.scheduleCap(limit, maxBid, now))) {
                continue;
            }
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                impressions++;
                known.impressions++;
                shown[creative]++;
                siteShown[d.site()[k]]++;
                if (d.clickU()[k] < d.trueCtr(k, creative)) {
                    clicked[creative]++;
                    siteClicked[d.site()[k]]++;
                    clicks++;
                    known.clicks++;
                }
            } else {
                ledger.release(slot, micros);
            }
        }
        while (hour <= 24) {
            spendAtHour[hour++] = ledger.dailySpent(slot) / 1e6;
        }
        return new Result(b.name(), impressions, clicks, ledger.dailySpent(slot) / 1e6, spendAtHour);
    }

    /** The bidder's click-rate multiplier ({@code ClickRateContexts}), from a baseline's own counts. */
    static double siteMultiplier(long[] siteShown, long[] siteClicked, long impressions, long clicks, int site,
                                 double strength) {
        final double rate = (clicks + 1.0) / (impressions + 200.0);
        final double m = (siteClicked[site] + strength * rate) / ((siteShown[site] + strength) * rate);
        return Math.max(0.1, Math.min(10, m));
    }

    /** The average true click rate of the best creative over the day (the baselines' {@code avgTheta}). */
    static double averageTheta(Day d) {
        double total = 0;
        for (int k = 0; k < d.requests(); k++) {
            total += d.trueCtr(k, TRUE_CTR.length - 1);
        }
        return total / d.requests();
    }

    /** ORTB's {@code c}: the least-squares fit of {@code w(b) = b / (b + c)} to the day's winning function. */
    static double fitC(Day d) {
        final double[] sorted = d.price().clone();
        java.util.Arrays.sort(sorted);
        double best = 1;
        double bestError = Double.MAX_VALUE;
        for (double c = 0.5; c <= 30; c *= 1.05) {
            double error = 0;
            for (double b = 0.25; b <= MAX_CPM; b += 0.25) {
                final int below = lowerBound(sorted, b);
                final double empirical = (double) below / sorted.length;
                error += Math.pow(empirical - b / (b + c), 2);
            }
            if (error < bestError) {
                bestError = error;
                best = c;
            }
        }
        return best;
    }

    private static int lowerBound(double[] sorted, double value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * The baseline's parameter ({@code b0} for lin, {@code lambda} for ortb) that gets the most clicks on the training
     * day {@code train} with {@code budget}, from a log-spaced grid.
     */
    static Baseline tune(Day train, double budget, Function function, boolean oracle) {
        return tune(train, budget, function, oracle, false);
    }

    /** {@link #tune}, learning per-site multipliers too when {@code contextual}. */
    static Baseline tune(Day train, double budget, Function function, boolean oracle, boolean contextual) {
        return tune(train, budget, function, oracle, contextual, new Knowledge());
    }

    /**
     * {@link #tune} for a learner that knows {@code known} already: every candidate runs the training day from a copy
     * of it (a baseline carried from day to day is tuned for what it has learned so far).
     */
    static Baseline tune(Day train, double budget, Function function, boolean oracle, boolean contextual,
                         Knowledge known) {
        final double avgTheta = averageTheta(train);
        final double c = fitC(train);
        Baseline best = null;
        long bestClicks = -1;
        final int points = 28;
        for (int i = 0; i < points; i++) {
            final double param = function == Function.LIN
                ? 0.5 * Math.pow(400 / 0.5, i / (points - 1.0)) // b0 from 0.5 to 400 CPM
                : 1e-7 * Math.pow(1e-2 / 1e-7, i / (points - 1.0)); // lambda from 1e-7 to 1e-2
            final Baseline candidate = new Baseline(function, oracle, contextual, baselineStrength(), param, c,
                avgTheta);
            final long clicks = run(train, budget, candidate, known.copy()).clicks();
            if (clicks > bestClicks) {
                bestClicks = clicks;
                best = candidate;
            }
        }
        return best;
    }
}
