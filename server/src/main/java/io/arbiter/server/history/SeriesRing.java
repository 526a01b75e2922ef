package io.arbiter.server.history;

/**
 * A fixed number of rows of {@code width} numbers each, with their times, kept in one flat array as a ring: the
 * newest {@code capacity} rows are kept, older ones overwritten. Memory: {@code capacity * (width + 1) * 8} bytes,
 * allocated once. Written by one thread (the sampler); read by others under the owner's monitor.
 */
final class SeriesRing {
    private final int width;
    private final long[] times;
    private final double[] values;
    private int next;
    private int size;

    SeriesRing(int capacity, int width) {
        if (capacity < 1 || width < 1) {
            throw new IllegalArgumentException("capacity and width must be positive, were " + capacity + ", " + width);
        }
        this.width = width;
        this.times = new long[capacity];
        this.values = new double[capacity * width];
    }

    int width() {
        return width;
    }

    int capacity() {
        return times.length;
    }

    /** Rows kept, at most {@link #capacity()}. */
    int size() {
        return size;
    }

    /** Appends a row (its first {@code width} numbers), overwriting the oldest when full. */
    void add(long timeMillis, double[] row) {
        times[next] = timeMillis;
        System.arraycopy(row, 0, values, next * width, width);
        next = (next + 1) % times.length;
        size = Math.min(size + 1, times.length);
    }

    /** The time of the {@code i}-th row kept, oldest first. */
    long time(int i) {
        return times[slot(i)];
    }

    /** Column {@code column} of the {@code i}-th row kept, oldest first. */
    double value(int i, int column) {
        return values[slot(i) * width + column];
    }

    private int slot(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i + " of " + size);
        }
        return (next - size + i + times.length) % times.length;
    }
}
