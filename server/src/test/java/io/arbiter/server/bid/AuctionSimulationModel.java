package io.arbiter.server.bid;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.Pacing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Locale;

/**
 * A fast model of the bidder's decision on the {@link AuctionSimulation}'s days, for comparing settings over many
 * more runs than the end-to-end bidder allows (the end-to-end day's result is decided mostly by which creative the
 * learner settles on, so eight days cannot show a change of a few percent). The model is the bidder's rule without
 * the server around it: optimistic Thompson sampling over the six creatives' Beta(1, 200) posteriors choosing the
 * creative, the bid priced at the best posterior mean times the per-site click-rate multiplier
 * ({@link AuctionSimulation#siteMultiplier}, the bidder's formula) times the pacing modifier, the server's
 * {@link Pacing} (schedule gate and controller, with the given gain), second-price auctions. {@code adjusted}: each
 * impression counts towards its creative's trials with the weight of its site's multiplier (a creative's rate then
 * estimates its rate at the campaign's average site, whatever sites it was shown on).
 *
 * <p>Off unless {@code -Dsimulation.model=on}; {@code -Dsimulation.budgetDivisor} (16), {@code -Dsimulation.days}
 * (16: training seeds 101..116), {@code -Dsimulation.repeats} (4 random streams per day). Prints, per setting, the
 * mean over the runs of the expected clicks (the true click rates of the impressions won) and of the clicks the best
 * creative would have had on the same impressions. Command and results in docs/bidding.md.
 */
class AuctionSimulationModel {

    @Test
    @EnabledIfSystemProperty(named = "simulation.model", matches = "on")
    void compareSettings() {
        final int divisor = Integer.getInteger("simulation.budgetDivisor", 16);
        final int days = Integer.getInteger("simulation.days", 16);
        final int repeats = Integer.getInteger("simulation.repeats", 4);
        for (final double gain : new double[] {0.08, 0.04, 0.02}) {
            for (final boolean adjusted : new boolean[] {false, true}) {
                for (final double strength : new double[] {1000, 300}) {
                    double expected = 0;
                    double best = 0;
                    int runs = 0;
                    for (int seed = 101; seed < 101 + days; seed++) {
                        final AuctionSimulation.Day d = AuctionSimulation.day(seed, 30_000);
                        for (int r = 0; r < repeats; r++) {
                            final double[] result = run(d, d.allCost() / divisor, gain, strength, adjusted,
                                seed * 31L + r);
                            expected += result[0];
                            best += result[1];
                            runs++;
                        }
                    }
                    System.out.printf(Locale.ROOT, "budget 1/%d gain %.2f strength %.0f adjusted %b: expected clicks "
                        + "%.1f, best creative on the same impressions %.1f (mean of %d runs)%n", divisor, gain,
                        strength, adjusted, expected / runs, best / runs, runs);
                }
            }
        }
    }

    /**
     * What knowing the sites' and the best creative's click rates is worth at this budget, with each controller gain:
     * learned (the bidder), true sites, the best creative, both. Same properties as {@link #compareSettings}.
     */
    @Test
    @EnabledIfSystemProperty(named = "simulation.model", matches = "on")
    void whatKnowledgeIsWorth() {
        final int divisor = Integer.getInteger("simulation.budgetDivisor", 16);
        final int days = Integer.getInteger("simulation.days", 16);
        final int repeats = Integer.getInteger("simulation.repeats", 4);
        for (final double gain : new double[] {0.08, 0.04, 0.02}) {
            for (int known = 0; known < 4; known++) {
                double expected = 0;
                double best = 0;
                int runs = 0;
                for (int seed = 101; seed < 101 + days; seed++) {
                    final AuctionSimulation.Day d = AuctionSimulation.day(seed, 30_000);
                    for (int r = 0; r < repeats; r++) {
                        final double[] result = run(d, d.allCost() / divisor, gain, 1000, false, seed * 31L + r,
                            (known & 2) != 0, (known & 1) != 0);
                        expected += result[0];
                        best += result[1];
                        runs++;
                    }
                }
                System.out.printf(Locale.ROOT, "budget 1/%d gain %.2f sites %s creative %s: expected clicks %.1f, best "
                    + "creative on the same impressions %.1f (mean of %d runs)%n", divisor, gain,
                    (known & 1) != 0 ? "true" : "learned", (known & 2) != 0 ? "true" : "learned", expected / runs,
                    best / runs, runs);
            }
        }
    }

    /**
     * Linear bidding that knows the best creative, {@code b0 x factor}, with the site factor flat (1), true, or learned
     * by the bidder's multipliers at strengths 100..3000, {@code b0} picked per day in hindsight from a log grid (an
     * upper bound of what each kind of site knowledge gives at this budget), paced by the server's controller (gain
     * 0.08). Seeds 101..100+{@code simulation.days} (8 here unless set), one run each: the grid, not random streams.
     */
    @Test
    @EnabledIfSystemProperty(named = "simulation.model", matches = "on")
    void linearBiddingWithTheBestCreative() {
        final int divisor = Integer.getInteger("simulation.budgetDivisor", 16);
        final int days = Integer.getInteger("simulation.days", 8);
        final String[] kinds = {"flat", "true", "100", "300", "1000", "3000"};
        for (final String kind : kinds) {
            double total = 0;
            for (int seed = 101; seed < 101 + days; seed++) {
                final AuctionSimulation.Day d = AuctionSimulation.day(seed, 30_000);
                double best = 0;
                for (double b0 = 0.5; b0 < 400; b0 *= 1.25) {
                    best = Math.max(best, linear(d, d.allCost() / divisor, kind, b0));
                }
                total += best;
            }
            System.out.printf(Locale.ROOT, "budget 1/%d linear, best creative known, sites %s: expected clicks %.1f "
                + "over %d days%n", divisor, kind, total, days);
        }
    }

    /** Expected clicks of linear bidding with the best creative, site factors by {@code kind}, on one day. */
    static double linear(AuctionSimulation.Day d, double budget, String kind, double b0) {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, AuctionSimulation.CONTROL_INTERVAL, AuctionSimulation.ALLOWANCE);
        final long maxBid = (long) Math.ceil(AuctionSimulation.MAX_CPM * 1000);
        final int best = AuctionSimulation.TRUE_CTR.length - 1;
        final long[] siteShown = new long[AuctionSimulation.SITES];
        final long[] siteClicked = new long[AuctionSimulation.SITES];
        long impressions = 0;
        long clicks = 0;
        double expected = 0;
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final double modifier = pacing.modifier(slot, limit, now);
            final int site = d.site()[k];
            final double factor = switch (kind) {
                case "flat" -> 1;
                case "true" -> AuctionSimulation.SITE_CTR[site];
                default -> AuctionSimulation.siteMultiplier(siteShown, siteClicked, impressions, clicks, site,
                    Double.parseDouble(kind));
            };
            final double bid = Math.min(AuctionSimulation.MAX_CPM, modifier * b0 * factor);
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, pacing.scheduleCap(limit, maxBid, now))) {
                continue;
            }
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                expected += d.trueCtr(k, best);
                impressions++;
                siteShown[site]++;
                if (d.clickU()[k] < d.trueCtr(k, best)) {
                    clicks++;
                    siteClicked[site]++;
                }
            } else {
                ledger.release(slot, micros);
            }
        }
        return expected;
    }

    /** One day of the model: {expected clicks, the best creative's expected clicks on the same impressions}. */
    static double[] run(AuctionSimulation.Day d, double budget, double gain, double strength, boolean adjusted,
                        long seed) {
        return run(d, budget, gain, strength, adjusted, seed, false, false);
    }

    /**
     * {@link #run}, with an oracle's knowledge where asked: {@code trueCreative} shows the best creative and prices it
     * at its true base rate; {@code trueSites} uses the sites' true click-rate factors as the multipliers.
     */
    static double[] run(AuctionSimulation.Day d, double budget, double gain, double strength, boolean adjusted,
                        long seed, boolean trueCreative, boolean trueSites) {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, AuctionSimulation.CONTROL_INTERVAL, AuctionSimulation.ALLOWANCE, null,
            gain);
        final long maxBid = (long) Math.ceil(AuctionSimulation.MAX_CPM * 1000);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        final int n = AuctionSimulation.TRUE_CTR.length;
        final double[] trials = new double[n];
        final double[] clicks = new double[n];
        final long[] siteShown = new long[AuctionSimulation.SITES];
        final long[] siteClicked = new long[AuctionSimulation.SITES];
        long impressions = 0;
        long allClicks = 0;
        double expected = 0;
        double best = 0;
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final double modifier = pacing.modifier(slot, limit, now);
            final int site = d.site()[k];
            final double multiplier = trueSites ? AuctionSimulation.SITE_CTR[site]
                : AuctionSimulation.siteMultiplier(siteShown, siteClicked, impressions, allClicks, site, strength);
            int chosen = 0;
            double rank = -1;
            double bestMean = 0;
            for (int c = 0; c < n; c++) {
                final double mean = (1 + clicks[c]) / (201 + trials[c]);
                final double draw = Samplers.beta(rng, 1 + clicks[c], 200 + Math.max(0, trials[c] - clicks[c]));
                bestMean = Math.max(bestMean, mean);
                if (Math.max(draw, mean) > rank) {
                    rank = Math.max(draw, mean);
                    chosen = c;
                }
            }
            if (trueCreative) {
                chosen = n - 1;
                bestMean = AuctionSimulation.TRUE_CTR[n - 1];
            }
            final double bid = Math.min(AuctionSimulation.MAX_CPM, modifier * 1000 * bestMean * multiplier);
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, pacing.scheduleCap(limit, maxBid, now))) {
                continue;
            }
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                expected += d.trueCtr(k, chosen);
                best += d.trueCtr(k, n - 1);
                impressions++;
                siteShown[site]++;
                trials[chosen] += adjusted ? multiplier : 1;
                if (d.clickU()[k] < d.trueCtr(k, chosen)) {
                    clicks[chosen]++;
                    allClicks++;
                    siteClicked[site]++;
                }
            } else {
                ledger.release(slot, micros);
            }
        }
        return new double[] {expected, best};
    }
}
