package io.arbiter.loadtest.plan;

import java.util.SplittableRandom;

/**
 * Poisson arrivals: gaps are exponentially distributed with mean {@code 1 / rate}, like independent
 * users. Bursts happen by chance, which a constant plan never produces. Seeded, so a run can be
 * repeated exactly.
 */
public final class PoissonArrivalPlan implements ArrivalPlan {
    private final double meanGapNanos;
    private final SplittableRandom random;
    private double offsetNanos;

    public PoissonArrivalPlan(double ratePerSecond, long phaseNanos, long seed) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, was " + ratePerSecond);
        }
        this.meanGapNanos = 1e9 / ratePerSecond;
        this.random = new SplittableRandom(seed);
        this.offsetNanos = phaseNanos;
    }

    @Override
    public long nextOffsetNanos() {
        final long due = (long) offsetNanos;
        // Inverse-transform sampling; 1 - u is in (0, 1], so the log is finite.
        offsetNanos += -Math.log(1.0 - random.nextDouble()) * meanGapNanos;
        return due;
    }
}
