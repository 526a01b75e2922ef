package io.arbiter.loadtest.run;

/**
 * One interval of the measured run: when it ended, how many answers and errors it saw, and its
 * corrected (p50 .. max) and service (p50, p99) latency in microseconds.
 *
 * @param endSeconds seconds since the end of warm-up
 */
public record IntervalRow(double endSeconds, double lengthSeconds, long responses, long errors,
                          double p50, double p90, double p99, double p999, double max,
                          double serviceP50, double serviceP99, long backlogDepth) {

    public double throughput() {
        return lengthSeconds > 0 ? responses / lengthSeconds : 0;
    }
}
