package io.arbiter.loadtest.run;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One {@link SingleWriterRecorder} and the interval histogram it hands back. The worker's event
 * loop is the single writer; the reporter thread is the single reader, and gives the previous
 * interval histogram back to be recycled, so sampling allocates nothing once warm.
 */
final class IntervalSampler {
    private final SingleWriterRecorder recorder = Histograms.newRecorder();
    private Histogram recycled;

    /** Worker event loop only. */
    void record(long micros) {
        recorder.recordValue(micros);
    }

    /** Reporter thread only: moves what was recorded since the last call into {@code target}. */
    void drainInto(Histogram target) {
        recycled = recorder.getIntervalHistogram(recycled);
        target.add(recycled);
    }
}
