package io.arbiter.server.bid;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deterministic one-day auction simulation (see {@link AuctionSimulation}): at the same daily budget this bidder
 * gets more clicks than a constant and a linear bidder, and its cumulative spend is within 10% of the even schedule
 * at every hour mark. Deterministic for a seed (default 2014, {@code -Dsimulation.seed=N} for another), printed with
 * the report; one seed keeps the test near 15 s, other seeds are in docs/bidding.md.
 */
class AuctionSimulationTest {

    @Test
    void theBidderBeatsConstantAndLinearBiddingAndPacesEvenly() throws Exception {
        for (final long seed : new long[] {Long.getLong("simulation.seed", 2014L)}) {
            final AuctionSimulation.Report report = AuctionSimulation.run(seed);
            System.out.print(report.table());
            final String context = "seed " + seed + "\n" + report.table();
            assertTrue(report.arbiter().clicks() > report.constant().clicks(), "more clicks than constant; " + context);
            assertTrue(report.arbiter().clicks() > report.linear().clicks(), "more clicks than linear; " + context);
            assertTrue(report.arbiter().spend() <= AuctionSimulation.DAILY_BUDGET + 0.02, "budget; " + context);
            for (int h = 1; h <= 24; h++) {
                final double ideal = AuctionSimulation.DAILY_BUDGET * h / 24;
                final double actual = report.arbiter().spendAtHour()[h];
                assertTrue(Math.abs(actual - ideal) <= 0.10 * ideal,
                    "hour " + h + ": spend " + actual + " vs ideal " + ideal + "; " + context);
            }
        }
    }
}
