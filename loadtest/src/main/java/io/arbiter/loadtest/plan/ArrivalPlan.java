package io.arbiter.loadtest.plan;

/**
 * The open-loop send plan: the intended send times of successive requests, fixed in advance and
 * independent of how fast the server answers. Latency is measured from these times, so a server
 * that stalls cannot slow the plan down and hide its own stall (coordinated omission).
 *
 * <p>Times are nanosecond offsets from the start of the run. One plan belongs to one worker and is
 * used from its event loop only.
 */
public interface ArrivalPlan {

    /** @return the intended send time of the next request, in nanoseconds after the start. */
    long nextOffsetNanos();

    /** The kinds of arrival process a run can ask for. */
    enum Kind {
        CONSTANT, POISSON
    }

    /**
     * @param ratePerSecond this plan's share of the total rate
     * @param phaseNanos    first send offset; workers stagger constant plans so they interleave
     */
    static ArrivalPlan create(Kind kind, double ratePerSecond, long phaseNanos, long seed) {
        return switch (kind) {
            case CONSTANT -> new ConstantArrivalPlan(ratePerSecond, phaseNanos);
            case POISSON -> new PoissonArrivalPlan(ratePerSecond, phaseNanos, seed);
        };
    }
}
