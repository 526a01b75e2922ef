package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.BudgetLedgerDescriptor;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the bidder and tuned linear bidding with learned click rates buy on the {@link AuctionSimulation}'s days, for
 * finding out why one gets more clicks than the other: per site the bids, average bid, wins, average price paid and
 * clicks; per creative the wins and clicks; per hour the spend, wins, the pacing modifier and the requests the
 * schedule gate turned away; and the day's expected clicks (the true click rates of the impressions won) against
 * those the best creative would have had on the same impressions. Off unless {@code -Dsimulation.diagnosis=on};
 * {@code -Dsimulation.seeds} (101,102,103: training seeds, never the test seeds), {@code -Dsimulation.requests}
 * (30,000), {@code -Dsimulation.budgetDivisor} (16: a budget of 1/16 of the day's cost of every impression),
 * {@code -Dsimulation.arbiterOnly} (the bidder alone). Command in docs/bidding.md.
 */
class AuctionSimulationDiagnosis {

    @Test
    @EnabledIfSystemProperty(named = "simulation.diagnosis", matches = "on")
    void diagnose() {
        final int requests = Integer.getInteger("simulation.requests", 30_000);
        final double fraction = 1.0 / Integer.getInteger("simulation.budgetDivisor", 16);
        final String seeds = System.getProperty("simulation.seeds", "101,102,103");
        for (final String s : seeds.split(",")) {
            final long seed = Long.parseLong(s.trim());
            final AuctionSimulation.Day train = AuctionSimulation.day(seed + 1000, requests);
            final AuctionSimulation.Day test = AuctionSimulation.day(seed, requests);
            final double budget = fraction * test.allCost();
            System.out.printf(Locale.ROOT, "=== seed %d budget %.2f%n", seed, budget);
            arbiter(test, budget);
            if (!Boolean.getBoolean("simulation.arbiterOnly")) {
                final AuctionSimulation.Baseline lin = AuctionSimulation.tune(train, fraction * train.allCost(),
                    AuctionSimulation.Function.LIN, false);
                baseline(test, budget, lin);
            }
        }
    }

    static void arbiter(AuctionSimulation.Day d, double budget) {
        final BidFixture f = new BidFixture(AuctionSimulation.bidding(), new JsonArray()
            .add(AuctionSimulation.campaign(budget)));
        f.clock.set(d.start());
        final Campaign campaign = f.module.registry().get("sim");
        final Bidder bidder = f.module.newBidder(d.seed() ^ 0xB1DL);
        final BidRequest[] reqs = new BidRequest[AuctionSimulation.SITES];
        final BidRequestParser parser = new BidRequestParser();
        for (int s = 0; s < AuctionSimulation.SITES; s++) {
            reqs[s] = new BidRequest();
            parser.parse(("{\"id\":\"sim\",\"at\":2,\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"domain\":\"site" + s + ".example\"},\"device\":{\"devicetype\":2}}")
                .getBytes(StandardCharsets.UTF_8), reqs[s]);
        }
        final Stats st = new Stats();
        long nextMaintain = d.start() + 1000;
        int hour = 0;
        final double[] modAtHour = new double[24];
        final long[] blockedAtHour = new long[24];
        final long[] bidsAtHour = new long[24];
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final int h = (int) ((now - d.start()) / AuctionSimulation.HOUR);
            if (h > hour) {
                hour = h;
            }
            f.clock.set(now);
            if (now >= nextMaintain) {
                f.module.maintain();
                nextMaintain = now + 10_000;
            }
            final long blockedBefore = f.ledger.counter(campaign.slot(), BudgetLedgerDescriptor.PACING_BLOCKED_OFFSET);
            final Bidder.Bids bids = bidder.bid(reqs[d.site()[k]], now);
            blockedAtHour[h] += f.ledger.counter(campaign.slot(), BudgetLedgerDescriptor.PACING_BLOCKED_OFFSET)
                - blockedBefore;
            modAtHour[h] = f.ledger.modifier(campaign.slot());
            st.hourSpend[h] = f.ledger.dailySpent(campaign.slot()) / 1e6;
            if (bids.size() == 0) {
                continue;
            }
            bidsAtHour[h]++;
            final Bidder.Bid bid = bids.get(0);
            final int site = d.site()[k];
            st.bids[site]++;
            st.bidSum[site] += bid.price;
            if (bid.price > d.price()[k]) {
                final String paid = Double.toString(d.price()[k]);
                BidFixture.await(f.module.notices().notice(OutcomeKind.WIN, bid.token, paid, null));
                BidFixture.await(f.module.notices().notice(OutcomeKind.BILL, bid.token, paid, null));
                final int creative = bid.creative.id().charAt(2) - '0';
                final boolean click = d.clickU()[k] < d.trueCtr(k, creative);
                st.win(site, creative, d.price()[k], click, d.trueCtr(k, creative),
                    d.trueCtr(k, AuctionSimulation.TRUE_CTR.length - 1), h);
                if (click) {
                    BidFixture.await(f.module.notices().notice(OutcomeKind.CLICK, bid.token, null, null));
                }
            } else {
                BidFixture.await(f.module.notices().notice(OutcomeKind.LOSS, bid.token, null, "102"));
            }
        }
        st.print("arbiter", budget);
        System.out.println("  modifier at hour end: " + fmt(modAtHour));
        System.out.println("  pacing-blocked per hour: " + Arrays.toString(blockedAtHour));
        System.out.println("  bids per hour: " + Arrays.toString(bidsAtHour));
    }

    static void baseline(AuctionSimulation.Day d, double budget, AuctionSimulation.Baseline b) {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        final long limit = (long) Math.floor(budget * 1e6);
        ledger.configure(slot, limit, 0);
        final Pacing pacing = new Pacing(ledger, AuctionSimulation.CONTROL_INTERVAL, AuctionSimulation.ALLOWANCE, null,
            AuctionSimulation.baselineGain());
        final long maxBid = (long) Math.ceil(AuctionSimulation.MAX_CPM * 1000);
        final int n = AuctionSimulation.TRUE_CTR.length;
        final long[] shown = new long[n];
        final long[] clicked = new long[n];
        final Stats st = new Stats();
        final double[] modAtHour = new double[24];
        final long[] blockedAtHour = new long[24];
        for (int k = 0; k < d.requests(); k++) {
            final long now = d.times()[k];
            final int h = (int) ((now - d.start()) / AuctionSimulation.HOUR);
            final double modifier = pacing.modifier(slot, limit, now);
            modAtHour[h] = modifier;
            st.hourSpend[h] = ledger.dailySpent(slot) / 1e6;
            int creative = n - 1;
            double theta = -1;
            for (int c = 0; c < n; c++) {
                final double mean = (1.0 + clicked[c]) / (201.0 + shown[c]);
                if (mean > theta) {
                    theta = mean;
                    creative = c;
                }
            }
            final double bid = Math.min(AuctionSimulation.MAX_CPM, modifier * b.bid(theta));
            final long micros = (long) Math.ceil(bid * 1000);
            if (!ledger.reserve(slot, micros, pacing.scheduleCap(limit, maxBid, now))) {
                blockedAtHour[h]++;
                continue;
            }
            final int site = d.site()[k];
            st.bids[site]++;
            st.bidSum[site] += bid;
            if (bid > d.price()[k]) {
                ledger.settle(slot, micros, Math.round(d.price()[k] * 1000));
                shown[creative]++;
                final boolean click = d.clickU()[k] < d.trueCtr(k, creative);
                if (click) {
                    clicked[creative]++;
                }
                st.win(site, creative, d.price()[k], click, d.trueCtr(k, creative), d.trueCtr(k, n - 1), h);
            } else {
                ledger.release(slot, micros);
            }
        }
        st.print(b.name() + String.format(Locale.ROOT, " b0=%.2f", b.param()), budget);
        System.out.println("  modifier at hour end: " + fmt(modAtHour));
        System.out.println("  pacing-blocked per hour: " + Arrays.toString(blockedAtHour));
    }

    static String fmt(double[] v) {
        final StringBuilder s = new StringBuilder();
        for (final double x : v) {
            s.append(String.format(Locale.ROOT, "%.3f ", x));
        }
        return s.toString();
    }

    static final class Stats {
        final long[] bids = new long[AuctionSimulation.SITES];
        final double[] bidSum = new double[AuctionSimulation.SITES];
        final long[] wins = new long[AuctionSimulation.SITES];
        final double[] paid = new double[AuctionSimulation.SITES];
        final long[] clicks = new long[AuctionSimulation.SITES];
        final long[] creativeWins = new long[AuctionSimulation.TRUE_CTR.length];
        final long[] creativeClicks = new long[AuctionSimulation.TRUE_CTR.length];
        final double[] hourSpend = new double[24];
        final long[] hourWins = new long[24];
        double expectedClicks;
        double expectedBest;

        void win(int site, int creative, double price, boolean click, double ctr, double bestCtr, int hour) {
            wins[site]++;
            paid[site] += price / 1000;
            creativeWins[creative]++;
            hourWins[hour]++;
            expectedClicks += ctr;
            expectedBest += bestCtr;
            if (click) {
                clicks[site]++;
                creativeClicks[creative]++;
            }
        }

        void print(String name, double budget) {
            long w = 0;
            long c = 0;
            double p = 0;
            for (int s = 0; s < wins.length; s++) {
                w += wins[s];
                c += clicks[s];
                p += paid[s];
            }
            System.out.printf(Locale.ROOT, "%s: wins %d clicks %d spend %.2f/%.2f expected clicks %.1f "
                + "(best creative on the same impressions %.1f)%n", name, w, c, p, budget, expectedClicks,
                expectedBest);
            for (int s = 0; s < wins.length; s++) {
                System.out.printf(Locale.ROOT, "  site %d (ctr x%.1f, median %.1f): bids %5d avg bid %.2f wins %4d "
                    + "avg paid %.2f CPM clicks %d%n", s, AuctionSimulation.SITE_CTR[s],
                    AuctionSimulation.SITE_MEDIAN[s], bids[s], bids[s] == 0 ? 0 : bidSum[s] / bids[s], wins[s],
                    wins[s] == 0 ? 0 : 1000 * paid[s] / wins[s], clicks[s]);
            }
            System.out.println("  creative wins " + Arrays.toString(creativeWins) + " clicks "
                + Arrays.toString(creativeClicks));
            System.out.println("  spend at hour end " + fmt(hourSpend));
            System.out.println("  wins per hour " + Arrays.toString(hourWins));
        }
    }
}
