package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A deterministic second-price auction simulation of one day, after the iPinYou benchmark setting of Zhang et al.
 * (2014): a stream of requests whose arrival rate follows a daily curve, each with a market price (the highest
 * competing bid, log-normal) and hidden true click rates per creative. Three bidders face the same stream with the
 * same daily budget:
 * <ul>
 *   <li><b>arbiter</b>: this bidder end to end (campaign registry, Thompson-sampled CTRs, value bids, pacing
 *       modifier and schedule gate, budget reservations), fed by real billing, loss and click notices;</li>
 *   <li><b>constant</b>: bids {@code b0} on every request until the budget is gone;</li>
 *   <li><b>linear</b>: bids {@code b0 * pCTR / avgCTR} until the budget is gone.</li>
 * </ul>
 * {@code b0 = 1000 * avgCTR * valuePerClick}, the value-based bid at the average click rate, and both baselines show
 * the creative with the highest posterior-mean CTR (greedy), learning from the same click feedback. Clicks are drawn
 * with one uniform per request shared by all bidders, so the luck is common.
 *
 * <p>Run it: {@code java ... io.arbiter.server.bid.AuctionSimulation [seed]} (test classpath), or see
 * {@code AuctionSimulationTest}.
 */
public final class AuctionSimulation {
    static final double[] TRUE_CTR = {0.002, 0.004, 0.006, 0.008, 0.010, 0.014};
    static final double VALUE_PER_CLICK = 1.0;
    static final double DAILY_BUDGET = 120.0;
    static final int REQUESTS = 240_000;
    static final double MARKET_MEDIAN_CPM = 3.0;
    static final double MARKET_SIGMA = 0.6;
    static final long HOUR = 3_600_000L;

    /** What one bidder achieved over the day. */
    public record Result(String name, long impressions, long clicks, double spend, double budgetOutHour,
                         double[] spendAtHour) {
        double ecpc() {
            return clicks == 0 ? Double.NaN : spend / clicks;
        }
    }

    public record Report(long seed, Result arbiter, Result constant, Result linear) {
        String table() {
            final StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "seed %d, %d requests, daily budget %.0f, market price lognormal"
                    + "(median %.1f CPM, sigma %.1f), true CTRs %s%n", seed, REQUESTS, DAILY_BUDGET,
                MARKET_MEDIAN_CPM, MARKET_SIGMA, java.util.Arrays.toString(TRUE_CTR)));
            s.append(String.format(Locale.ROOT, "%-9s %11s %7s %9s %7s %16s%n", "bidder", "impressions", "clicks",
                "spend", "eCPC", "budget ran out"));
            for (final Result r : new Result[] {arbiter, constant, linear}) {
                s.append(String.format(Locale.ROOT, "%-9s %11d %7d %9.2f %7.3f %16s%n", r.name(), r.impressions(),
                    r.clicks(), r.spend(), r.ecpc(), Double.isNaN(r.budgetOutHour()) ? "never"
                        : String.format(Locale.ROOT, "at %.2f h", r.budgetOutHour())));
            }
            s.append("arbiter cumulative spend vs even schedule at each hour:\n");
            for (int h = 1; h <= 24; h++) {
                final double ideal = DAILY_BUDGET * h / 24;
                s.append(String.format(Locale.ROOT, "  %2d h: %7.2f (ideal %7.2f, %+5.1f%%)%n", h,
                    arbiter.spendAtHour()[h], ideal, 100 * (arbiter.spendAtHour()[h] - ideal) / ideal));
            }
            return s.toString();
        }
    }

    /** The request times: a daily curve (half the mean rate at 04:00, 1.5x at 16:00), deterministic. */
    static long[] arrivals(long dayStart) {
        final long[] times = new long[REQUESTS];
        // invert the cumulative of rate(t) = 1 - 0.5 cos(2 pi (t - 4h) / 24h) numerically
        final int steps = 24 * 60;
        final double[] cumulative = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            final double t = (i + 0.5) / steps * 24;
            cumulative[i + 1] = cumulative[i] + 1 - 0.5 * Math.cos(2 * Math.PI * (t - 4) / 24);
        }
        int step = 0;
        for (int k = 0; k < REQUESTS; k++) {
            final double target = (k + 0.5) / REQUESTS * cumulative[steps];
            while (cumulative[step + 1] < target) {
                step++;
            }
            final double within = (target - cumulative[step]) / (cumulative[step + 1] - cumulative[step]);
            times[k] = dayStart + (long) ((step + within) / steps * 24 * HOUR);
        }
        return times;
    }

    public static Report run(long seed) throws Exception {
        final long dayStart = BidFixture.NOON - 12 * HOUR;
        final long[] times = arrivals(dayStart);
        final SplittableRandom market = new SplittableRandom(seed);
        final double[] price = new double[REQUESTS];
        final double[] clickU = new double[REQUESTS];
        for (int k = 0; k < REQUESTS; k++) {
            price[k] = MARKET_MEDIAN_CPM * Math.exp(MARKET_SIGMA * gaussian(market));
            clickU[k] = market.nextDouble();
        }
        final Result arbiter = runArbiter(seed, times, price, clickU, dayStart);
        double avgCtr = 0;
        for (final double c : TRUE_CTR) {
            avgCtr += c / TRUE_CTR.length;
        }
        final double b0 = 1000 * avgCtr * VALUE_PER_CLICK;
        final Result constant = runBaseline("constant", b0, avgCtr, false, seed, times, price, clickU, dayStart);
        final Result linear = runBaseline("linear", b0, avgCtr, true, seed, times, price, clickU, dayStart);
        return new Report(seed, arbiter, constant, linear);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; one of the pair is enough here
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    private static JsonObject campaign() {
        final JsonArray creatives = new JsonArray();
        for (int i = 0; i < TRUE_CTR.length; i++) {
            creatives.add(new JsonObject().put("id", "cr" + i)
                .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
                .put("markup", "<a href='{{CLICK_URL}}'>" + i + "</a>")
                .put("adomain", new JsonArray().add("sim.example")));
        }
        return new JsonObject().put("id", "sim")
            .put("budget", new JsonObject().put("daily", DAILY_BUDGET))
            .put("goal", new JsonObject().put("type", "click").put("value", VALUE_PER_CLICK))
            .put("maxCpm", 20)
            .put("ctrPrior", new JsonObject().put("alpha", 1).put("beta", 200))
            .put("creatives", creatives);
    }

    private static Result runArbiter(long seed, long[] times, double[] price, double[] clickU, long dayStart)
        throws Exception {
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(campaign()));
        f.clock.set(dayStart);
        final Campaign campaign = f.module.registry().get("sim");
        final Bidder bidder = f.module.newBidder(seed ^ 0xB1DL);
        final BidRequest request = new BidRequest();
        new BidRequestParser().parse(("{\"id\":\"sim\",\"at\":2,\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
            + "\"h\":250}}],\"site\":{\"domain\":\"sim.example\"}}").getBytes(StandardCharsets.UTF_8), request);
        final double[] spendAtHour = new double[25];
        long impressions = 0;
        long clicks = 0;
        int hour = 1;
        long nextMaintain = dayStart + 1000;
        double budgetOut = Double.NaN;
        for (int k = 0; k < REQUESTS; k++) {
            final long now = times[k];
            while (hour <= 24 && now >= dayStart + hour * HOUR) {
                spendAtHour[hour++] = f.ledger.dailySpent(campaign.slot()) / 1e6;
            }
            f.clock.set(now);
            if (now >= nextMaintain) {
                f.module.maintain();
                nextMaintain = now + 10_000;
            }
            final Bidder.Bids bids = bidder.bid(request, now);
            if (bids.size() == 0) {
                continue;
            }
            final Bidder.Bid bid = bids.get(0);
            if (bid.price > price[k]) {
                BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, bid.token,
                    Double.toString(price[k]), null));
                impressions++;
                final int creative = bid.creative.id().charAt(2) - '0';
                if (clickU[k] < TRUE_CTR[creative]) {
                    BidFixture.await(f.module.notices().notice(OutcomeKind.CLICK, bid.token, null, null));
                    clicks++;
                }
            } else {
                BidFixture.await(f.module.notices().notice(OutcomeKind.LOSS, bid.token, null, "102"));
            }
            if (Double.isNaN(budgetOut) && f.ledger.dailySpent(campaign.slot()) >= 0.995 * DAILY_BUDGET * 1e6) {
                budgetOut = (now - dayStart) / (double) HOUR;
            }
        }
        while (hour <= 24) {
            spendAtHour[hour++] = f.ledger.dailySpent(campaign.slot()) / 1e6;
        }
        return new Result("arbiter", impressions, clicks, f.ledger.dailySpent(campaign.slot()) / 1e6, budgetOut,
            spendAtHour);
    }

    private static Result runBaseline(String name, double b0, double avgCtr, boolean linear, long seed,
                                      long[] times, double[] price, double[] clickU, long dayStart) {
        final long[] shown = new long[TRUE_CTR.length];
        final long[] clicked = new long[TRUE_CTR.length];
        final SplittableRandom ties = new SplittableRandom(seed ^ 0x7135L);
        final double[] spendAtHour = new double[25];
        double spend = 0;
        long impressions = 0;
        long clicks = 0;
        int hour = 1;
        double budgetOut = Double.NaN;
        for (int k = 0; k < REQUESTS; k++) {
            while (hour <= 24 && times[k] >= dayStart + hour * HOUR) {
                spendAtHour[hour++] = spend;
            }
            int best = -1;
            double bestMean = -1;
            for (int c = 0; c < TRUE_CTR.length; c++) {
                final double mean = (1.0 + clicked[c]) / (201.0 + shown[c]);
                if (mean > bestMean || (mean == bestMean && ties.nextBoolean())) {
                    best = c;
                    bestMean = mean;
                }
            }
            final double bid = Math.min(20, linear ? b0 * bestMean / avgCtr : b0);
            if (spend + bid / 1000 > DAILY_BUDGET) {
                if (Double.isNaN(budgetOut)) {
                    budgetOut = (times[k] - dayStart) / (double) HOUR;
                }
                continue;
            }
            if (bid > price[k]) {
                spend += price[k] / 1000;
                impressions++;
                shown[best]++;
                if (clickU[k] < TRUE_CTR[best]) {
                    clicked[best]++;
                    clicks++;
                }
            }
        }
        while (hour <= 24) {
            spendAtHour[hour++] = spend;
        }
        return new Result(name, impressions, clicks, spend, budgetOut, spendAtHour);
    }

    public static void main(String[] args) throws Exception {
        final long seed = args.length > 0 ? Long.parseLong(args[0]) : 2014L;
        System.out.print(run(seed).table());
    }
}
