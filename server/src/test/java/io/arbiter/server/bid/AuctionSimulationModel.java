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

    /**
     * Changes to the bidder's rule tried for the 1/16 bar, each against the rule as it is (gain 0.02, strength 300),
     * on the same 64 runs: {@code param} is each variant's one number. Same properties as {@link #compareSettings}.
     */
    @Test
    @EnabledIfSystemProperty(named = "simulation.model", matches = "on")
    void variantsTried() {
        final int divisor = Integer.getInteger("simulation.budgetDivisor", 16);
        final int days = Integer.getInteger("simulation.days", 16);
        final int repeats = Integer.getInteger("simulation.repeats", 4);
        final Object[][] tried = {
            {Variant.AS_IS, 0.0}, {Variant.POOLED_PRIOR, 100.0}, {Variant.POOLED_PRIOR, 200.0},
            {Variant.POOLED_PRIOR, 400.0}, {Variant.POOLED_RANKING, 200.0}, {Variant.PRICE_MOST_SHOWN, 0.0},
            {Variant.PRICE_POOLED, 0.0}, {Variant.PRICE_LOWER_BOUND, 0.0}, {Variant.PRICE_TRUE, 0.0},
            {Variant.TOP_TWO, 0.5}, {Variant.EXPLORE_BELOW_MULTIPLIER, 1.0}, {Variant.EXPLORE_BELOW_MULTIPLIER, 1.3},
            {Variant.POSTERIOR_UCB, 1.0}, {Variant.POSTERIOR_UCB, 1.5}, {Variant.POSTERIOR_UCB, -1.0},
            {Variant.OPTIMISTIC_SITES, 0.0}, {Variant.SHAPED_SCHEDULE, 0.0}, {Variant.SHOW_BEST, 0.0}};
        for (final Object[] t : tried) {
            final Variant variant = (Variant) t[0];
            final double param = (Double) t[1];
            double expected = 0;
            double squares = 0;
            double best = 0;
            int runs = 0;
            for (int seed = 101; seed < 101 + days; seed++) {
                final AuctionSimulation.Day d = AuctionSimulation.day(seed, 30_000);
                for (int r = 0; r < repeats; r++) {
                    final double[] result = variant(d, d.allCost() / divisor, variant, param, seed * 31L + r);
                    expected += result[0];
                    squares += result[0] * result[0];
                    best += result[1];
                    runs++;
                }
            }
            final double mean = expected / runs;
            final double se = Math.sqrt((squares / runs - mean * mean) / (runs - 1));
            System.out.printf(Locale.ROOT, "budget 1/%d %s %.1f: expected clicks %.1f +- %.1f, best creative on the "
                + "same impressions %.1f (mean of %d runs)%n", divisor, variant, param, mean, se, best / runs, runs);
        }
    }

    /**
     * Days played one after another ({@link AuctionSimulationCarryOver}) over many chains: per chain of {@code
     * simulation.days} consecutive training days (chain {@code c}: seeds {@code 101 + 10c ..}), the model's rule (gain
     * 0.02, strength 300) and {@code lin-learned} (the protocol's own code, tuned each day from what it knows) each
     * keep what they learned; printed per chain, the clicks a day from day 2 on and the creative each had shown most.
     * {@code -Dsimulation.chains} (8), {@code -Dsimulation.days} (10 here), {@code -Dsimulation.budgetDivisor};
     * {@code -Dsimulation.sampling=thompson} ranks by the draw alone (plain Thompson sampling) instead.
     */
    @Test
    @EnabledIfSystemProperty(named = "simulation.model", matches = "on")
    void daysOneAfterAnother() {
        final int divisor = Integer.getInteger("simulation.budgetDivisor", 16);
        final int days = Integer.getInteger("simulation.days", 10);
        final int chains = Integer.getInteger("simulation.chains", 8);
        double bidderAll = 0;
        double linAll = 0;
        int bestSettled = 0;
        for (int c = 0; c < chains; c++) {
            final AuctionSimulation.Knowledge bidder = new AuctionSimulation.Knowledge();
            final AuctionSimulation.Knowledge lin = new AuctionSimulation.Knowledge();
            double bidderClicks = 0;
            double linClicks = 0;
            for (int i = 0; i < days; i++) {
                final long seed = 101 + 10L * c + i;
                final AuctionSimulation.Day test = AuctionSimulation.day(seed, 30_000);
                final AuctionSimulation.Day train = AuctionSimulation.day(seed + 1000, 30_000);
                final double b = carried(test, test.allCost() / divisor, seed * 31L, bidder);
                final AuctionSimulation.Baseline tuned = AuctionSimulation.tune(train, train.allCost() / divisor,
                    AuctionSimulation.Function.LIN, false, false, lin);
                final double l = AuctionSimulation.run(test, test.allCost() / divisor, tuned, lin).clicks();
                if (i > 0) {
                    bidderClicks += b / (days - 1);
                    linClicks += l / (days - 1);
                }
            }
            bidderAll += bidderClicks / chains;
            linAll += linClicks / chains;
            bestSettled += lin.mostShown() == AuctionSimulation.TRUE_CTR.length - 1 ? 1 : 0;
            System.out.printf(Locale.ROOT, "budget 1/%d chain %d (seeds %d..%d), clicks a day from day 2: the rule "
                + "%.1f (settled on cr%d), lin-learned %.1f (cr%d)%n", divisor, c, 101 + 10 * c, 100 + 10 * c + days,
                bidderClicks, bidder.mostShown(), linClicks, lin.mostShown());
        }
        System.out.printf(Locale.ROOT, "budget 1/%d over %d chains: the rule %.1f, lin-learned %.1f clicks a day from "
            + "day 2; lin-learned settled on the best creative in %d%n", divisor, chains, bidderAll, linAll,
            bestSettled);
    }

    /**
     * One day of the model's rule (gain 0.02, strength 300) learning on from and into {@code known} (the pacing
     * modifier starts at 1 each day, where the server's carries over): the clicks drawn.
     */
    static double carried(AuctionSimulation.Day d, double budget, long seed, AuctionSimulation.Knowledge known) {
        final boolean thompson = "thompson".equals(System.getProperty("simulation.sampling"));
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, AuctionSimulation.CONTROL_INTERVAL, AuctionSimulation.ALLOWANCE, null,
            0.02);
        final long maxBid = (long) Math.ceil(AuctionSimulation.MAX_CPM * 1000);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        final int n = AuctionSimulation.TRUE_CTR.length;
        double clicks = 0;
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final double modifier = pacing.modifier(slot, limit, now);
            final int site = d.site()[k];
            final double multiplier = AuctionSimulation.siteMultiplier(known.siteShown, known.siteClicked,
                known.impressions, known.clicks, site, 300);
            int chosen = 0;
            double rank = -1;
            double bestMean = 0;
            for (int c = 0; c < n; c++) {
                final double mean = (1.0 + known.clicked[c]) / (201.0 + known.shown[c]);
                final double draw = Samplers.beta(rng, 1 + known.clicked[c], 200 + known.shown[c] - known.clicked[c]);
                bestMean = Math.max(bestMean, mean);
                final double r = thompson ? draw : Math.max(draw, mean);
                if (r > rank) {
                    rank = r;
                    chosen = c;
                }
            }
            final double bid = Math.min(AuctionSimulation.MAX_CPM, modifier * 1000 * bestMean * multiplier);
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, pacing.scheduleCap(limit, maxBid, now))) {
                continue;
            }
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                known.impressions++;
                known.shown[chosen]++;
                known.siteShown[site]++;
                if (d.clickU()[k] < d.trueCtr(k, chosen)) {
                    clicks++;
                    known.clicks++;
                    known.clicked[chosen]++;
                    known.siteClicked[site]++;
                }
            } else {
                ledger.release(slot, micros);
            }
        }
        return clicks;
    }

    /** A change to the bidder's rule ({@link #variantsTried}). */
    enum Variant {
        /** The rule as it is. */
        AS_IS,
        /**
         * Every creative's prior at the campaign's pooled click rate {@code m} with strength {@code param}
         * (Beta(m x param, (1 - m) x param)): ranking and price (empirical Bayes across the campaign's creatives).
         */
        POOLED_PRIOR,
        /** The pooled prior for ranking only; the price from the configured prior. */
        POOLED_RANKING,
        /** The price from the mean of the creative with the most impressions (a lower-variance estimate). */
        PRICE_MOST_SHOWN,
        /** The price from the campaign's pooled click rate. */
        PRICE_POOLED,
        /** The price from the largest of one-sd lower bounds of the creatives' means and the pooled rate. */
        PRICE_LOWER_BOUND,
        /** The price from the best creative's true rate (an oracle's price, the learner's choice). */
        PRICE_TRUE,
        /** Top-two sampling: with probability {@code param} the best of a redraw that another creative leads. */
        TOP_TWO,
        /** Explore only where the site multiplier is below {@code param} (cheaper impressions); else greedy. */
        EXPLORE_BELOW_MULTIPLIER,
        /** Rank by {@code mean + param x sd} of the posterior ({@code param < 0}: {@code sqrt(2 ln impressions)}). */
        POSTERIOR_UCB,
        /** The site multiplier from an optimistic draw of its Gamma posterior ({@code max(draw, mean)}). */
        OPTIMISTIC_SITES,
        /** The pacing schedule follows the day's traffic curve (known), not the clock. */
        SHAPED_SCHEDULE,
        /** The best creative always shown (an oracle's choice), the price as learned. */
        SHOW_BEST
    }

    /** The cumulative share of a day's requests by {@code hours} into it ({@link AuctionSimulation#arrivals}). */
    static double trafficShare(double hours) {
        final double w = 2 * Math.PI / 24;
        return (hours - 0.5 / w * (Math.sin(w * (hours - 4)) - Math.sin(w * -4))) / 24;
    }

    /** One day of the model with a {@link Variant} of the rule: {expected clicks, the best creative's on them}. */
    static double[] variant(AuctionSimulation.Day d, double budget, Variant variant, double param, long seed) {
        final double gain = 0.02;
        final double strength = 300;
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, AuctionSimulation.CONTROL_INTERVAL, AuctionSimulation.ALLOWANCE, null,
            gain);
        final long maxBid = (long) Math.ceil(AuctionSimulation.MAX_CPM * 1000);
        final long allowance = Math.max(maxBid, (long) (limit * AuctionSimulation.ALLOWANCE));
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
        double shapedModifier = 1;
        long nextControl = d.start();
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final double modifier;
            final long cap;
            if (variant == Variant.SHAPED_SCHEDULE) {
                final double share = trafficShare((now - d.start()) / (double) AuctionSimulation.HOUR);
                if (now >= nextControl) {
                    nextControl = now + AuctionSimulation.CONTROL_INTERVAL;
                    final double perInterval = (double) limit * AuctionSimulation.CONTROL_INTERVAL / Pacing.DAY_MILLIS;
                    final double e = Math.max(-3, Math.min(3, (limit * share - ledger.dailyExposure(slot))
                        / perInterval));
                    shapedModifier = Math.max(Pacing.MIN, Math.min(1, shapedModifier * Math.exp(gain * e)));
                }
                modifier = shapedModifier;
                cap = Math.min(limit, (long) (limit * share) + allowance);
            } else {
                modifier = pacing.modifier(slot, limit, now);
                cap = pacing.scheduleCap(limit, maxBid, now);
            }
            final int site = d.site()[k];
            double multiplier = AuctionSimulation.siteMultiplier(siteShown, siteClicked, impressions, allClicks, site,
                strength);
            if (variant == Variant.OPTIMISTIC_SITES) {
                final double rate = (allClicks + 1.0) / (impressions + 200.0);
                final double draw = Samplers.gamma(rng, siteClicked[site] + strength * rate)
                    / ((siteShown[site] + strength) * rate);
                multiplier = Math.max(0.1, Math.min(10, Math.max(draw, multiplier)));
            }
            final double pooled = (allClicks + 1.0) / (impressions + 201.0);
            final boolean pooledPrior = variant == Variant.POOLED_PRIOR;
            final double a0 = pooledPrior ? pooled * param : 1;
            final double b0 = pooledPrior ? (1 - pooled) * param : 200;
            int chosen = 0;
            double rank = -1;
            double bestMean = 0;
            for (int c = 0; c < n; c++) {
                final double mean = (a0 + clicks[c]) / (a0 + b0 + trials[c]);
                final double draw = Samplers.beta(rng, a0 + clicks[c], b0 + Math.max(0, trials[c] - clicks[c]));
                bestMean = Math.max(bestMean, mean);
                if (Math.max(draw, mean) > rank) {
                    rank = Math.max(draw, mean);
                    chosen = c;
                }
            }
            chosen = choose(variant, param, rng, trials, clicks, chosen, multiplier, pooled, impressions);
            bestMean = price(variant, trials, clicks, pooled, bestMean);
            final double bid = Math.min(AuctionSimulation.MAX_CPM, modifier * 1000 * bestMean * multiplier);
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, cap)) {
                continue;
            }
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                expected += d.trueCtr(k, chosen);
                best += d.trueCtr(k, n - 1);
                impressions++;
                siteShown[site]++;
                trials[chosen]++;
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

    /** The creative a {@link Variant} shows, {@code chosen} being the rule's choice. */
    private static int choose(Variant variant, double param, Xoroshiro128PlusPlus rng, double[] trials,
                              double[] clicks, int chosen, double multiplier, double pooled, long impressions) {
        switch (variant) {
            case POOLED_RANKING -> {
                return pooledRanking(rng, trials, clicks, pooled, param);
            }
            case TOP_TWO -> {
                int other = chosen;
                if (rng.nextDouble() < param) {
                    for (int tries = 0; tries < 100 && other == chosen; tries++) {
                        other = pooledRanking(rng, trials, clicks, 1 / 201.0, 201);
                    }
                }
                return other;
            }
            case EXPLORE_BELOW_MULTIPLIER -> {
                return multiplier >= param ? greedy(trials, clicks) : chosen;
            }
            case SHOW_BEST -> {
                return trials.length - 1;
            }
            case POSTERIOR_UCB -> {
                final double z = param >= 0 ? param : Math.sqrt(2 * Math.log(impressions + 2));
                double top = -1;
                int best = chosen;
                for (int c = 0; c < trials.length; c++) {
                    final double count = 201 + trials[c];
                    final double mean = (1 + clicks[c]) / count;
                    final double ucb = mean + z * Math.sqrt(mean * (1 - mean) / (count + 1));
                    if (ucb > top) {
                        top = ucb;
                        best = c;
                    }
                }
                return best;
            }
            default -> {
                return chosen;
            }
        }
    }

    /** The click rate a {@link Variant} prices at, {@code bestMean} being the rule's. */
    private static double price(Variant variant, double[] trials, double[] clicks, double pooled, double bestMean) {
        switch (variant) {
            case PRICE_MOST_SHOWN -> {
                int most = 0;
                for (int c = 1; c < trials.length; c++) {
                    most = trials[c] > trials[most] ? c : most;
                }
                return (1 + clicks[most]) / (201 + trials[most]);
            }
            case PRICE_POOLED -> {
                return pooled;
            }
            case PRICE_LOWER_BOUND -> {
                double lower = pooled;
                for (int c = 0; c < trials.length; c++) {
                    final double count = 201 + trials[c];
                    final double mean = (1 + clicks[c]) / count;
                    lower = Math.max(lower, mean - Math.sqrt(mean * (1 - mean) / (count + 1)));
                }
                return lower;
            }
            case PRICE_TRUE -> {
                return AuctionSimulation.TRUE_CTR[AuctionSimulation.TRUE_CTR.length - 1];
            }
            default -> {
                return bestMean;
            }
        }
    }

    /** Optimistic Thompson sampling with every creative's prior at rate {@code m} and strength {@code s}. */
    private static int pooledRanking(Xoroshiro128PlusPlus rng, double[] trials, double[] clicks, double m, double s) {
        int chosen = 0;
        double rank = -1;
        for (int c = 0; c < trials.length; c++) {
            final double a = m * s + clicks[c];
            final double b = (1 - m) * s + Math.max(0, trials[c] - clicks[c]);
            final double r = Math.max(Samplers.beta(rng, a, b), a / (a + b));
            if (r > rank) {
                rank = r;
                chosen = c;
            }
        }
        return chosen;
    }

    /** The creative with the highest posterior mean. */
    private static int greedy(double[] trials, double[] clicks) {
        int chosen = 0;
        double top = -1;
        for (int c = 0; c < trials.length; c++) {
            final double mean = (1 + clicks[c]) / (201 + trials[c]);
            if (mean > top) {
                top = mean;
                chosen = c;
            }
        }
        return chosen;
    }
}
