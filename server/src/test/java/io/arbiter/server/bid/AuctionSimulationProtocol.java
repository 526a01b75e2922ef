package io.arbiter.server.bid;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The full evaluation protocol of {@link AuctionSimulation} over several seeded days: per day, the baselines are
 * tuned on a training day (seed + 1000) for each budget, then the bidder and the tuned baselines run the test day at
 * budgets of 1/2, 1/4, 1/8 and 1/16 of the cost of buying every impression; clicks and eCPC are reported as means with
 * standard errors over the days, and the bidder's clicks relative to each baseline as the mean of the per-day ratios.
 * Then first price: the bidder's learned shading against fixed shading factors at 1/8, and the best fixed factor in
 * hindsight. Run by {@code AuctionSimulationProtocolTest} (see docs/bidding.md for the command).
 */
final class AuctionSimulationProtocol {
    static final double[] FIXED_FACTORS = {0.5, 0.6, 0.7, 0.8, 0.9};

    private AuctionSimulationProtocol() {
    }

    /** Mean and standard error of the mean. */
    static String meanSe(List<Double> values, String format) {
        final int n = values.size();
        double mean = 0;
        for (final double v : values) {
            mean += v / n;
        }
        double var = 0;
        for (final double v : values) {
            var += (v - mean) * (v - mean) / Math.max(1, n - 1);
        }
        return String.format(Locale.ROOT, format + " +- " + format, mean, Math.sqrt(var / n));
    }

    /** One seeded day's results: per budget the bidders' results, then first price. */
    private record DayResult(long seed, double allCost, Map<Double, List<AuctionSimulation.Result>> byBudget,
                             AuctionSimulation.Result learnedFirst, Map<Double, AuctionSimulation.Result> fixedFirst) {
    }

    private static DayResult day(long seed, int requests) {
        final AuctionSimulation.Day train = AuctionSimulation.day(seed + 1000, requests);
        final AuctionSimulation.Day test = AuctionSimulation.day(seed, requests);
        final Map<Double, List<AuctionSimulation.Result>> byBudget = new LinkedHashMap<>();
        for (final double fraction : AuctionSimulation.BUDGET_FRACTIONS) {
            final double budget = fraction * test.allCost();
            final double trainBudget = fraction * train.allCost();
            final List<AuctionSimulation.Result> results = new ArrayList<>();
            results.add(AuctionSimulation.arbiter(test, budget));
            for (final AuctionSimulation.Function function : AuctionSimulation.Function.values()) {
                for (final int kind : new int[] {0, 1, 2}) { // learned, learned per site too, oracle
                    final AuctionSimulation.Baseline tuned = AuctionSimulation.tune(train, trainBudget, function,
                        kind == 2, kind == 1);
                    results.add(AuctionSimulation.run(test, budget, tuned));
                }
            }
            byBudget.put(fraction, results);
            System.out.printf(Locale.ROOT, "seed %d budget 1/%d: %s%n", seed, Math.round(1 / fraction),
                summary(results));
        }
        final double budget = test.allCost() / 8;
        final AuctionSimulation.Result learned = AuctionSimulation.arbiter(test, budget, 1, new JsonObject(),
            "learned");
        final Map<Double, AuctionSimulation.Result> fixed = new LinkedHashMap<>();
        for (final double factor : FIXED_FACTORS) {
            fixed.put(factor, AuctionSimulation.arbiter(test, budget, 1, new JsonObject()
                .put("shadingFactor", factor).put("shadingMinObservations", Integer.MAX_VALUE), "fixed"));
        }
        System.out.printf(Locale.ROOT, "seed %d first price 1/8: learned %d clicks (spend %.1f); fixed %s%n", seed,
            learned.clicks(), learned.spend(), summary(new ArrayList<>(fixed.values())));
        return new DayResult(seed, test.allCost(), byBudget, learned, fixed);
    }

    /** The report over {@code days} seeded days, {@code threads} days at a time (each day is independent). */
    static String run(int days, int requests, long firstSeed, int threads) throws Exception {
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        final List<java.util.concurrent.Future<DayResult>> pending = new ArrayList<>();
        try {
            for (int i = 0; i < days; i++) {
                final long seed = firstSeed + i;
                pending.add(pool.submit(() -> day(seed, requests)));
            }
            final List<DayResult> results = new ArrayList<>();
            for (final java.util.concurrent.Future<DayResult> f : pending) {
                results.add(f.get());
            }
            return report(days, requests, firstSeed, results);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String report(int days, int requests, long firstSeed, List<DayResult> dayResults) {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d days of %d requests, seeds %d..%d (training days: seed + 1000)%n",
            days, requests, firstSeed, firstSeed + days - 1));
        // budget fraction -> bidder -> per-day clicks / eCPC
        final Map<Double, Map<String, List<Double>>> clicks = new LinkedHashMap<>();
        final Map<Double, Map<String, List<Double>>> ecpc = new LinkedHashMap<>();
        final Map<Double, Map<String, List<Double>>> ratio = new LinkedHashMap<>();
        final List<Double> learnedFirst = new ArrayList<>();
        final List<Double> bestFixedFirst = new ArrayList<>();
        final List<Double> firstRatio = new ArrayList<>();
        final Map<Double, List<Double>> fixedClicks = new LinkedHashMap<>();
        final List<Double> allCost = new ArrayList<>();
        for (final DayResult day : dayResults) {
            allCost.add(day.allCost());
            for (final Map.Entry<Double, List<AuctionSimulation.Result>> e : day.byBudget().entrySet()) {
                final double fraction = e.getKey();
                final List<AuctionSimulation.Result> results = e.getValue();
                final double arbiterClicks = results.get(0).clicks();
                for (final AuctionSimulation.Result r : results) {
                    clicks.computeIfAbsent(fraction, x -> new LinkedHashMap<>())
                        .computeIfAbsent(r.name(), x -> new ArrayList<>()).add((double) r.clicks());
                    ecpc.computeIfAbsent(fraction, x -> new LinkedHashMap<>())
                        .computeIfAbsent(r.name(), x -> new ArrayList<>()).add(r.ecpc());
                    ratio.computeIfAbsent(fraction, x -> new LinkedHashMap<>())
                        .computeIfAbsent(r.name(), x -> new ArrayList<>()).add(arbiterClicks / r.clicks());
                }
            }
            double best = 0;
            for (final Map.Entry<Double, AuctionSimulation.Result> e : day.fixedFirst().entrySet()) {
                fixedClicks.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add((double) e.getValue().clicks());
                best = Math.max(best, e.getValue().clicks());
            }
            learnedFirst.add((double) day.learnedFirst().clicks());
            bestFixedFirst.add(best);
            firstRatio.add(day.learnedFirst().clicks() / best);
        }
        out.append("cost of every impression (the unconstrained spend): ").append(meanSe(allCost, "%.1f"))
            .append('\n');
        for (final double fraction : AuctionSimulation.BUDGET_FRACTIONS) {
            out.append(String.format(Locale.ROOT, "%nbudget 1/%d%n%-14s %18s %18s %20s%n", Math.round(1 / fraction),
                "bidder", "clicks", "eCPC", "arbiter clicks / its"));
            for (final String name : clicks.get(fraction).keySet()) {
                out.append(String.format(Locale.ROOT, "%-14s %18s %18s %20s%n", name,
                    meanSe(clicks.get(fraction).get(name), "%.1f"), meanSe(ecpc.get(fraction).get(name), "%.4f"),
                    meanSe(ratio.get(fraction).get(name), "%.3f")));
            }
        }
        out.append(String.format(Locale.ROOT, "%nfirst price, budget 1/8: learned shading %s clicks; best fixed factor "
            + "in hindsight (per day, of %s) %s clicks; learned / best fixed %s%n", meanSe(learnedFirst, "%.1f"),
            java.util.Arrays.toString(FIXED_FACTORS), meanSe(bestFixedFirst, "%.1f"), meanSe(firstRatio, "%.3f")));
        for (final Map.Entry<Double, List<Double>> e : fixedClicks.entrySet()) {
            out.append(String.format(Locale.ROOT, "  fixed %.1f: %s clicks%n", e.getKey(), meanSe(e.getValue(),
                "%.1f")));
        }
        return out.toString();
    }

    /** {@code [days [requests [first seed [threads]]]]}; prints the report. */
    public static void main(String[] args) throws Exception {
        System.out.print(run(args.length > 0 ? Integer.parseInt(args[0]) : 10,
            args.length > 1 ? Integer.parseInt(args[1]) : 50_000, args.length > 2 ? Long.parseLong(args[2]) : 1L,
            args.length > 3 ? Integer.parseInt(args[3]) : 1));
    }

    private static String summary(List<AuctionSimulation.Result> results) {
        final StringBuilder s = new StringBuilder();
        for (final AuctionSimulation.Result r : results) {
            s.append(String.format(Locale.ROOT, "%s %d (%.1f) ", r.name(), r.clicks(), r.spend()));
        }
        return s.toString();
    }
}
