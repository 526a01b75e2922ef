package io.arbiter.server.bid;

import io.arbiter.server.bid.pricing.WinRateCurve;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * First-price shading learns: after win/loss notices from a log-normal market, the surplus-maximising bid earns at
 * least as much expected surplus as the fixed shading factor and close to the best possible bid. Surplus is
 * estimated on 200,000 fresh market draws (standard error about 0.3%); the 3% tolerance is roughly ten standard
 * errors, so a false failure is practically impossible. Seeded.
 */
class WinRateCurveTest {
    private static final long SEED = 99L;

    private static double surplus(double bid, double value, double[] market) {
        double total = 0;
        for (double m : market) {
            if (bid > m) {
                total += value - bid;
            }
        }
        return total / market.length;
    }

    @Test
    void learnedShadingBeatsTheFixedFactorAndNearlyReachesTheBestBid() {
        final SplittableRandom rng = new SplittableRandom(SEED);
        final double[] market = new double[200_000];
        for (int i = 0; i < market.length; i++) {
            market[i] = 3.0 * Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - rng.nextDouble()))
                * Math.cos(2 * Math.PI * rng.nextDouble()));
        }
        final WinRateCurve curve = new WinRateCurve(0.8, 200);
        // exploration: bids spread over a range, outcomes from the market
        for (int i = 0; i < 20_000; i++) {
            final double bid = 0.5 + 9.5 * rng.nextDouble();
            curve.observe(bid, bid > market[rng.nextInt(market.length)]);
        }
        curve.refresh();
        for (double value : new double[] {3.0, 5.0, 8.0}) {
            double best = 0;
            for (double b = 0.05; b <= value; b += 0.01) {
                best = Math.max(best, surplus(b, value, market));
            }
            final double learned = surplus(curve.shade(value, 0), value, market);
            final double fixed = surplus(0.8 * value, value, market);
            final String context = "seed " + SEED + ", value " + value + ": learned " + learned + ", fixed " + fixed
                + ", best " + best;
            assertTrue(learned >= 0.97 * best, context);
            assertTrue(learned >= fixed * 0.99, context);
        }
    }
}
