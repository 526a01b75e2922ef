package io.arbiter.loadtest.run;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Histogram conventions for the whole tool: values in microseconds, 1 us to 1 hour, 3 significant
 * digits (so a 1.234 ms value is kept as 1.23x ms, and a 1 hour value within 3.6 s).
 */
public final class Histograms {
    public static final long HIGHEST_MICROS = 3_600_000_000L;
    public static final int DIGITS = 3;

    private Histograms() {
    }

    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_MICROS, DIGITS);
    }

    static SingleWriterRecorder newRecorder() {
        return new SingleWriterRecorder(1, HIGHEST_MICROS, DIGITS);
    }

    /** Rounds nanoseconds to microseconds and clamps into the trackable range. */
    static long toMicros(long nanos) {
        final long micros = (nanos + 500) / 1000;
        return micros < 0 ? 0 : Math.min(micros, HIGHEST_MICROS);
    }
}
