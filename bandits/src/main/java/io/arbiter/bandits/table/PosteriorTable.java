package io.arbiter.bandits.table;

import io.arbiter.bandits.offheap.MappedFile;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static io.arbiter.bandits.table.ArmRecordDescriptor.DECAYED_WRITERS_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.DECAY_ERA_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.DECISIONS_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.ERA_HALF_LIVES;
import static io.arbiter.bandits.table.ArmRecordDescriptor.LAST_UPDATE_MILLIS_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.RECORD_LENGTH;
import static io.arbiter.bandits.table.ArmRecordDescriptor.REWARD_SQUARE_SUM_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.REWARD_SUM_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SLOT_0_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SLOT_LENGTH;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SLOT_REWARD_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SLOT_SQUARE_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SLOT_WEIGHT_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.SUCCESSES_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.TRIALS_OFFSET;
import static io.arbiter.bandits.table.ArmRecordDescriptor.slotOffset;
import static io.arbiter.bandits.table.TableHeaderDescriptor.ARMS_ALLOCATED_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.CAPACITY_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.EPOCH_MILLIS_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.HEADER_LENGTH;
import static io.arbiter.bandits.table.TableHeaderDescriptor.LAYOUT;
import static io.arbiter.bandits.table.TableHeaderDescriptor.RECORD_LENGTH_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.SKIPPED_DECAYED_UPDATES_OFFSET;


/**
 * Per-arm posterior statistics in off-heap memory: an Agrona {@link AtomicBuffer} over direct memory, or over a
 * memory-mapped file ({@link MappedFile}) so the state survives a restart (and a SIGKILL: the page cache outlives the
 * process).
 *
 * <p><b>Concurrency.</b> Every method may be called by any number of threads at once on any arm, except those whose
 * name ends in {@code Exclusive}, which need the arm to themselves (as Agrona's {@code AtomicCounter} pairs
 * {@code increment} with the single-writer {@code incrementRelease}). Every write is an atomic add
 * ({@code getAndAddLong}) or a compare-and-set loop on one 8-byte field; updates never lock, and wait only in the
 * rare decay-era switch below. Each field is
 * exact on its own; a reader that reads several fields of an arm while it is being updated may see one update applied
 * to some of them and not yet to others. That is harmless for sampling (it is one observation out of many), and it is
 * why nothing here pretends to offer a consistent multi-field snapshot.
 *
 * <p><b>Decayed sums</b> are documented in {@link ArmRecordDescriptor}. An update that races the switch of an arm
 * to a new decay era (once per {@value ArmRecordDescriptor#ERA_HALF_LIVES} half-lives per arm: the switching update
 * waits for the decayed updates already in flight on the arm, a few stores each unless their thread was descheduled,
 * then clears and publishes) or a {@link #clearDecayed} of the arm is not folded into the decayed sums (the exact
 * counters still take it) and is counted in {@link #skippedDecayedUpdates()}.
 */
public final class PosteriorTable implements AutoCloseable {
    private static final double LN2 = Math.log(2.0);
    /** Bounded wait of a reader that meets an era switch in progress (the switch itself is three stores). */
    private static final int SWITCH_SPINS = 100;
    /** A clearer spins this long on a switch or on writers in flight, then yields (they may have been descheduled). */
    private static final int CLEAR_SPINS = 1_000;

    private final AtomicBuffer buffer;
    private final MappedFile file;
    private final int capacity;
    private final long epochMillis;

    private PosteriorTable(AtomicBuffer buffer, MappedFile file) {
        this.buffer = buffer;
        this.file = file;
        this.capacity = buffer.getInt(CAPACITY_OFFSET);
        this.epochMillis = buffer.getLong(EPOCH_MILLIS_OFFSET);
    }

    /**
     * A table in direct (non-persistent) memory, aligned to the cache line.
     *
     * @param capacity    number of arms, 1 to {@link #maxCapacity()} (about 16.7 million: 128 bytes each, one buffer)
     * @param epochMillis origin of the decay weights in epoch milliseconds, any value; updates stamped before it count
     *                    as made at it. Choose it near the present: weights grow by 2 per half-life after it
     */
    public static PosteriorTable allocateDirect(int capacity, long epochMillis) {
        checkCapacity(capacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            (int) TableHeaderDescriptor.tableLength(capacity), ArmRecordDescriptor.CACHE_LINE_LENGTH));
        LAYOUT.initialise(buffer, b -> writeFields(b, capacity, epochMillis));
        return new PosteriorTable(buffer, null);
    }

    /**
     * A table on the Java heap (a {@code byte[]}): the same layout and the same atomic operations as
     * {@link #allocateDirect}, but not cache-line aligned and garbage-collected like any array. Cheap to create, which
     * is what concurrency tests need (jcstress makes millions of tables); the server uses direct or mapped tables.
     *
     * @param capacity    number of arms, 1 to {@link #maxCapacity()}
     * @param epochMillis origin of the decay weights in epoch milliseconds, any value
     */
    public static PosteriorTable allocateHeap(int capacity, long epochMillis) {
        checkCapacity(capacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int) TableHeaderDescriptor.tableLength(capacity)]);
        LAYOUT.initialise(buffer, b -> writeFields(b, capacity, epochMillis));
        return new PosteriorTable(buffer, null);
    }

    /**
     * Opens the table in {@code file}, creating it with {@code capacity} arms if it does not exist. An existing file
     * keeps its own capacity and epoch; a file that is not a table of this version is refused. Decayed updates that a
     * crash interrupted are tidied up (see {@link #recoverInterruptedUpdates}), so call this before sharing the table.
     *
     * @param file        the table file; its directory must exist
     * @param capacity    number of arms of a new file, 1 to {@link #maxCapacity()} (checked even when the file exists)
     * @param epochMillis origin of the decay weights of a new file, in epoch milliseconds
     * @throws IllegalStateException if the file exists but is not a valid table of this version
     */
    public static PosteriorTable mapFile(Path file, int capacity, long epochMillis) {
        checkCapacity(capacity);
        final MappedFile mapped = MappedFile.mapNewOrExisting(file, LAYOUT,
            TableHeaderDescriptor.tableLength(capacity), b -> writeFields(b, capacity, epochMillis));
        final PosteriorTable table = new PosteriorTable(mapped.buffer(), mapped);
        table.recoverInterruptedUpdates();
        return table;
    }

    /** The largest capacity a table can have: its buffer is addressed by int offsets. */
    public static int maxCapacity() {
        return (Integer.MAX_VALUE - HEADER_LENGTH) / RECORD_LENGTH;
    }

    private static void checkCapacity(int capacity) {
        if (capacity <= 0 || capacity > maxCapacity()) {
            throw new IllegalArgumentException("capacity must be in 1.." + maxCapacity() + ", was " + capacity);
        }
    }

    private static void writeFields(AtomicBuffer buffer, int capacity, long epochMillis) {
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putInt(RECORD_LENGTH_OFFSET, RECORD_LENGTH);
        buffer.putLong(EPOCH_MILLIS_OFFSET, epochMillis);
        buffer.putLong(ARMS_ALLOCATED_OFFSET, 0);
    }

    /**
     * A process that died inside a decayed update leaves its arm's writer count raised, and one that died inside an
     * era switch or a clear leaves the era field negative: either would stall that arm's decayed sums for good. No
     * other thread uses a table being opened, so both are reset here; an arm caught mid-switch restarts its decayed
     * sums empty (its slots may be half cleared).
     */
    private void recoverInterruptedUpdates() {
        final int arms = armsAllocated();
        for (int arm = 0; arm < arms; arm++) {
            final int base = offset(arm);
            buffer.putLongRelease(base + DECAYED_WRITERS_OFFSET, 0);
            final long era = buffer.getLongAcquire(base + DECAY_ERA_OFFSET);
            if (era < 0) {
                clearSlots(base);
                buffer.putLongRelease(base + DECAY_ERA_OFFSET, -era - 1);
            }
        }
    }

    /** Number of arm records, fixed when the table was created. */
    public int capacity() {
        return capacity;
    }

    /** Origin of the decay weights, in epoch milliseconds, fixed when the table was created. */
    public long epochMillis() {
        return epochMillis;
    }

    /** Whether the file this table was opened from had been closed cleanly (false for new and direct tables). */
    public boolean wasCleanlyClosed() {
        return file != null && file.wasCleanlyClosed();
    }

    /**
     * Claims the next unused arm record (lock-free).
     *
     * @return the arm, 0 to {@code capacity() - 1}
     * @throws IllegalStateException when every arm is allocated
     */
    public int allocateArm() {
        while (true) {
            final long allocated = buffer.getLongAcquire(ARMS_ALLOCATED_OFFSET);
            if (allocated >= capacity) {
                throw new IllegalStateException("posterior table is full: all " + capacity + " arms are allocated");
            }
            if (buffer.compareAndSetLong(ARMS_ALLOCATED_OFFSET, allocated, allocated + 1)) {
                return (int) allocated;
            }
        }
    }

    /**
     * Claims {@code count} consecutive unused arm records (lock-free), or none when they do not fit.
     *
     * @param count 1..capacity
     * @return the first claimed arm, or -1 when fewer than {@code count} records are left (nothing is claimed)
     */
    public int tryAllocateArms(int count) {
        if (count <= 0 || count > capacity) {
            throw new IllegalArgumentException("count must be in 1.." + capacity + ", was " + count);
        }
        while (true) {
            final long allocated = buffer.getLongAcquire(ARMS_ALLOCATED_OFFSET);
            if (allocated + count > capacity) {
                return -1;
            }
            if (buffer.compareAndSetLong(ARMS_ALLOCATED_OFFSET, allocated, allocated + count)) {
                return (int) allocated;
            }
        }
    }

    /** Number of arms claimed so far, 0 to {@code capacity()}. */
    public int armsAllocated() {
        return (int) buffer.getLongAcquire(ARMS_ALLOCATED_OFFSET);
    }

    private int offset(int arm) {
        if (arm < 0 || arm >= capacity) {
            throw new IndexOutOfBoundsException("arm " + arm + " outside 0.." + (capacity - 1));
        }
        return HEADER_LENGTH + arm * RECORD_LENGTH;
    }

    /**
     * Counts one decision for {@code arm}.
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public void recordDecision(int arm) {
        buffer.getAndAddLong(offset(arm) + DECISIONS_OFFSET, 1);
    }

    /**
     * Records a reward for {@code arm}: one trial, a success if the reward is exactly 1, the reward and its square
     * added to the sums, and, when {@code halfLifeMillis > 0}, the decayed sums.
     *
     * @param arm            0 to {@code capacity() - 1}
     * @param reward         a finite number; 0 and 1 for Bernoulli arms, any finite value for Gaussian ones
     * @param nowMillis      the reward's time in epoch milliseconds; times before {@link #epochMillis()} count as at
     *                       it. Only the decayed sums and the last-update time use it
     * @param halfLifeMillis 0 for no decayed sums, or the arm's half-life in milliseconds, 1 or more: the same on every
     *                       update and read of the arm (after a change, {@link #clearDecayed} it)
     */
    public void recordReward(int arm, double reward, long nowMillis, long halfLifeMillis) {
        final int base = offset(arm);
        buffer.getAndAddLong(base + TRIALS_OFFSET, 1);
        if (reward == 1.0) {
            buffer.getAndAddLong(base + SUCCESSES_OFFSET, 1);
        }
        if (reward != 0.0) {
            addDouble(base + REWARD_SUM_OFFSET, reward);
            addDouble(base + REWARD_SQUARE_SUM_OFFSET, reward * reward);
        }
        // A monotonic max would need a CAS loop; a release store is enough for an informational timestamp.
        buffer.putLongRelease(base + LAST_UPDATE_MILLIS_OFFSET, nowMillis);
        if (halfLifeMillis > 0) {
            // Announce, then read the era (volatile on both sides, with clearDecayed's claim-then-count: Dekker).
            buffer.getAndAddLong(base + DECAYED_WRITERS_OFFSET, 1);
            try {
                recordDecayed(base, reward, nowMillis, halfLifeMillis);
            } finally {
                // Release (a volatile add): a clearer that reads 0 here sees all of this update's adds, so zeroes them.
                buffer.getAndAddLong(base + DECAYED_WRITERS_OFFSET, -1);
            }
        }
    }

    /**
     * Adds counts to {@code arm}'s exact counters, each with one atomic add: for arms whose trials and successes
     * arrive as separate events (a click-rate arm: an impression is a trial when it is billed, a click is a success
     * later), where {@link #recordReward} would count one observation twice. The decayed sums are not touched.
     *
     * @param arm       0 to {@code capacity() - 1}
     * @param trials    trials to add, 0 or more
     * @param successes successes to add, 0 or more
     * @param reward    added to the reward sum, its square to the square sum; finite
     * @param nowMillis the update's time in epoch milliseconds; only the last-update time uses it
     */
    public void recordCounts(int arm, long trials, long successes, double reward, long nowMillis) {
        final int base = offset(arm);
        if (trials != 0) {
            buffer.getAndAddLong(base + TRIALS_OFFSET, trials);
        }
        if (successes != 0) {
            buffer.getAndAddLong(base + SUCCESSES_OFFSET, successes);
        }
        if (reward != 0.0) {
            addDouble(base + REWARD_SUM_OFFSET, reward);
            addDouble(base + REWARD_SQUARE_SUM_OFFSET, reward * reward);
        }
        buffer.putLongRelease(base + LAST_UPDATE_MILLIS_OFFSET, nowMillis); // informational, as in recordReward
    }

    /**
     * Adds totals to {@code arm}'s exact counters (trials, successes, reward sum and square sum, each one atomic add):
     * for totals learned elsewhere, such as another server node's committed aggregates. Unlike
     * {@link #recordCounts}, the square sum is given, not derived. The decayed sums are not touched.
     *
     * @param arm             0 to {@code capacity() - 1}
     * @param trials          trials to add
     * @param successes       successes to add
     * @param rewardSum       added to the reward sum; finite
     * @param rewardSquareSum added to the reward square sum; finite
     * @param nowMillis       the update's time in epoch milliseconds; only the last-update time uses it
     */
    public void addTotals(int arm, long trials, long successes, double rewardSum, double rewardSquareSum,
                          long nowMillis) {
        final int base = offset(arm);
        if (trials != 0) {
            buffer.getAndAddLong(base + TRIALS_OFFSET, trials);
        }
        if (successes != 0) {
            buffer.getAndAddLong(base + SUCCESSES_OFFSET, successes);
        }
        if (rewardSum != 0.0) {
            addDouble(base + REWARD_SUM_OFFSET, rewardSum);
        }
        if (rewardSquareSum != 0.0) {
            addDouble(base + REWARD_SQUARE_SUM_OFFSET, rewardSquareSum);
        }
        buffer.putLongRelease(base + LAST_UPDATE_MILLIS_OFFSET, nowMillis);
    }

    private void recordDecayed(int base, double reward, long nowMillis, long halfLifeMillis) {
        final double halfLives = halfLivesSinceEpoch(nowMillis, halfLifeMillis);
        final long era = (long) (halfLives / ERA_HALF_LIVES);
        final double weight = Math.exp((halfLives - (double) era * ERA_HALF_LIVES) * LN2);
        final int eraField = base + DECAY_ERA_OFFSET;
        while (true) {
            // Volatile, not acquire: this load must not move before the announcement above (store-load order).
            final long recordEra = buffer.getLongVolatile(eraField);
            if (recordEra < 0) {
                buffer.getAndAddLong(SKIPPED_DECAYED_UPDATES_OFFSET, 1); // an era switch or a clear is under way
                return;
            }
            if (era == recordEra || era == recordEra - 1) {
                addToSlot(base + slotOffset(era), weight, reward);
                return;
            }
            if (era < recordEra) {
                return; // weight below 2^-512 relative to the arm's newest data
            }
            // Switch to the new era: claim it, wait for the other updates in flight, clear slots holding data more
            // than one era old, publish. An update that read the old era before the claim may be about to add to the
            // slot this switch clears (its era one behind the old one shares the slot with the new era): cleared
            // before it lands, the slot would hold that older era's weight read as the new era's, 2^512 times too
            // large. So, as in clearDecayed, wait until this update is the only one announced: any later one reads the
            // claim and is skipped and counted.
            if (buffer.compareAndSetLong(eraField, recordEra, -(era + 1))) {
                int spins = 0;
                while (buffer.getLongVolatile(base + DECAYED_WRITERS_OFFSET) != 1) {
                    spins = backOff(spins);
                }
                clearSlot(base + slotOffset(era));
                if (era - recordEra >= 2) {
                    clearSlot(base + slotOffset(era - 1));
                }
                buffer.putLongRelease(eraField, era);
            }
        }
    }

    private void addToSlot(int slot, double weight, double reward) {
        addDouble(slot + SLOT_WEIGHT_OFFSET, weight);
        if (reward != 0.0) {
            final double weighted = weight * reward;
            addDouble(slot + SLOT_REWARD_OFFSET, weighted);
            addDouble(slot + SLOT_SQUARE_OFFSET, weighted * reward);
        }
    }

    private void clearSlot(int slot) {
        buffer.putLongRelease(slot + SLOT_WEIGHT_OFFSET, 0);
        buffer.putLongRelease(slot + SLOT_REWARD_OFFSET, 0);
        buffer.putLongRelease(slot + SLOT_SQUARE_OFFSET, 0);
    }

    private void clearSlots(int base) {
        clearSlot(base + SLOT_0_OFFSET);
        clearSlot(base + SLOT_0_OFFSET + SLOT_LENGTH);
    }

    private double halfLivesSinceEpoch(long nowMillis, long halfLifeMillis) {
        return Math.max(0L, nowMillis - epochMillis) / (double) halfLifeMillis;
    }

    /** Lock-free add of a double held as raw long bits. */
    private void addDouble(int index, double delta) {
        long previous;
        long next;
        do {
            previous = buffer.getLongVolatile(index);
            next = Double.doubleToRawLongBits(Double.longBitsToDouble(previous) + delta);
        } while (!buffer.compareAndSetLong(index, previous, next));
    }

    /**
     * Reads the decayed sums of {@code arm} as of {@code nowMillis}: each past reward weighted by
     * {@code 2^-(age / halfLife)}. Allocates nothing. A read racing an era switch or a clear waits a few spins, and
     * if the switch is still not published reads as empty (the prior).
     *
     * @param arm            0 to {@code capacity() - 1}
     * @param nowMillis      the time the sums are for, in epoch milliseconds, not before the arm's newest update
     *                       (younger updates would weigh more than 1)
     * @param halfLifeMillis the arm's half-life in milliseconds, 1 or more: the one its updates used
     * @param into           receives the weight, reward sum and square sum
     */
    public void readDecayed(int arm, long nowMillis, long halfLifeMillis, DecayedSums into) {
        final int base = offset(arm);
        long era = buffer.getLongAcquire(base + DECAY_ERA_OFFSET);
        for (int spins = 0; era < 0 && spins < SWITCH_SPINS; spins++) {
            // A writer is switching this arm's era: a few stores. Guessing the old era from the new one is wrong when
            // the switch skips eras (stale slots would be scaled as if they were one era old), so wait.
            Thread.onSpinWait();
            era = buffer.getLongAcquire(base + DECAY_ERA_OFFSET);
        }
        if (era < 0) {
            into.set(0.0, 0.0, 0.0); // the switcher was descheduled mid-switch: read as "no recent data" (the prior)
            return;
        }
        final double halfLives = halfLivesSinceEpoch(nowMillis, halfLifeMillis);
        double weight = 0;
        double reward = 0;
        double square = 0;
        for (long e = era; e >= Math.max(0, era - 1); e--) {
            final double scale = Math.exp(((double) e * ERA_HALF_LIVES - halfLives) * LN2);
            final int slot = base + slotOffset(e);
            weight += scale * getDouble(slot + SLOT_WEIGHT_OFFSET);
            reward += scale * getDouble(slot + SLOT_REWARD_OFFSET);
            square += scale * getDouble(slot + SLOT_SQUARE_OFFSET);
        }
        into.set(weight, reward, square);
    }

    private double getDouble(int index) {
        return Double.longBitsToDouble(buffer.getLongAcquire(index));
    }

    /**
     * Rewards recorded for {@code arm} (exact).
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public long trials(int arm) {
        return buffer.getLongAcquire(offset(arm) + TRIALS_OFFSET);
    }

    /**
     * Rewards of exactly 1 recorded for {@code arm} (exact).
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public long successes(int arm) {
        return buffer.getLongAcquire(offset(arm) + SUCCESSES_OFFSET);
    }

    /**
     * Sum of the rewards recorded for {@code arm}.
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public double rewardSum(int arm) {
        return getDouble(offset(arm) + REWARD_SUM_OFFSET);
    }

    /**
     * Sum of the squared rewards recorded for {@code arm}.
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public double rewardSquareSum(int arm) {
        return getDouble(offset(arm) + REWARD_SQUARE_SUM_OFFSET);
    }

    /**
     * Decisions counted for {@code arm} (exact).
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public long decisions(int arm) {
        return buffer.getLongAcquire(offset(arm) + DECISIONS_OFFSET);
    }

    /**
     * Time of the last reward of {@code arm} (of one of the last, under concurrent updates), epoch milliseconds.
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public long lastUpdateMillis(int arm) {
        return buffer.getLongAcquire(offset(arm) + LAST_UPDATE_MILLIS_OFFSET);
    }

    /** Decayed updates that raced an era switch or a clear and were therefore left out of the decayed sums. */
    public long skippedDecayedUpdates() {
        return buffer.getLongAcquire(SKIPPED_DECAYED_UPDATES_OFFSET);
    }

    /**
     * Overwrites an arm's exact counters and empties its decayed sums, with plain release stores: for rebuilding state
     * from durable aggregates at start-up. <b>Exclusive:</b> no other thread may update or read the arm meanwhile (a
     * concurrent update could be overwritten or half-kept); publish the arm to other threads afterwards through
     * something that orders memory (a volatile write, a thread start, a Vert.x deploy).
     *
     * @param arm              0 to {@code capacity() - 1}
     * @param decisions        decisions made, 0 or more
     * @param trials           rewards observed, 0 or more
     * @param successes        rewards equal to 1, 0 to {@code trials}
     * @param rewardSum        sum of the rewards, finite
     * @param rewardSquareSum  sum of the squared rewards, finite and 0 or more
     * @param lastUpdateMillis time of the last reward in epoch milliseconds (0 when unknown)
     */
    public void restoreExclusive(int arm, long decisions, long trials, long successes, double rewardSum,
                                 double rewardSquareSum, long lastUpdateMillis) {
        final int base = offset(arm);
        buffer.putLongRelease(base + DECISIONS_OFFSET, decisions);
        buffer.putLongRelease(base + TRIALS_OFFSET, trials);
        buffer.putLongRelease(base + SUCCESSES_OFFSET, successes);
        buffer.putLongRelease(base + REWARD_SUM_OFFSET, Double.doubleToRawLongBits(rewardSum));
        buffer.putLongRelease(base + REWARD_SQUARE_SUM_OFFSET, Double.doubleToRawLongBits(rewardSquareSum));
        buffer.putLongRelease(base + LAST_UPDATE_MILLIS_OFFSET, lastUpdateMillis);
        buffer.putLongRelease(base + DECAY_ERA_OFFSET, 0);
        clearSlots(base);
    }

    /**
     * Empties an arm's decayed sums (after its half-life changed, which changes their meaning) while other threads
     * update and read it. Safe under concurrency through the era protocol the updates use: the clear claims the arm's
     * era field as an era switch does, waits for the decayed updates already in flight to finish their adds, zeroes
     * both slots and publishes the era again. Each racing update therefore lands whole before the clear (and is
     * cleared), whole after it (and is kept), or meets the claim and is skipped and counted in
     * {@link #skippedDecayedUpdates()}; none is half-kept, and no sum from before the clear survives it. A reader
     * racing the clear sees the old sums, the empty ones, or (as with any update, see the class comment) a mix of the
     * two for that one read. The exact counters are untouched.
     *
     * <p>Waits (spinning, then yielding) for an era switch in progress and for updates in flight, each a few stores
     * unless their thread was descheduled: fine on an admin path, not meant for a decide or bid path.
     *
     * @param arm 0 to {@code capacity() - 1}
     */
    public void clearDecayed(int arm) {
        final int base = offset(arm);
        final int eraField = base + DECAY_ERA_OFFSET;
        long era;
        int spins = 0;
        while (true) {
            era = buffer.getLongVolatile(eraField);
            if (era >= 0 && buffer.compareAndSetLong(eraField, era, -(era + 1))) {
                break;
            }
            spins = backOff(spins); // an era switch or another clear holds the era field: a few stores
        }
        // Volatile read after the claim: an update announced before it is counted here; any later one sees the claim.
        while (buffer.getLongVolatile(base + DECAYED_WRITERS_OFFSET) != 0) {
            spins = backOff(spins);
        }
        clearSlots(base);
        buffer.putLongRelease(eraField, era); // publish: the zeroed slots are visible to whoever sees the era again
    }

    private static int backOff(int spins) {
        if (spins < CLEAR_SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return spins + 1;
    }

    /** Flushes a memory-mapped table to its file (no-op for direct memory). */
    public void force() {
        if (file != null) {
            file.force();
        }
    }

    /**
     * Marks a mapped table as cleanly closed, flushes and unmaps it (idempotent); frees nothing for direct memory (GC
     * does). Every thread using the table must have stopped: touching unmapped memory crashes the JVM.
     */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
