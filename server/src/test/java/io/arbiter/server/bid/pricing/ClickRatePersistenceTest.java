package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The click-rate multipliers' counts live in a memory-mapped file, so the multipliers survive a restart: after a clean
 * close every multiplier is identical; after a SIGKILL of the process that was writing them the file holds every
 * notice applied before the kill, the one in flight at most partly (the page cache outlives the process). Only a power
 * loss can take more: what was not yet flushed, at most one flush interval ({@code BidModule.FLUSH_MILLIS}, 10 s) of
 * notices. A file that is not a counts file of this layout stops the open with its name and is left as it was.
 */
class ClickRatePersistenceTest {
    static final double STRENGTH = 50;
    private static final int MAX_CONTEXTS = 256;
    private static final int CAMPAIGNS = 4;
    private static final int SITES = 12;

    /** The context of site {@code site} (a 300x250 banner). */
    static long site(int site) {
        return WinRateCurve.context(false, "s" + site + ".example", 300, 250, 1);
    }

    /**
     * The seeded notice sequence both the killed process and the reference replay: a billed impression of one of
     * four campaigns on one of twelve sites, or (one in ten) a click, likelier on the lower-numbered sites.
     */
    static void notice(ClickRateContexts contexts, SplittableRandom rng) {
        final int campaign = rng.nextInt(CAMPAIGNS);
        final int site = rng.nextInt(SITES);
        if (rng.nextInt(10) == 0 && rng.nextInt(SITES) >= site) {
            contexts.click(campaign, site(site));
        } else {
            contexts.impression(campaign, site(site));
        }
    }

    private static double[] multipliers(ClickRateContexts contexts) {
        final double[] m = new double[CAMPAIGNS * SITES];
        for (int c = 0; c < CAMPAIGNS; c++) {
            for (int s = 0; s < SITES; s++) {
                m[c * SITES + s] = contexts.multiplier(c, site(s));
            }
        }
        return m;
    }

    @Test
    void aCleanRestartKeepsEveryMultiplierExactly(@TempDir Path dir) {
        final Path file = dir.resolve("clickrate.counts");
        final ClickRateContexts contexts = ClickRateContexts.mapFile(file, MAX_CONTEXTS, STRENGTH);
        final SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            notice(contexts, rng);
        }
        final double[] before = multipliers(contexts);
        final int size = contexts.size();
        assertEquals(CAMPAIGNS * (SITES + 1), size, "every campaign's sites and totals");
        assertTrue(Arrays.stream(before).min().orElseThrow() < 0.8 && Arrays.stream(before).max().orElseThrow() > 1.2,
            "the sites learned multipliers away from 1: " + Arrays.toString(before));
        contexts.close();

        final ClickRateContexts reopened = ClickRateContexts.mapFile(file, MAX_CONTEXTS, STRENGTH);
        assertTrue(reopened.wasCleanlyClosed());
        assertEquals(size, reopened.size());
        assertArrayEquals(before, multipliers(reopened), 0.0);
        reopened.close();
    }

    @Test
    void aFileOfAnotherSizeKeepsItsSizeAndItsMultipliers(@TempDir Path dir) {
        final Path file = dir.resolve("clickrate.counts");
        final ClickRateContexts small = ClickRateContexts.mapFile(file, 60, STRENGTH);
        final SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 5_000; i++) {
            notice(small, rng);
        }
        final double[] before = multipliers(small);
        small.close();
        final long length = file.toFile().length();

        final ClickRateContexts reopened = ClickRateContexts.mapFile(file, 4_096, STRENGTH); // ctrMaxContexts raised
        assertEquals(60, reopened.maxContexts(), "the file's own capacity");
        assertEquals(length, file.toFile().length(), "not resized");
        assertArrayEquals(before, multipliers(reopened), 0.0);
        for (int s = 100; s < 200; s++) { // new sites beyond the file's capacity count towards their campaign only
            reopened.impression(0, site(s));
        }
        assertEquals(60, reopened.size(), "bounded by the file's capacity, not the one asked for");
        reopened.close();
    }

    @Test
    void aForeignOrBrokenFileStopsTheOpenWithItsNameAndIsLeftAsItWas(@TempDir Path dir) throws Exception {
        final Path foreign = dir.resolve("foreign.counts");
        WinRateCounts.mapFile(foreign, 16, 0).close(); // another structure's file under this name
        final byte[] foreignBytes = Files.readAllBytes(foreign);
        final IllegalStateException notOurs = assertThrows(IllegalStateException.class,
            () -> ClickRateContexts.mapFile(foreign, MAX_CONTEXTS, STRENGTH));
        assertEquals(foreign + " is not a click-rate contexts file (bad magic)", notOurs.getMessage());
        assertArrayEquals(foreignBytes, Files.readAllBytes(foreign), "left unchanged");

        final Path inconsistent = dir.resolve("inconsistent.counts");
        ClickRateContexts.mapFile(inconsistent, MAX_CONTEXTS, STRENGTH).close();
        putInt(inconsistent, ClickRateContextsDescriptor.MAX_CONTEXTS_OFFSET, MAX_CONTEXTS * 4); // slots too few
        final IllegalStateException torn = assertThrows(IllegalStateException.class,
            () -> ClickRateContexts.mapFile(inconsistent, MAX_CONTEXTS, STRENGTH));
        assertEquals(inconsistent + " has an inconsistent click-rate contexts file header", torn.getMessage());

        final Path truncated = dir.resolve("truncated.counts");
        ClickRateContexts.mapFile(truncated, MAX_CONTEXTS, STRENGTH).close();
        try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            channel.truncate(ClickRateContextsDescriptor.length(64));
        }
        final IllegalStateException shortFile = assertThrows(IllegalStateException.class,
            () -> ClickRateContexts.mapFile(truncated, MAX_CONTEXTS, STRENGTH));
        assertTrue(shortFile.getMessage().startsWith(truncated + " is truncated"), shortFile.getMessage());

        final Path zeros = dir.resolve("zeros.counts");
        Files.write(zeros, new byte[4096]); // a creation torn before its magic was written
        assertThrows(IllegalStateException.class, () -> ClickRateContexts.mapFile(zeros, MAX_CONTEXTS, STRENGTH));
    }

    @Test
    void anUncleanOpenRecountsThePairsClaimed(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("clickrate.counts");
        final ClickRateContexts contexts = ClickRateContexts.mapFile(file, 8, STRENGTH);
        for (int s = 0; s < 3; s++) {
            contexts.impression(0, site(s));
        }
        assertEquals(4, contexts.size(), "three sites and the campaign's totals");
        contexts.close();
        // a kill between taking a place and claiming a key leaves the count of claimed pairs one too high, every time
        putLong(file, ClickRateContextsDescriptor.USED_OFFSET, 8);
        putLong(file, ClickRateContextsDescriptor.CLEAN_CLOSE_OFFSET, 0);

        final ClickRateContexts reopened = ClickRateContexts.mapFile(file, 8, STRENGTH);
        assertFalse(reopened.wasCleanlyClosed());
        assertEquals(4, reopened.size(), "recounted from the keys");
        reopened.impression(0, site(3));
        assertEquals(1, reopened.impressions(0, site(3)), "the places the kill took are free again");
        reopened.close();
    }

    @Test
    void afterASigkillTheFileHoldsEveryNoticeAppliedBeforeIt(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("clickrate.counts");
        final long reported = Sigkill.afterApplied(ClickRateKillTarget.class, 200_000, file.toString(),
            Integer.toString(MAX_CONTEXTS));

        final ClickRateContexts killed = ClickRateContexts.mapFile(file, MAX_CONTEXTS, STRENGTH);
        assertFalse(killed.wasCleanlyClosed(), "a killed writer never closed it");
        long total = 0; // every notice adds to its campaign's totals first
        for (int c = 0; c < CAMPAIGNS; c++) {
            total += killed.impressions(c, 0) + killed.clicks(c, 0);
        }
        assertTrue(total >= reported, "every notice reported applied is there: " + total + " >= " + reported);
        // The same seeded notices, replayed into memory, give the same counts up to the one notice in flight.
        final ClickRateContexts reference = new ClickRateContexts(MAX_CONTEXTS, STRENGTH);
        final SplittableRandom rng = new SplittableRandom(ClickRateKillTarget.SEED);
        for (long i = 0; i < total; i++) {
            notice(reference, rng);
        }
        assertEquals(reference.size(), killed.size());
        long difference = 0;
        for (int c = 0; c < CAMPAIGNS; c++) {
            for (int s = -1; s < SITES; s++) {
                final long context = s < 0 ? 0 : site(s);
                difference += Math.abs(reference.impressions(c, context) - killed.impressions(c, context))
                    + Math.abs(reference.clicks(c, context) - killed.clicks(c, context));
            }
        }
        assertTrue(difference <= 1, "at most the one notice in flight (its site's count) differs: " + difference);
        final double[] expected = multipliers(reference);
        final double[] found = multipliers(killed);
        for (int i = 0; i < expected.length; i++) { // one notice in 200,000 moves a multiplier by far less than 1%
            assertEquals(expected[i], found[i], 0.01 * expected[i], "campaign " + i / SITES + ", site " + i % SITES);
        }
        killed.close();
    }

    private static void putInt(Path file, int offset, int value) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value), offset);
        }
    }

    private static void putLong(Path file, int offset, long value) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value), offset);
        }
    }
}
