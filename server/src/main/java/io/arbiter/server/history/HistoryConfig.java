package io.arbiter.server.history;

import io.arbiter.server.config.ConfigReader;

import java.time.Duration;

/**
 * The {@code history} section: how often experiments and campaigns are sampled and how long their points are kept.
 *
 * @param sampleMillis  time between two samples (the fine points)
 * @param finePoints    fine points kept per series (fine window / sample interval)
 * @param coarseEvery   every how many samples a coarse point is kept (coarse interval / sample interval)
 * @param coarsePoints  coarse points kept per series (coarse window / coarse interval)
 * @param maxVariants   variants of an experiment kept in its history (the first ones of its definition)
 * @param maxSeries     experiments plus campaigns with a history; further ones have none (and are counted)
 */
public record HistoryConfig(long sampleMillis, int finePoints, int coarseEvery, int coarsePoints, int maxVariants,
                            int maxSeries) {

    /** Reads and finishes the section. */
    public static HistoryConfig read(ConfigReader section) {
        final long sample = section.duration("sampleInterval", Duration.ofSeconds(10), Duration.ofMillis(100))
            .toMillis();
        final long fineWindow = section.duration("fineWindow", Duration.ofHours(1), Duration.ofMillis(sample))
            .toMillis();
        final long coarseInterval = section.duration("coarseInterval", Duration.ofMinutes(5),
            Duration.ofMillis(sample)).toMillis();
        final long coarseWindow = section.duration("coarseWindow", Duration.ofHours(24),
            Duration.ofMillis(coarseInterval)).toMillis();
        final int maxVariants = section.integer("maxVariants", 16, 1, 256);
        final int maxSeries = section.integer("maxSeries", 200, 0, 100_000);
        final long finePoints = fineWindow / sample + 1;
        final long coarsePoints = coarseWindow / coarseInterval + 1;
        if (finePoints > 100_000 || coarsePoints > 100_000) {
            throw section.fail("fineWindow", "and coarseWindow must hold at most 100000 points each (window / "
                + "interval), were " + finePoints + " and " + coarsePoints);
        }
        section.finish();
        return new HistoryConfig(sample, (int) finePoints, (int) Math.max(1, coarseInterval / sample),
            (int) coarsePoints, maxVariants, maxSeries);
    }

    /** The most memory one series can hold: both rings of its widest row. */
    public long maxBytesPerSeries() {
        final int widest = Math.max(HistoryModule.CAMPAIGN_COLUMNS, 1 + HistoryModule.VARIANT_COLUMNS * maxVariants);
        return 8L * (finePoints + coarsePoints) * (widest + 1);
    }
}
