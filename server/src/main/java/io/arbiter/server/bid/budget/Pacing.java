package io.arbiter.server.bid.budget;

/**
 * Pacing: spreads each campaign's daily budget evenly over the (UTC) day with two mechanisms.
 *
 * <ol>
 *   <li><b>Schedule gate (hard).</b> A bid may reserve budget only while the campaign's exposure (spend plus
 *       outstanding reservations) stays below the even schedule {@code daily * elapsed / day} plus a small allowance
 *       ({@code allowanceFraction * daily}, at least one maximum bid). This bounds how far ahead of schedule spend
 *       can ever be, whatever the traffic does.</li>
 *   <li><b>Bid modifier (controller).</b> Bids are {@code modifier * value}, with the modifier in [{@value #MIN},
 *       1]. Every control interval one thread (claimed by CAS in the ledger) updates it multiplicatively from the
 *       schedule error measured in control intervals' worth of budget: {@code e = (schedule - exposure) /
 *       (daily * interval / day)}, {@code modifier *= exp(gain * clamp(e, -3, 3))}. Ahead of schedule (the gate
 *       binding) lowers bids, so the campaign buys the cheaper impressions first; behind raises them. Lowering the
 *       bid rather than skipping requests is what a budget-constrained click maximiser should do (the optimal bid
 *       under a budget is the value scaled by a Lagrange multiplier), which is why this is a bid modifier and not a
 *       throttle.</li>
 * </ol>
 * The modifier and its next update time live in the ledger record, so pacing state survives a restart with the
 * spend.
 *
 * <p><b>Several nodes.</b> With {@link BudgetLeases}, both mechanisms look at the cluster's spend: this node's
 * exposure plus the other nodes' reported spend of the day (read by the lease thread about once a second), so every
 * node sees the same schedule error and the nodes together follow one schedule. And a reservation must also fit in
 * the money this node has leased ({@link #cap}).
 */
public final class Pacing {
    public static final long DAY_MILLIS = 86_400_000L;
    public static final double MIN = 0.02;
    /** The controller's gain before {@code bidding.pacingGain} existed, and the simulation's baselines' gain. */
    public static final double DEFAULT_GAIN = 0.08;

    private final BudgetLedger ledger;
    private final long intervalMillis;
    private final double allowanceFraction;
    private final BudgetLeases leases;
    private final double gain;

    /** Pacing on this node's own spend, with no leases (one node, simulations). */
    public Pacing(BudgetLedger ledger, long intervalMillis, double allowanceFraction) {
        this(ledger, intervalMillis, allowanceFraction, null, DEFAULT_GAIN);
    }

    /** Pacing on the cluster's spend, reservations bounded by what this node leased ({@code leases}; null: none). */
    public Pacing(BudgetLedger ledger, long intervalMillis, double allowanceFraction, BudgetLeases leases) {
        this(ledger, intervalMillis, allowanceFraction, leases, DEFAULT_GAIN);
    }

    /**
     * Pacing as above with the controller's {@code gain}: the change of the log bid modifier per interval's worth of
     * budget behind (or ahead of) schedule, each control interval.
     */
    public Pacing(BudgetLedger ledger, long intervalMillis, double allowanceFraction, BudgetLeases leases,
                  double gain) {
        if (!(gain > 0) || gain > 1) {
            throw new IllegalArgumentException("gain must be in (0, 1]: " + gain);
        }
        this.gain = gain;
        this.ledger = ledger;
        this.intervalMillis = intervalMillis;
        this.allowanceFraction = allowanceFraction;
        this.leases = leases;
    }

    public static long day(long nowMillis) {
        return Math.floorDiv(nowMillis, DAY_MILLIS);
    }

    /** The exposure the schedule allows at {@code nowMillis}. */
    public long scheduleCap(long dailyLimit, long maxBidMicros, long nowMillis) {
        final double elapsed = (double) Math.floorMod(nowMillis, DAY_MILLIS) / DAY_MILLIS;
        final long allowance = Math.max(maxBidMicros, (long) (dailyLimit * allowanceFraction));
        return Math.min(dailyLimit, (long) (dailyLimit * elapsed) + allowance);
    }

    /**
     * The daily exposure this node's reservations for the slot may reach now: the schedule's cap less the other nodes'
     * spend, and no more than this node's lease (without leases: the schedule's cap; standalone while Postgres is
     * away, {@link BudgetLeases}: the schedule's cap less the others' last reported spend).
     */
    public long cap(int slot, long dailyLimit, long maxBidMicros, long nowMillis) {
        final long schedule = scheduleCap(dailyLimit, maxBidMicros, nowMillis);
        if (leases == null || !leases.enforced()) {
            return schedule;
        }
        final long day = day(nowMillis);
        return Math.min(schedule - leases.othersSpent(slot, day), leases.leased(slot, day, nowMillis));
    }

    /**
     * Rolls the day if needed, runs the controller if its update is due, and returns the bid modifier to apply.
     */
    public double modifier(int slot, long dailyLimit, long nowMillis) {
        ledger.rollDay(slot, day(nowMillis));
        if (ledger.claimControl(slot, nowMillis, intervalMillis) && dailyLimit > 0) {
            final double elapsed = (double) Math.floorMod(nowMillis, DAY_MILLIS) / DAY_MILLIS;
            final double schedule = dailyLimit * elapsed;
            final double perInterval = (double) dailyLimit * intervalMillis / DAY_MILLIS;
            final long others = leases == null ? 0 : leases.othersSpent(slot, day(nowMillis));
            final double error = Math.max(-3, Math.min(3, (schedule - ledger.dailyExposure(slot) - others)
                / perInterval));
            final double next = Math.max(MIN, Math.min(1.0, ledger.modifier(slot) * Math.exp(gain * error)));
            ledger.setModifier(slot, next);
            return next;
        }
        return ledger.modifier(slot);
    }
}
