package io.arbiter.loadtest.plan;

/**
 * Evenly spaced sends: request {@code i} is due at {@code phase + i / rate}. Computed from the index
 * rather than by adding a rounded interval, so there is no drift over long runs.
 */
public final class ConstantArrivalPlan implements ArrivalPlan {
    private final double intervalNanos;
    private final long phaseNanos;
    private long index;

    public ConstantArrivalPlan(double ratePerSecond, long phaseNanos) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, was " + ratePerSecond);
        }
        this.intervalNanos = 1e9 / ratePerSecond;
        this.phaseNanos = phaseNanos;
    }

    @Override
    public long nextOffsetNanos() {
        return phaseNanos + (long) (index++ * intervalNanos);
    }
}
