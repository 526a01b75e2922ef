package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLeases;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.LeaseStore;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSpec;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Keeps this node's budget leases ({@link LeaseStore}) on its own thread, {@value #THREAD}, never an event loop.
 * Every {@link BiddingConfig#leaseRoundMillis()} one round:
 * <ol>
 *   <li>gives back the leases of an earlier day (what was not spent of yesterday's is free again);</li>
 *   <li>renews today's leases with one heartbeat statement (reporting each campaign's spend of the day) and reads the
 *       other nodes' spend, which pacing adds to this node's exposure;</li>
 *   <li>takes a slice ({@code bidding.leaseSlice} of the daily budget, at least one maximum bid) for every active
 *       campaign whose unused lease is below one slice, a few times over if the campaign spends faster than a slice
 *       a round;</li>
 *   <li>in the last two rounds before midnight, takes the next day's first slice, so bidding goes on across
 *       midnight without waiting for a round (a node with many campaigns needs seconds to take them all).</li>
 * </ol>
 * Each round publishes the leases to {@link BudgetLeases}, which the bid path reads, with whether another node held an
 * unexpired lease of each campaign. A round that cannot reach Postgres marks the leases cut off and changes nothing
 * else: a campaign other nodes were live on goes on spending what it holds until its lease's validity ends; one this
 * node was alone on bids on the local ledger ({@link BudgetLeases}, "Standalone") until Postgres answers again and
 * the next round reports its spend.
 * {@link #close} gives back what is unspent.
 */
final class BudgetLeaseKeeper implements AutoCloseable {
    static final String THREAD = "arbiter-budget-leases";
    private static final System.Logger LOG = System.getLogger(BudgetLeaseKeeper.class.getName());
    /** Takes per campaign in one round at most (a campaign spending several slices a round catches up). */
    private static final int MAX_TAKES_PER_ROUND = 8;

    private final LeaseStore store;
    private final BudgetLeases leases;
    private final CampaignRegistry registry;
    private final BiddingConfig config;
    private final Clock clock;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, THREAD);
        t.setDaemon(true);
        return t;
    });
    /**
     * By ledger slot: no take before this {@link System#nanoTime} (a campaign whose budget was leased out waits; lease
     * thread only). Real time, like the rounds' schedule: it paces requests to Postgres, not the budget's day.
     */
    private final long[] nextTakeNanos;
    private volatile boolean reachable = true;
    // single writer (the lease thread, then close once it stopped); volatile for the metrics' readers
    private volatile long takenMicros;
    private volatile long returnedMicros;
    /**
     * By ledger slot: the unspent part of other nodes' lapsed leases of today as the last heartbeat or take read it
     * (held back, counted as spent until those nodes return; written by the lease thread, read by the metrics).
     */
    private final AtomicLongArray othersLapsedMicros;

    BudgetLeaseKeeper(LeaseStore store, BudgetLeases leases, CampaignRegistry registry, BiddingConfig config,
                      Clock clock) {
        this.store = Objects.requireNonNull(store);
        this.leases = Objects.requireNonNull(leases);
        this.registry = Objects.requireNonNull(registry);
        this.config = Objects.requireNonNull(config);
        this.clock = Objects.requireNonNull(clock);
        this.nextTakeNanos = new long[leases.capacity()];
        this.othersLapsedMicros = new AtomicLongArray(leases.capacity());
        java.util.Arrays.fill(nextTakeNanos, System.nanoTime()); // nanoTime's origin is arbitrary: start from now
    }

    /** Runs the first round (on the lease thread, waiting for it), then one every round period. */
    void start() throws InterruptedException {
        try {
            thread.submit(this::round).get(config.leaseTtlMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "budget leases: the first round failed (bidding waits for a lease): "
                + e);
        }
        thread.scheduleWithFixedDelay(this::round, config.leaseRoundMillis(), config.leaseRoundMillis(),
            TimeUnit.MILLISECONDS);
    }

    /**
     * Asks for a round now, on the lease thread, without waiting: a campaign published since the last round (created
     * here or arriving from another node) gets its first slice at once instead of up to a round period later.
     */
    void roundSoon() {
        try {
            thread.execute(this::round);
        } catch (RejectedExecutionException closing) {
            // closing: nothing more to lease
        }
    }

    /** One round (see the class comment). Runs on the lease thread; public to tests through the module. */
    synchronized void round() {
        final long started = clock.millis();
        final long day = Pacing.day(started);
        final BudgetLedger ledger = registry.ledger();
        try {
            giveBackEarlierDays(day);
            promoteEarlyLeases(day);
            final List<Campaign> held = new ArrayList<>();
            for (final Campaign campaign : registry.all()) {
                ledger.rollDay(campaign.slot(), day);
                final BudgetLeases.Lease lease = leases.get(campaign.slot());
                if (lease != null && lease.day() == day) {
                    held.add(campaign);
                }
            }
            heartbeat(held, day, started);
            final boolean beforeMidnight = (day + 1) * Pacing.DAY_MILLIS - started <= earlyMillis();
            for (final Campaign campaign : registry.all()) {
                final CampaignSpec spec = campaign.spec();
                if (spec.active() && spec.dailyBudgetMicros() > 0) {
                    takeWhileShort(campaign, day);
                    if (beforeMidnight) {
                        takeEarly(campaign, day + 1);
                    }
                } else {
                    giveBackPaused(campaign, day);
                }
            }
            if (!reachable) {
                LOG.log(System.Logger.Level.INFO, "budget leases: Postgres answers again (leases reconciled; "
                    + "standalone bidding ended)");
            }
            reachable = true;
            leases.cutOff(false);
        } catch (RuntimeException e) {
            leases.cutOff(true);
            if (reachable) {
                final List<String> alone = new ArrayList<>();
                final List<String> shared = new ArrayList<>();
                for (final Campaign campaign : registry.all()) {
                    (leases.standalone(campaign.slot()) ? alone : shared).add(campaign.id());
                }
                LOG.log(System.Logger.Level.WARNING, "budget leases: cannot reach Postgres: " + e + "; standalone "
                    + "(alone at the last round, bidding on the local ledger up to the daily budget less the others' "
                    + "last reported spend): " + alone + "; shared (bidding on the leases held until they lapse, "
                    + "leaseTtl " + config.leaseTtlMillis() + " ms after the last round): " + shared);
            }
            reachable = false;
        }
    }

    private void giveBackEarlierDays(long day) {
        for (final Campaign campaign : registry.all()) {
            final BudgetLeases.Lease lease = leases.get(campaign.slot());
            if (lease != null && lease.day() < day) {
                // Yesterday's spend as last reported: the ledger's daily counters have moved to today already.
                store.giveBack(campaign.id(), lease.day(), lease.reportedSpentMicros());
                returnedMicros += Math.max(0, lease.leasedMicros() - lease.reportedSpentMicros());
                leases.set(campaign.slot(), null);
                othersLapsedMicros.set(campaign.slot(), 0);
            }
        }
    }

    /**
     * How long before midnight the next day's first slice is taken: two rounds, so at least one round falls in the
     * window, and the bid path can use it from the first millisecond of the day.
     */
    private long earlyMillis() {
        return 2 * config.leaseRoundMillis();
    }

    /**
     * A paused campaign (or one without a daily budget) bids nothing here: what this node holds of it beyond its spend
     * is given back, so the other nodes can use it; resumed, it takes afresh.
     */
    private void giveBackPaused(Campaign campaign, long day) {
        final BudgetLeases.Lease lease = leases.get(campaign.slot());
        if (lease == null || lease.day() != day) {
            return;
        }
        final long spent = registry.ledger().dailySpent(campaign.slot());
        store.giveBack(campaign.id(), day, spent);
        returnedMicros += Math.max(0, lease.leasedMicros() - spent);
        leases.set(campaign.slot(), null);
        othersLapsedMicros.set(campaign.slot(), 0); // read again when it takes afresh
    }

    /** Makes the next day's early leases current once their day has come. */
    private void promoteEarlyLeases(long day) {
        for (final Campaign campaign : registry.all()) {
            final BudgetLeases.Lease early = leases.getNext(campaign.slot());
            if (early != null && early.day() <= day) {
                final BudgetLeases.Lease current = leases.get(campaign.slot());
                if (early.day() == day && (current == null || current.day() < day)) {
                    leases.set(campaign.slot(), early);
                }
                leases.setNext(campaign.slot(), null);
            }
        }
    }

    /** Takes the first slice of {@code nextDay} unless this node holds one already. */
    private void takeEarly(Campaign campaign, long nextDay) {
        final BudgetLeases.Lease early = leases.getNext(campaign.slot());
        if (early != null && early.day() == nextDay) {
            return;
        }
        final long started = clock.millis();
        final LeaseStore.Grant grant = store.take(campaign.id(), nextDay, campaign.spec().dailyBudgetMicros(),
            sliceMicros(campaign.spec()), 0, config.leaseTtlMillis());
        takenMicros += grant.grantedMicros();
        leases.setNext(campaign.slot(), new BudgetLeases.Lease(nextDay, grant.leasedMicros(),
            grant.othersSpentMicros(), started + config.leaseTtlMillis(), 0, grant.othersLive()));
    }

    private void heartbeat(List<Campaign> held, long day, long started) {
        if (held.isEmpty()) {
            return;
        }
        final BudgetLedger ledger = registry.ledger();
        final List<String> ids = new ArrayList<>(held.size());
        final long[] spent = new long[held.size()];
        for (int i = 0; i < spent.length; i++) {
            ids.add(held.get(i).id());
            spent[i] = ledger.dailySpent(held.get(i).slot());
        }
        final Map<String, LeaseStore.Held> answer = store.heartbeat(day, ids, spent, config.leaseTtlMillis());
        for (int i = 0; i < spent.length; i++) {
            final Campaign campaign = held.get(i);
            final LeaseStore.Held h = answer.get(campaign.id());
            final BudgetLeases.Lease before = leases.get(campaign.slot());
            if (h == null) {
                leases.set(campaign.slot(), null); // the row is gone: take afresh
                continue;
            }
            if (h.leasedMicros() < before.leasedMicros()) {
                LOG.log(System.Logger.Level.WARNING, "budget leases: campaign '" + campaign.id() + "': this node's "
                    + "lease shrank (released by an operator, or recovered by a node of an earlier version, while it "
                    + "was lapsed: "
                    + before.leasedMicros() + " -> " + h.leasedMicros() + " micros)");
            }
            othersLapsedMicros.set(campaign.slot(), h.othersLapsedMicros());
            leases.set(campaign.slot(), new BudgetLeases.Lease(day, h.leasedMicros(), h.othersSpentMicros(),
                started + config.leaseTtlMillis(), spent[i], h.othersLive()));
        }
    }

    private void takeWhileShort(Campaign campaign, long day) {
        final BudgetLedger ledger = registry.ledger();
        final CampaignSpec spec = campaign.spec();
        final long slice = sliceMicros(spec);
        if (System.nanoTime() - nextTakeNanos[campaign.slot()] < 0) {
            return;
        }
        for (int n = 0; n < MAX_TAKES_PER_ROUND; n++) {
            final BudgetLeases.Lease lease = leases.get(campaign.slot());
            final long leased = lease != null && lease.day() == day ? lease.leasedMicros() : 0;
            if (lease != null && lease.day() == day && leased - ledger.dailyExposure(campaign.slot()) >= slice) {
                return; // at least a slice in hand
            }
            final long started = clock.millis();
            final long spent = ledger.dailySpent(campaign.slot());
            final LeaseStore.Grant grant = store.take(campaign.id(), day, spec.dailyBudgetMicros(), slice, spent,
                config.leaseTtlMillis());
            takenMicros += grant.grantedMicros();
            othersLapsedMicros.set(campaign.slot(), grant.lapsedMicros());
            leases.set(campaign.slot(), new BudgetLeases.Lease(day, grant.leasedMicros(), grant.othersSpentMicros(),
                started + config.leaseTtlMillis(), spent, grant.othersLive()));
            if (grant.grantedMicros() < slice) {
                // The budget is leased out: ask again only now and then (other nodes give back at a clean stop or
                // when a campaign is paused; lapsed leases stay committed), not once a round.
                nextTakeNanos[campaign.slot()] = System.nanoTime() + config.leaseTtlMillis() * 1_000_000L / 3;
                return;
            }
        }
    }

    /** One slice: {@code leaseSlice} of the daily budget, at least one maximum bid (a smaller one funds no bid). */
    long sliceMicros(CampaignSpec spec) {
        return Math.max(spec.maxBidMicros(), (long) Math.ceil(spec.dailyBudgetMicros() * config.leaseSlice()));
    }

    LeaseStore store() {
        return store;
    }

    boolean reachable() {
        return reachable;
    }

    /** Campaigns bidding on the local ledger now (Postgres away, no other node live on them at the last round). */
    int standalone() {
        if (reachable) {
            return 0;
        }
        int n = 0;
        for (final Campaign campaign : registry.all()) {
            if (leases.standalone(campaign.slot())) {
                n++;
            }
        }
        return n;
    }

    long takenMicros() {
        return takenMicros;
    }

    long returnedMicros() {
        return returnedMicros;
    }

    /** The unspent part of other nodes' lapsed leases of today, over every campaign, as last read. */
    long othersLapsedMicros() {
        long lapsed = 0;
        for (final Campaign campaign : registry.all()) {
            lapsed += othersLapsedMicros.get(campaign.slot());
        }
        return lapsed;
    }

    /** Leased money of today not spent or reserved yet, over every campaign. */
    long heldMicros() {
        final long day = Pacing.day(clock.millis());
        long held = 0;
        for (final Campaign campaign : registry.all()) {
            final BudgetLeases.Lease lease = leases.get(campaign.slot());
            if (lease != null && lease.day() == day) {
                held += Math.max(0, lease.leasedMicros() - registry.ledger().dailyExposure(campaign.slot()));
            }
        }
        return held;
    }

    /**
     * Stops the rounds and gives back what this node holds beyond its spend (a clean stop; after a crash the leases
     * lapse instead, and stay committed until the node returns). Called after the HTTP verticles are undeployed,
     * before the ledger closes.
     */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (this) {
            for (final Campaign campaign : registry.all()) {
                final BudgetLeases.Lease early = leases.getNext(campaign.slot());
                if (early != null) {
                    try {
                        store.giveBack(campaign.id(), early.day(), 0);
                        returnedMicros += early.leasedMicros();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "budget leases: cannot give back the next day's lease of "
                            + "campaign '" + campaign.id() + "' (it lapses after leaseTtl): " + e);
                    }
                    leases.setNext(campaign.slot(), null);
                }
                final BudgetLeases.Lease lease = leases.get(campaign.slot());
                if (lease == null) {
                    continue;
                }
                final long spent = lease.day() == registry.ledger().day(campaign.slot())
                    ? registry.ledger().dailySpent(campaign.slot()) : lease.reportedSpentMicros();
                try {
                    store.giveBack(campaign.id(), lease.day(), spent);
                    returnedMicros += Math.max(0, lease.leasedMicros() - spent);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "budget leases: cannot give back the lease of campaign '"
                        + campaign.id() + "' (it lapses after leaseTtl): " + e);
                }
                leases.set(campaign.slot(), null);
            }
        }
    }
}
