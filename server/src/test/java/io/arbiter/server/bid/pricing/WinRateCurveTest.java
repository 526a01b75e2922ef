package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * First-price shading learns: after win/loss notices from a log-normal market, the surplus-maximising bid earns at
 * least as much expected surplus as the fixed shading factor and close to the best possible bid, bidder-wide and per
 * context. Surplus is estimated on 200,000 market draws (standard error about 0.3%); the 3% tolerance is roughly ten
 * standard errors, so a false failure is practically impossible. Seeded; the seed is in every failure message.
 */
class WinRateCurveTest {
    private static final long SEED = 99L;

    private static double surplus(double bid, double value, double[] market) {
        double total = 0;
        for (final double m : market) {
            if (bid > m) {
                total += value - bid;
            }
        }
        return total / market.length;
    }

    /** Log-normal market prices with the given median and log-sd (Box-Muller). */
    private static double[] market(SplittableRandom rng, double median, double sigma) {
        final double[] market = new double[200_000];
        for (int i = 0; i < market.length; i++) {
            market[i] = median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - rng.nextDouble()))
                * Math.cos(2 * Math.PI * rng.nextDouble()));
        }
        return market;
    }

    private static double bestSurplus(double value, double[] market) {
        double best = 0;
        for (double b = 0.05; b <= value; b += 0.01) {
            best = Math.max(best, surplus(b, value, market));
        }
        return best;
    }

    @Test
    void learnedShadingBeatsTheFixedFactorAndNearlyReachesTheBestBid() {
        final SplittableRandom rng = new SplittableRandom(SEED);
        final double[] market = market(rng, 3.0, 0.6);
        final WinRateCurve curve = new WinRateCurve(0.8, 200);
        // exploration: bids spread over a range, outcomes from the market
        for (int i = 0; i < 20_000; i++) {
            final double bid = 0.5 + 9.5 * rng.nextDouble();
            curve.observe(WinRateCurve.NO_CONTEXT, bid, bid > market[rng.nextInt(market.length)]);
        }
        curve.refresh();
        for (final double value : new double[] {3.0, 5.0, 8.0}) {
            final double best = bestSurplus(value, market);
            final double learned = surplus(curve.shade(WinRateCurve.NO_CONTEXT, value, 0), value, market);
            final double fixed = surplus(0.8 * value, value, market);
            final String context = "seed " + SEED + ", value " + value + ": learned " + learned + ", fixed " + fixed
                + ", best " + best;
            assertTrue(learned >= 0.97 * best, context);
            assertTrue(learned >= fixed * 0.99, context);
        }
    }

    /**
     * Two publishers with different markets (medians 1 and 6 CPM): each context's own curve shades for its own
     * market, within 3% of the best bid's surplus and never worse than the bidder-wide curve, which mixes both markets
     * and so bids for one of them; over both, the context curves earn clearly more. A context never seen shades by
     * the bidder-wide curve.
     */
    @Test
    void eachContextLearnsItsOwnMarket() {
        final SplittableRandom rng = new SplittableRandom(SEED + 1);
        final long cheap = WinRateCurve.context(false, "cheap.example", 300, 250, 1);
        final long dear = WinRateCurve.context(false, "dear.example", 300, 250, 1);
        final double[] cheapMarket = market(rng, 1.0, 0.5);
        final double[] dearMarket = market(rng, 6.0, 0.3);
        final WinRateCurve curve = new WinRateCurve(0.8, 200, 100, 20);
        for (int i = 0; i < 20_000; i++) {
            final double bid = 0.2 + 11.8 * rng.nextDouble();
            curve.observe(cheap, bid, bid > cheapMarket[rng.nextInt(cheapMarket.length)]);
            curve.observe(dear, bid, bid > dearMarket[rng.nextInt(dearMarket.length)]);
        }
        curve.refresh();
        assertEquals(2, curve.contexts());
        final double value = 8.0;
        double ownTotal = 0;
        double wideTotal = 0;
        for (final Object[] c : new Object[][] {{cheap, cheapMarket, "cheap"}, {dear, dearMarket, "dear"}}) {
            final double[] market = (double[]) c[1];
            final double best = bestSurplus(value, market);
            final double own = surplus(curve.shade((Long) c[0], value, 0), value, market);
            final double wide = surplus(curve.shade(WinRateCurve.NO_CONTEXT, value, 0), value, market);
            final String context = "seed " + (SEED + 1) + ", " + c[2] + ": own " + own + ", bidder-wide " + wide
                + ", best " + best;
            assertTrue(own >= 0.97 * best, context);
            assertTrue(own >= 0.99 * wide, context);
            ownTotal += own;
            wideTotal += wide;
        }
        final double dearBest = bestSurplus(value, dearMarket);
        final double dearWide = surplus(curve.shade(WinRateCurve.NO_CONTEXT, value, 0), value, dearMarket);
        assertTrue(dearWide < 0.1 * dearBest, "seed " + (SEED + 1) + ": the bidder-wide curve bids for the cheap "
            + "market and almost never wins the dear one: " + dearWide + " of " + dearBest);
        assertTrue(ownTotal >= 1.1 * wideTotal, "seed " + (SEED + 1) + ": own " + ownTotal + ", bidder-wide "
            + wideTotal);
        final long unseen = WinRateCurve.context(false, "new.example", 300, 250, 1);
        assertEquals(curve.shade(WinRateCurve.NO_CONTEXT, value, 0), curve.shade(unseen, value, 0));
        assertEquals(curve.winRate(WinRateCurve.NO_CONTEXT, 3.0), curve.winRate(unseen, 3.0));
    }

    /**
     * A context with a handful of notices is shrunk towards the bidder-wide curve: five wins at 0.5 CPM do not
     * convince it that 0.5 always wins, where the bidder-wide market (median 3 CPM) says bids of 0.5 hardly ever do.
     */
    @Test
    void aSparseContextStaysCloseToTheBidderWideCurve() {
        final SplittableRandom rng = new SplittableRandom(SEED + 2);
        final double[] market = market(rng, 3.0, 0.6);
        final WinRateCurve curve = new WinRateCurve(0.8, 200, 100, 20);
        for (int i = 0; i < 20_000; i++) {
            final double bid = 0.2 + 9.8 * rng.nextDouble();
            curve.observe(WinRateCurve.NO_CONTEXT, bid, bid > market[rng.nextInt(market.length)]);
        }
        final long sparse = WinRateCurve.context(false, "sparse.example", 728, 90, 1);
        for (int i = 0; i < 5; i++) {
            curve.observe(sparse, 0.5, true);
        }
        curve.refresh();
        final double wide = curve.winRate(WinRateCurve.NO_CONTEXT, 0.5);
        final double own = curve.winRate(sparse, 0.5);
        assertTrue(own > wide, "the wins count: " + own + " vs " + wide);
        assertTrue(own < wide + 5.0 / 25.0 + 1e-9, "at most 5 wins against 20 pseudo-bids: " + own + " vs " + wide);
    }

    @Test
    void contextsAreBoundedAndTheRestTrainOnlyTheBidderWideCurve() {
        final WinRateCurve curve = new WinRateCurve(0.8, 1, 3, 20);
        for (int i = 0; i < 10; i++) {
            curve.observe(WinRateCurve.context(false, "site" + i + ".example", 300, 250, 1), 1.0, i % 2 == 0);
        }
        assertEquals(3, curve.contexts());
        assertEquals(7, curve.untracked());
        curve.refresh();
        assertTrue(curve.trained(), "all ten notices trained the bidder-wide curve");
    }

    @Test
    void contextKeysSeparateSitesAppsPublishersAndFormatsAndAreNeverTheNoContextKey() {
        final java.util.Set<Long> keys = new java.util.HashSet<>();
        final String[] publishers = {null, "", "a.example", "b.example", "com.example.app"};
        final int[][] formats = {{300, 250, 1}, {250, 300, 1}, {728, 90, 1}, {640, 480, 2}, {0, 0, 4}};
        for (int p = 0; p < publishers.length * 2; p++) {
            final boolean app = p >= publishers.length;
            final String publisher = publishers[p % publishers.length];
            for (final int[] f : formats) {
                final long key = WinRateCurve.context(app, publisher, f[0], f[1], f[2]);
                final String what = (app ? "app " : "site ") + publisher + " " + java.util.Arrays.toString(f);
                assertTrue(key != WinRateCurve.NO_CONTEXT, what);
                assertTrue(keys.add(key), "distinct: " + what);
                final String copy = publisher == null ? null : new String(publisher.toCharArray());
                assertEquals(key, WinRateCurve.context(app, copy, f[0], f[1], f[2]), "stable: " + what);
            }
        }
    }
}
