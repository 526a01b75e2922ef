package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The win-rate counts live in a memory-mapped file, so the learned curves survive a restart: after a clean close the
 * reopened curves are identical (every fitted value, every context); after a SIGKILL of the process that was writing
 * them the file holds every notice applied before the kill, the one in flight at most partly (the page cache outlives
 * the process). Only a power loss can take more: what was not yet flushed, at most one flush interval
 * ({@code BidModule.FLUSH_MILLIS}, 10 s) of notices.
 */
class WinRatePersistenceTest {
    private static final int MAX_CONTEXTS = 64;

    /** The seeded notice sequence both the killed process and the reference replay: 6 publishers, 3 devices. */
    static void notice(WinRateCurve curve, SplittableRandom rng) {
        final long context = WinRateCurve.context(false, "p" + rng.nextInt(6) + ".example", 300, 250, 1);
        final double bid = 0.2 + 10 * rng.nextDouble();
        curve.observe(context, 1 + rng.nextInt(3), rng.nextInt(24), bid, bid > 3 * rng.nextDouble() + 1);
    }

    @Test
    void aCleanRestartKeepsEveryCurveExactly(@TempDir Path dir) {
        final Path file = dir.resolve("winrate.counts");
        final long now = 1_795_392_000_000L;
        final WinRateCounts counts = WinRateCounts.mapFile(file, MAX_CONTEXTS, now);
        final WinRateCurve curve = new WinRateCurve(counts, 0.8, 200, 20, 3_600_000);
        final SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            notice(curve, rng);
        }
        curve.refresh(now + 60_000);
        assertTrue(curve.trained());
        final int contexts = curve.contexts();
        assertTrue(contexts > 30, "three levels of contexts: " + contexts);
        final long[] keys = new long[contexts];
        final double[][] before = new double[contexts + 1][];
        final int[] index = {0};
        for (int level = 1; level <= 3; level++) {
            counts.forEachContext(level, offset -> keys[index[0]++] = counts.key(offset));
        }
        for (int i = 0; i < contexts; i++) {
            before[i] = curve.fitted(keys[i]).clone();
        }
        before[contexts] = curve.fitted(WinRateCountsDescriptor.GLOBAL_KEY).clone();
        final double shadedBefore = curve.shade(keys[contexts - 1], 6.0, 0);
        counts.close();

        final WinRateCounts reopened = WinRateCounts.mapFile(file, MAX_CONTEXTS, now + 120_000);
        assertTrue(reopened.wasCleanlyClosed());
        final WinRateCurve restarted = new WinRateCurve(reopened, 0.8, 200, 20, 3_600_000);
        restarted.refresh(now + 60_000); // the same time: no further decay
        assertEquals(contexts, restarted.contexts());
        for (int i = 0; i < contexts; i++) {
            assertNotNull(restarted.fitted(keys[i]), "context " + Long.toHexString(keys[i]));
            assertArrayEquals(before[i], restarted.fitted(keys[i]), 0.0, "context " + Long.toHexString(keys[i]));
        }
        assertArrayEquals(before[contexts], restarted.fitted(WinRateCountsDescriptor.GLOBAL_KEY), 0.0);
        assertEquals(shadedBefore, restarted.shade(keys[contexts - 1], 6.0, 0), 0.0);
        reopened.close();
    }

    @Test
    void afterASigkillTheFileHoldsEveryNoticeAppliedBeforeIt(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("winrate.counts");
        final long reported = Sigkill.afterApplied(WinRateKillTarget.class, 30_000, file.toString(),
            Integer.toString(MAX_CONTEXTS));

        final WinRateCounts file1 = WinRateCounts.mapFile(file, MAX_CONTEXTS, 0);
        assertFalse(file1.wasCleanlyClosed(), "a killed writer never closed it");
        final double total = file1.totalBids(WinRateCounts.GLOBAL); // the bidder-wide record counts first
        assertTrue(total >= reported, "every notice reported applied is there: " + total + " >= " + reported);
        // The same seeded notices, replayed into memory, give the same counts up to the one notice in flight.
        final WinRateCounts reference = WinRateCounts.allocateDirect(MAX_CONTEXTS, 0);
        final WinRateCurve replay = new WinRateCurve(reference, 0.8, 200, 20, 0);
        final SplittableRandom rng = new SplittableRandom(WinRateKillTarget.SEED);
        for (long i = 0; i < (long) total; i++) {
            notice(replay, rng);
        }
        assertEquals(reference.contexts(), file1.contexts(), 1.0);
        double difference = 0;
        for (int level = 1; level <= 3; level++) {
            final double[] sum = {0};
            reference.forEachContext(level, offset -> {
                final int other = file1.find(reference.key(offset));
                for (int b = 0; b < WinRateCurve.BUCKETS; b++) {
                    sum[0] += Math.abs(reference.bids(offset, b) - (other < 0 ? 0 : file1.bids(other, b)))
                        + Math.abs(reference.wins(offset, b) - (other < 0 ? 0 : file1.wins(other, b)));
                }
            });
            difference += sum[0];
        }
        assertTrue(difference <= 6, "at most the one notice in flight (3 contexts x win and bid) differs: "
            + difference);
        file1.close();
    }
}
