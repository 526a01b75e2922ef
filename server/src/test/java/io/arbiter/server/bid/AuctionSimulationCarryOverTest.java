package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.Creative;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AuctionSimulationCarryOver}'s days played one after another: each learner's second day starts from what it
 * learned on the first. Two short seeded days (3,000 requests, a budget of 1/8).
 */
class AuctionSimulationCarryOverTest {

    private static final int REQUESTS = 3_000;

    @Test
    void theBiddersSecondDayStartsFromWhatItLearnedOnTheFirst() {
        final AuctionSimulation.Day[] days = {AuctionSimulation.day(7, REQUESTS),
            AuctionSimulation.day(8, REQUESTS).later(1)};
        final List<AuctionSimulation.Result> results = new ArrayList<>();
        final BidFixture f = AuctionSimulationCarryOver.bidderDays(1.0 / 8, days, results);
        final Campaign campaign = f.module.registry().get("sim");
        long impressions = 0;
        long clicks = 0;
        for (final Creative creative : campaign.creatives()) {
            impressions += f.table.trials(creative.ctrArm());
            clicks += f.table.successes(creative.ctrArm());
        }
        assertTrue(results.get(0).impressions() > 0 && results.get(1).impressions() > 0, results.toString());
        assertEquals(results.get(0).impressions() + results.get(1).impressions(), impressions,
            "the posteriors count both days' impressions: " + results);
        assertEquals(results.get(0).clicks() + results.get(1).clicks(), clicks, "and both days' clicks");
        for (int i = 0; i < days.length; i++) {
            final double budget = days[i].allCost() / 8;
            assertTrue(results.get(i).spend() <= budget + 0.02 && results.get(i).spend() >= 0.9 * budget,
                "day " + i + " spends most of its budget " + budget + " and no more: " + results.get(i));
        }
    }

    @Test
    void aLearnedBaselinesSecondDayStartsFromItsCounts() {
        final AuctionSimulation.Day first = AuctionSimulation.day(7, REQUESTS);
        final AuctionSimulation.Day second = AuctionSimulation.day(8, REQUESTS).later(1);
        final AuctionSimulation.Knowledge known = new AuctionSimulation.Knowledge();
        final AuctionSimulation.Baseline lin = AuctionSimulation.tune(first, first.allCost() / 8,
            AuctionSimulation.Function.LIN, false, true, known);
        assertEquals(0, known.impressions, "tuning learns on copies");
        final AuctionSimulation.Result one = AuctionSimulation.run(first, first.allCost() / 8, lin, known);
        final AuctionSimulation.Result two = AuctionSimulation.run(second, second.allCost() / 8, lin, known);
        assertEquals(one.impressions() + two.impressions(), known.impressions);
        assertEquals(one.clicks() + two.clicks(), known.clicks);
        long perSite = 0;
        for (final long shown : known.siteShown) {
            perSite += shown;
        }
        assertEquals(known.impressions, perSite, "per site too");
    }
}
