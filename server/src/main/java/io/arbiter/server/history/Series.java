package io.arbiter.server.history;

import java.util.List;

/**
 * One experiment's or campaign's history: a row of numbers per sample in a fine ring (every sample) and a coarse one
 * (every {@code coarseEvery}-th sample). Counters are stored as they are (cumulative), so a coarse row is simply a
 * fine sample kept longer, and rates over any interval are differences of two rows. The columns are fixed for the
 * life of the series; when they change (variants added or removed) the owner starts a new series.
 */
final class Series {
    private final List<String> labels;
    private final SeriesRing fine;
    private final SeriesRing coarse;
    private final int coarseEvery;
    private long samples;

    Series(List<String> labels, int width, int fineCapacity, int coarseCapacity, int coarseEvery) {
        this.labels = List.copyOf(labels);
        this.fine = new SeriesRing(fineCapacity, width);
        this.coarse = new SeriesRing(coarseCapacity, width);
        this.coarseEvery = coarseEvery;
    }

    /** What the columns are about (the variants of an experiment, empty for a campaign). */
    List<String> labels() {
        return labels;
    }

    synchronized void add(long timeMillis, double[] row) {
        fine.add(timeMillis, row);
        if (samples % coarseEvery == 0) {
            coarse.add(timeMillis, row);
        }
        samples++;
    }

    /** Runs {@code reader} on the fine or coarse ring while no sample is added. */
    synchronized <T> T read(boolean coarseRing, java.util.function.Function<SeriesRing, T> reader) {
        return reader.apply(coarseRing ? coarse : fine);
    }

    /** Bytes held by the two rings' arrays. */
    long bytes() {
        return 8L * (fine.capacity() + coarse.capacity()) * (fine.width() + 1);
    }
}
