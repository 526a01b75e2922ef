package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Curves that forget follow a market that moves. A publisher's market price (log-normal, sigma 0.5) has its median
 * doubled from 2 to 4 CPM after 20,000 notices; notices arrive at 10 a second (a simulated clock), bids spread over
 * 0.5..12 CPM as values vary, and the curves are refreshed (decayed and refitted) once a simulated second, as the
 * server does. The shaded bid for a value of 8 CPM is "tracking" once it earns at least 95% of the best expected
 * surplus in the new market. With a half-life of 10 minutes (6,000 notices) that takes at most two half-lives,
 * {@value #TRACKED_WITHIN} notices; without decay the old notices keep the curve wrong far longer. Surplus is
 * evaluated exactly from the log-normal distribution function (no sampling error). Seeded.
 */
class WinRateDriftTest {
    private static final long SEED = 2014L;
    private static final int TRACKED_WITHIN = 12_000;
    private static final double SIGMA = 0.5;
    private static final double VALUE = 8.0;

    /** P(market < bid) for a log-normal market of this median. */
    private static double winProbability(double bid, double median) {
        final double z = Math.log(bid / median) / SIGMA;
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
    private static double erfc(double x) {
        final double z = Math.abs(x);
        final double t = 1 / (1 + 0.5 * z);
        final double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
            + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    private static double surplus(double bid, double median) {
        return (VALUE - bid) * winProbability(bid, median);
    }

    private static double bestSurplus(double median) {
        double best = 0;
        for (double b = 0.01; b <= VALUE; b += 0.005) {
            best = Math.max(best, surplus(b, median));
        }
        return best;
    }

    /** Notices after the change until the shaded bid earns 95% of the best surplus; -1 if never within the run. */
    private static int noticesToTrack(long halfLifeMillis, long seed) {
        final SplittableRandom rng = new SplittableRandom(seed);
        final WinRateCurve curve = new WinRateCurve(WinRateCounts.allocateDirect(16, 0), 0.8, 200, 20,
            halfLifeMillis);
        final long context = WinRateCurve.context(false, "drift.example", 300, 250, 1);
        final double target = 0.95 * bestSurplus(4.0);
        long now = 0;
        for (int i = 0; i < 20_000 + 60_000; i++) {
            final double median = i < 20_000 ? 2.0 : 4.0;
            final double bid = 0.5 + 11.5 * rng.nextDouble();
            final double market = median * Math.exp(SIGMA * Math.sqrt(-2 * Math.log(1 - rng.nextDouble()))
                * Math.cos(2 * Math.PI * rng.nextDouble()));
            curve.observe(context, 4, 12, bid, bid > market);
            if (i % 10 == 9) {
                now += 1_000;
                curve.refresh(now);
                if (i >= 20_000 && surplus(curve.shade(context, 4, 12, VALUE, 0), 4.0) >= target) {
                    return i + 1 - 20_000;
                }
            }
        }
        return -1;
    }

    @Test
    void aMarketWhosePriceDoublesIsTrackedWithinTheStatedNumberOfNotices() {
        for (long seed = SEED; seed < SEED + 3; seed++) {
            final int withDecay = noticesToTrack(600_000, seed);
            final int without = noticesToTrack(0, seed);
            System.out.println("seed " + seed + ": tracked after " + withDecay + " notices with a 10-minute half-life, "
                + (without < 0 ? "not within 60,000" : "after " + without) + " without decay");
            assertTrue(withDecay > 0 && withDecay <= TRACKED_WITHIN, "seed " + seed + ": " + withDecay);
            assertTrue(without < 0 || without > 2 * withDecay, "seed " + seed + ": decay is what tracks it: "
                + without + " vs " + withDecay);
        }
    }
}
