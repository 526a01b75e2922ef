package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickRateContextsTest {
    private static final long GOOD = 0x1234_5678_9ABCL;
    private static final long POOR = 0x0FED_CBA9_8765L;

    /** Impressions in {@code context} with clicks drawn at {@code rate} (seeded). */
    private static void play(ClickRateContexts contexts, int slot, long context, int impressions, double rate,
                             SplittableRandom rng) {
        for (int i = 0; i < impressions; i++) {
            contexts.impression(slot, context);
            if (rng.nextDouble() < rate) {
                contexts.click(slot, context);
            }
        }
    }

    @Test
    void aBusyContextsMultiplierIsItsRateOverTheCampaignsRate() {
        final long seed = 19;
        final ClickRateContexts contexts = new ClickRateContexts(64, 100);
        final SplittableRandom rng = new SplittableRandom(seed);
        play(contexts, 3, GOOD, 100_000, 0.03, rng);
        play(contexts, 3, POOR, 100_000, 0.01, rng);
        // campaign rate ~0.02: the good context ~1.5x, the poor one ~0.5x
        assertEquals(1.5, contexts.multiplier(3, GOOD), 0.05, "seed " + seed);
        assertEquals(0.5, contexts.multiplier(3, POOR), 0.05, "seed " + seed);
        assertEquals(200_000, contexts.impressions(3, 0), "campaign totals count every context");
        assertEquals(1.0, contexts.multiplier(3, 0xABCDL), 0.0, "a context never seen bids the campaign's rate");
        assertEquals(1.0, contexts.multiplier(4, GOOD), 0.0, "another campaign's context is its own");
    }

    @Test
    void aSparseContextStaysNearTheCampaignsRateByTheStrength() {
        final ClickRateContexts weak = new ClickRateContexts(64, 10);
        final ClickRateContexts strong = new ClickRateContexts(64, 10_000);
        for (final ClickRateContexts contexts : new ClickRateContexts[] {weak, strong}) {
            play(contexts, 0, POOR, 50_000, 0.01, new SplittableRandom(5));
            for (int i = 0; i < 100; i++) { // 100 impressions, 5 clicks: 5% where the campaign gets ~1%
                contexts.impression(0, GOOD);
                if (i % 20 == 0) {
                    contexts.click(0, GOOD);
                }
            }
        }
        assertTrue(weak.multiplier(0, GOOD) > 3, "strength 10: mostly its own rate: " + weak.multiplier(0, GOOD));
        assertTrue(strong.multiplier(0, GOOD) < 1.1, "strength 10,000: about the campaign's rate: "
            + strong.multiplier(0, GOOD));
        assertTrue(weak.multiplier(0, 0xBADL) == 1.0 && strong.multiplier(0, GOOD) > 1.0);
    }

    @Test
    void theMultiplierIsBounded() {
        final ClickRateContexts contexts = new ClickRateContexts(64, 1);
        play(contexts, 0, POOR, 100_000, 0.0, new SplittableRandom(1));
        play(contexts, 0, GOOD, 1_000, 1.0, new SplittableRandom(1));
        assertEquals(ClickRateContexts.MIN_MULTIPLIER, contexts.multiplier(0, POOR), 0.0);
        assertEquals(ClickRateContexts.MAX_MULTIPLIER, contexts.multiplier(0, GOOD), 0.0);
    }

    @Test
    void atMostMaxContextsPairsAreTrackedAndTheRestCountOnlyTowardsTheirCampaign() {
        final ClickRateContexts contexts = new ClickRateContexts(5, 100); // campaign total + 4 contexts
        for (long context = 1; context <= 50; context++) {
            contexts.impression(7, context);
            contexts.click(7, context);
        }
        assertEquals(5, contexts.size());
        assertEquals(50, contexts.impressions(7, 0), "every notice reached the campaign's totals");
        int tracked = 0;
        for (long context = 1; context <= 50; context++) {
            tracked += contexts.impressions(7, context) > 0 ? 1 : 0;
        }
        assertEquals(4, tracked);
        assertEquals(1.0, contexts.multiplier(7, 50), 0.0, "an untracked context bids at the campaign's rate");
        final ClickRateContexts none = new ClickRateContexts(0, 100);
        none.impression(1, GOOD);
        none.click(1, GOOD);
        assertEquals(1.0, none.multiplier(1, GOOD), 0.0, "0 contexts: every multiplier is 1");
        assertEquals(0, none.size());
        assertThrows(IllegalArgumentException.class, () -> new ClickRateContexts(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClickRateContexts(-1, 10));
    }

    @Test
    void concurrentNoticesLoseNoCount() throws Exception {
        final ClickRateContexts contexts = new ClickRateContexts(1024, 100);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final java.util.List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500_000; i++) {
                        // every thread claims the same contexts, racing, then adds to the same few counts
                        final long context = i < 300 ? 1 + i : 1 + i % 3;
                        contexts.impression(2, context);
                        if (i % 10 == 0) {
                            contexts.click(2, context);
                        }
                    }
                }));
            }
            for (final Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2_000_000, contexts.impressions(2, 0));
        assertEquals(200_000, contexts.clicks(2, 0));
        long impressions = 0;
        long clicks = 0;
        for (long context = 1; context <= 300; context++) {
            impressions += contexts.impressions(2, context);
            clicks += contexts.clicks(2, context);
        }
        assertEquals(2_000_000, impressions);
        assertEquals(200_000, clicks);
        assertEquals(301, contexts.size(), "each pair claimed once");
    }
}
