package io.arbiter.server.bid.budget;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What this node holds of each campaign's daily budget, by ledger slot, as the bid path reads it: the money leased
 * from Postgres for the day ({@link LeaseStore}), the other nodes' reported spend (for pacing on the cluster's spend)
 * and until when the lease is safe to use.
 *
 * <p>Single writer (the lease thread), any number of readers: each slot holds an immutable {@link Lease}, replaced
 * whole by a release store, so a reader never sees the lease of one day with the validity of another. Reading
 * allocates nothing.
 *
 * <p><b>Validity.</b> A lease may be used until {@code ttl} after the start of the last round that reached Postgres
 * (measured on this node's clock). Postgres counts it lapsed only once {@code ttl} has passed after that round's
 * commit, which is later, so a node cut off from Postgres stops bidding on its lease before any other node can see it
 * lapsed (a lapsed lease stays committed in full, {@link LeaseStore}, but a node that sees no live lease of a campaign
 * may bid standalone on it when it loses Postgres in turn); until then it spends what it holds.
 */
public final class BudgetLeases {
    /**
     * One slot's lease: of UTC epoch {@code day}, in micro-units; usable until {@code validUntilMillis}; whether
     * another node held an unexpired lease of the campaign's day when this was read ({@code othersLive}).
     */
    public record Lease(long day, long leasedMicros, long othersSpentMicros, long validUntilMillis,
                        long reportedSpentMicros, boolean othersLive) {
    }

    /** What {@link #leased} answers for a standalone campaign: no lease bound (pacing's schedule binds). */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private final AtomicReferenceArray<Lease> leases;
    /** The next day's leases, taken in the last seconds before midnight so bidding goes on across it. */
    private final AtomicReferenceArray<Lease> next;
    private volatile boolean enforced;
    private volatile boolean cutOff;

    /** Leases for {@code capacity} ledger slots, not enforced until {@link #enforce} (a node without Postgres). */
    public BudgetLeases(int capacity) {
        this.leases = new AtomicReferenceArray<>(capacity);
        this.next = new AtomicReferenceArray<>(capacity);
    }

    /** From now on reservations must fit in the leases (the lease thread has started). */
    public void enforce() {
        enforced = true;
    }

    /** Whether reservations are bounded by the leases. */
    public boolean enforced() {
        return enforced;
    }

    /** Whether the last lease round failed to reach Postgres (set by the lease thread). */
    public void cutOff(boolean cutOff) {
        this.cutOff = cutOff;
    }

    public boolean cutOff() {
        return cutOff;
    }

    /**
     * The daily exposure this node may reach for the slot on {@code day} at {@code nowMillis}: its lease, or 0 when it
     * holds none for that day or the lease may have lapsed; {@link #UNBOUNDED} when the slot is standalone.
     */
    public long leased(int slot, long day, long nowMillis) {
        if (cutOff && alone(slot)) {
            return UNBOUNDED;
        }
        final Lease lease = of(slot, day);
        return lease != null && nowMillis < lease.validUntilMillis() ? lease.leasedMicros() : 0;
    }

    /** Whether the slot bids on its own ledger now: Postgres is away and no other node was live on it last round. */
    public boolean standalone(int slot) {
        return cutOff && alone(slot);
    }

    /** Whether the slot's last lease record(s) saw no other node live: it holds a record and none saw one. */
    private boolean alone(int slot) {
        final Lease lease = leases.get(slot);
        final Lease early = next.get(slot);
        return (lease != null || early != null) && (lease == null || !lease.othersLive())
            && (early == null || !early.othersLive());
    }

    /** The other nodes' spend of the slot's campaign on {@code day} as last read (0 if unknown). */
    public long othersSpent(int slot, long day) {
        final Lease lease = of(slot, day);
        return lease != null ? lease.othersSpentMicros() : 0;
    }

    private Lease of(int slot, long day) {
        final Lease lease = leases.get(slot);
        if (lease != null && lease.day() == day) {
            return lease;
        }
        final Lease early = next.get(slot); // just past midnight, before the lease thread has moved it over
        return early != null && early.day() == day ? early : null;
    }

    /** The slot's lease of the next day, taken early, or null. */
    public Lease getNext(int slot) {
        return next.get(slot);
    }

    /** Sets the slot's lease of the next day (the lease thread only). */
    public void setNext(int slot, Lease lease) {
        next.set(slot, lease);
    }

    /** The slot's current lease record, or null. */
    public Lease get(int slot) {
        return leases.get(slot);
    }

    /** Replaces the slot's lease (the lease thread only). */
    public void set(int slot, Lease lease) {
        leases.set(slot, lease); // volatile store: readers see the whole record or the previous one
    }

    public int capacity() {
        return leases.length();
    }
}
