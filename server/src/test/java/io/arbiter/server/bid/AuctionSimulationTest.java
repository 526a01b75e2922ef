package io.arbiter.server.bid;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One short seeded day of the {@link AuctionSimulation} protocol at a budget of 1/8 of the day's cost of every
 * impression: the baselines are tuned on a training day, and the bidder must get more clicks than tuned linear
 * bidding that learns its click rates too, stay within its budget, and keep its cumulative spend within 10% of the
 * even schedule from the second hour on. Deterministic for the seed ({@code -Dsimulation.seed}, default 2014); the
 * full protocol over ten days is {@link AuctionSimulationProtocolTest}.
 */
class AuctionSimulationTest {

    @Test
    void theBidderBeatsTunedLinearBiddingWithLearnedClickRatesAndPacesEvenly() {
        final long seed = Long.getLong("simulation.seed", 2014L);
        final AuctionSimulation.Day train = AuctionSimulation.day(seed + 1000, 40_000);
        final AuctionSimulation.Day test = AuctionSimulation.day(seed, 40_000);
        final double budget = test.allCost() / 8;
        final AuctionSimulation.Result arbiter = AuctionSimulation.arbiter(test, budget);
        final AuctionSimulation.Result linear = AuctionSimulation.run(test, budget, AuctionSimulation.tune(train,
            train.allCost() / 8, AuctionSimulation.Function.LIN, false));
        final String context = String.format(Locale.ROOT, "seed %d, budget %.2f: arbiter %d clicks (spend %.2f), "
            + "tuned linear with learned CTRs %d clicks (spend %.2f)", seed, budget, arbiter.clicks(),
            arbiter.spend(), linear.clicks(), linear.spend());
        System.out.println(context);
        assertTrue(arbiter.clicks() > linear.clicks(), context);
        assertTrue(arbiter.spend() <= budget + 0.02, "budget; " + context);
        for (int h = 2; h <= 24; h++) {
            final double ideal = budget * h / 24;
            final double actual = arbiter.spendAtHour()[h];
            assertTrue(Math.abs(actual - ideal) <= 0.10 * ideal, "hour " + h + ": spend " + actual + " vs ideal "
                + ideal + "; " + context);
        }
    }
}
