package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSpec;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The protocol of {@link AuctionSimulationProtocol} with the days played one after another by the same learners, as a
 * campaign runs for days: the days of {@link AuctionSimulation} share their creatives and sites (only the requests,
 * prices and click draws differ), and a server keeps what it learned across days (its creatives' posteriors are in a
 * memory-mapped table and Postgres, its click-rate multipliers and win-rate curves stay while it runs), where the
 * single-day protocol starts every learner from its prior each day.
 *
 * <p>Every learner carries what it learns: the bidder its whole module (posteriors, click-rate multipliers, win-rate
 * curves, the pacing modifier), the learned baselines their impressions and clicks per creative and per site
 * ({@link AuctionSimulation.Knowledge}). Each day the baselines are tuned again on that day's training day (seed +
 * 1000), each candidate parameter run from a copy of what the baseline knows by then, and play the test day with what
 * they know, learning on (their pacing modifier starts at 1 each day, with the parameter tuned for it, where the
 * bidder's carries over as a server's does); the oracle baselines have nothing to learn. Budgets are the single-day
 * protocol's: a fraction of the cost of every impression of each test day. Day 1 is the single-day protocol's day 1
 * for every bidder. Reported per budget: clicks per day over all the days and over days 2 onwards, and the creative
 * each learner had shown most by the end (the best is {@code cr5}).
 *
 * <p>Run by {@code AuctionSimulationProtocolTest} with {@code -Dsimulation.protocol=carryover} (command in
 * docs/bidding.md). Not part of the build.
 */
final class AuctionSimulationCarryOver {

    private AuctionSimulationCarryOver() {
    }

    /** One budget's days: per bidder its result each day, and the creative it had shown most at the end. */
    private record Chain(double fraction, Map<String, List<AuctionSimulation.Result>> byBidder,
                         Map<String, Integer> settledOn) {
    }

    /**
     * The bidder over {@code tests} one after another in one bid module (so it keeps what it learned), its daily
     * budget set each day to {@code fraction} of that day's cost of every impression; each day's result is added to
     * {@code results}. Returns the fixture, for what it learned.
     */
    static BidFixture bidderDays(double fraction, AuctionSimulation.Day[] tests,
                                 List<AuctionSimulation.Result> results) {
        // every notice of the simulation comes within the millisecond of its bid, so the notice window changes nothing
        // the bidder does; at its default (7 days) the claims the module's maintenance scans every minute pile up over
        // the days and the run slows down day by day
        final BidFixture f = new BidFixture(AuctionSimulation.bidding().put("noticeWindow", "PT1H"), new JsonArray()
            .add(AuctionSimulation.campaign(fraction * tests[0].allCost())));
        final CampaignRegistry registry = f.module.registry();
        for (final AuctionSimulation.Day test : tests) {
            registry.publish(registry.prepare(CampaignSpec.fromJson("sim",
                AuctionSimulation.campaign(fraction * test.allCost()), f.module.config().rates())));
            results.add(AuctionSimulation.play(f, test, 2, "arbiter"));
        }
        return f;
    }

    private static Chain chain(double fraction, AuctionSimulation.Day[] tests, AuctionSimulation.Day[] trains) {
        final Map<String, List<AuctionSimulation.Result>> byBidder = new LinkedHashMap<>();
        final Map<String, Integer> settledOn = new LinkedHashMap<>();
        final List<AuctionSimulation.Result> arbiter = new ArrayList<>();
        final BidFixture f = bidderDays(fraction, tests, arbiter);
        byBidder.put("arbiter", arbiter);
        final Campaign campaign = f.module.registry().get("sim");
        int most = 0;
        for (int c = 1; c < campaign.creatives().length; c++) {
            final long shown = f.table.trials(campaign.creatives()[c].ctrArm());
            if (shown > f.table.trials(campaign.creatives()[most].ctrArm())) {
                most = c;
            }
        }
        settledOn.put("arbiter", most);
        for (final AuctionSimulation.Function function : AuctionSimulation.Function.values()) {
            for (final int kind : new int[] {0, 1, 2}) { // learned, learned per site too, oracle
                final AuctionSimulation.Knowledge known = new AuctionSimulation.Knowledge();
                final List<AuctionSimulation.Result> results = new ArrayList<>();
                for (int i = 0; i < tests.length; i++) {
                    final AuctionSimulation.Baseline tuned = AuctionSimulation.tune(trains[i],
                        fraction * trains[i].allCost(), function, kind == 2, kind == 1, known);
                    results.add(AuctionSimulation.run(tests[i], fraction * tests[i].allCost(), tuned, known));
                }
                byBidder.put(results.get(0).name(), results);
                if (kind != 2) {
                    settledOn.put(results.get(0).name(), known.mostShown());
                }
            }
        }
        final StringBuilder line = new StringBuilder();
        for (final Map.Entry<String, List<AuctionSimulation.Result>> e : byBidder.entrySet()) {
            line.append(e.getKey()).append(':');
            for (final AuctionSimulation.Result r : e.getValue()) {
                line.append(' ').append(r.clicks());
            }
            line.append("; ");
        }
        System.out.printf(Locale.ROOT, "budget 1/%d, clicks day by day: %s%n", Math.round(1 / fraction), line);
        return new Chain(fraction, byBidder, settledOn);
    }

    /** The report over {@code days} consecutive seeded days, {@code threads} budgets at a time. */
    static String run(int days, int requests, long firstSeed, int threads) throws Exception {
        final AuctionSimulation.Day[] tests = new AuctionSimulation.Day[days];
        final AuctionSimulation.Day[] trains = new AuctionSimulation.Day[days];
        for (int i = 0; i < days; i++) {
            tests[i] = AuctionSimulation.day(firstSeed + i, requests).later(i);
            trains[i] = AuctionSimulation.day(firstSeed + i + 1000, requests);
        }
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        final List<Future<Chain>> pending = new ArrayList<>();
        try {
            for (final double fraction : AuctionSimulation.BUDGET_FRACTIONS) {
                pending.add(pool.submit(() -> chain(fraction, tests, trains)));
            }
            final StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%d consecutive days of %d requests, seeds %d..%d, every learner "
                + "keeping what it learned (training days: seed + 1000)%n", days, requests, firstSeed,
                firstSeed + days - 1));
            for (final Future<Chain> f : pending) {
                report(f.get(), out);
            }
            return out.toString();
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code [days [requests [first seed [threads]]]]}; prints the report. */
    public static void main(String[] args) throws Exception {
        System.out.print(run(args.length > 0 ? Integer.parseInt(args[0]) : 10,
            args.length > 1 ? Integer.parseInt(args[1]) : 50_000, args.length > 2 ? Long.parseLong(args[2]) : 1L,
            args.length > 3 ? Integer.parseInt(args[3]) : 1));
    }

    private static void report(Chain chain, StringBuilder out) {
        out.append(String.format(Locale.ROOT, "%nbudget 1/%d%n%-16s %16s %16s %22s %8s%n",
            Math.round(1 / chain.fraction()), "bidder", "clicks, all days", "clicks, days 2+",
            "arbiter / its, days 2+", "settled"));
        final List<AuctionSimulation.Result> arbiter = chain.byBidder().get("arbiter");
        for (final Map.Entry<String, List<AuctionSimulation.Result>> e : chain.byBidder().entrySet()) {
            final List<Double> all = new ArrayList<>();
            final List<Double> later = new ArrayList<>();
            final List<Double> ratio = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                final double clicks = e.getValue().get(i).clicks();
                all.add(clicks);
                if (i > 0) {
                    later.add(clicks);
                    ratio.add(arbiter.get(i).clicks() / clicks);
                }
            }
            final Integer settled = chain.settledOn().get(e.getKey());
            out.append(String.format(Locale.ROOT, "%-16s %16s %16s %22s %8s%n", e.getKey(),
                AuctionSimulationProtocol.meanSe(all, "%.1f"), AuctionSimulationProtocol.meanSe(later, "%.1f"),
                AuctionSimulationProtocol.meanSe(ratio, "%.3f"), settled == null ? "-" : "cr" + settled));
        }
    }
}
