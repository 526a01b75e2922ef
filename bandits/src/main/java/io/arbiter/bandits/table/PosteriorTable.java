package io.arbiter.bandits.table;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

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
import static io.arbiter.bandits.table.TableHeaderDescriptor.CLEAN_CLOSE_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.EPOCH_MILLIS_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.HEADER_LENGTH;
import static io.arbiter.bandits.table.TableHeaderDescriptor.MAGIC;
import static io.arbiter.bandits.table.TableHeaderDescriptor.MAGIC_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.RECORD_LENGTH_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.SKIPPED_DECAYED_UPDATES_OFFSET;
import static io.arbiter.bandits.table.TableHeaderDescriptor.VERSION;
import static io.arbiter.bandits.table.TableHeaderDescriptor.VERSION_OFFSET;

/**
 * Per-arm posterior statistics in off-heap memory: an Agrona {@link AtomicBuffer} over direct memory, or over a
 * memory-mapped file so the state survives a restart (and a SIGKILL: the page cache outlives the process).
 *
 * <p><b>Concurrency.</b> Any number of threads may update and read any arm at once. Every write is an atomic add
 * ({@code getAndAddLong}) or a compare-and-set loop on one 8-byte field; nothing locks. Each field is exact on its
 * own; a reader that reads several fields of an arm while it is being updated may see one update applied to some of
 * them and not yet to others. That is harmless for sampling (it is one observation out of many), and it is why
 * nothing here pretends to offer a consistent multi-field snapshot.
 *
 * <p><b>Decayed sums</b> are documented in {@link ArmRecordDescriptor}. An update that races the switch of an arm
 * to a new decay era (once per {@value ArmRecordDescriptor#ERA_HALF_LIVES} half-lives per arm, a window of a few
 * stores) is not folded into the decayed sums (the exact counters still take it) and is counted in
 * {@link #skippedDecayedUpdates()}.
 */
public final class PosteriorTable implements AutoCloseable {
    private static final double LN2 = Math.log(2.0);
    /** Bounded wait of a reader that meets an era switch in progress (the switch itself is three stores). */
    private static final int SWITCH_SPINS = 100;

    private final AtomicBuffer buffer;
    private final MappedByteBuffer mapped;
    private final int capacity;
    private final long epochMillis;
    private final boolean wasCleanlyClosed;
    private boolean closed;

    private PosteriorTable(AtomicBuffer buffer, MappedByteBuffer mapped, boolean wasCleanlyClosed) {
        this.buffer = buffer;
        this.mapped = mapped;
        this.capacity = buffer.getInt(CAPACITY_OFFSET);
        this.epochMillis = buffer.getLong(EPOCH_MILLIS_OFFSET);
        this.wasCleanlyClosed = wasCleanlyClosed;
        buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 0);
    }

    /** A table in direct (non-persistent) memory, aligned to the cache line. */
    public static PosteriorTable allocateDirect(int capacity, long epochMillis) {
        checkCapacity(capacity);
        final long length = TableHeaderDescriptor.tableLength(capacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned((int) length, ArmRecordDescriptor.CACHE_LINE_LENGTH));
        writeHeader(buffer, capacity, epochMillis);
        return new PosteriorTable(buffer, null, false);
    }

    /**
     * A table on the Java heap (a {@code byte[]}): the same layout and the same atomic operations as
     * {@link #allocateDirect}, but not cache-line aligned and garbage-collected like any array. Cheap to create, which
     * is what concurrency tests need (jcstress makes millions of tables); the server uses direct or mapped tables.
     */
    public static PosteriorTable allocateHeap(int capacity, long epochMillis) {
        checkCapacity(capacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int) TableHeaderDescriptor.tableLength(capacity)]);
        writeHeader(buffer, capacity, epochMillis);
        return new PosteriorTable(buffer, null, false);
    }

    /**
     * Opens the table in {@code file}, creating it with {@code capacity} arms if it does not exist. An existing file
     * keeps its own capacity and epoch; a file that is not a table of this version is refused.
     */
    public static PosteriorTable mapFile(Path file, int capacity, long epochMillis) {
        checkCapacity(capacity);
        final File location = file.toFile();
        if (Files.exists(file)) {
            final MappedByteBuffer mapped = IoUtil.mapExistingFile(location, "posterior table");
            final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            try {
                validateHeader(buffer, file);
            } catch (IllegalStateException e) {
                IoUtil.unmap(mapped);
                throw e;
            }
            return new PosteriorTable(buffer, mapped, buffer.getLongAcquire(CLEAN_CLOSE_OFFSET) == 1);
        }
        final MappedByteBuffer mapped = IoUtil.mapNewFile(location, TableHeaderDescriptor.tableLength(capacity));
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        writeHeader(buffer, capacity, epochMillis);
        mapped.force();
        return new PosteriorTable(buffer, mapped, false);
    }

    private static void checkCapacity(int capacity) {
        if (capacity <= 0 || TableHeaderDescriptor.tableLength(capacity) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capacity must be in 1.." + ((Integer.MAX_VALUE - HEADER_LENGTH)
                / RECORD_LENGTH) + ", was " + capacity);
        }
    }

    private static void writeHeader(AtomicBuffer buffer, int capacity, long epochMillis) {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putInt(RECORD_LENGTH_OFFSET, RECORD_LENGTH);
        buffer.putLong(EPOCH_MILLIS_OFFSET, epochMillis);
        buffer.putLong(ARMS_ALLOCATED_OFFSET, 0);
        buffer.putIntRelease(MAGIC_OFFSET, MAGIC); // last: a torn creation is recognisable
    }

    private static void validateHeader(AtomicBuffer buffer, Path file) {
        if (buffer.capacity() < HEADER_LENGTH || buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new IllegalStateException(file + " is not a posterior table (bad magic)");
        }
        if (buffer.getInt(VERSION_OFFSET) != VERSION || buffer.getInt(RECORD_LENGTH_OFFSET) != RECORD_LENGTH) {
            throw new IllegalStateException(file + " has table version " + buffer.getInt(VERSION_OFFSET)
                + ", expected " + VERSION);
        }
        final int capacity = buffer.getInt(CAPACITY_OFFSET);
        if (buffer.capacity() < TableHeaderDescriptor.tableLength(capacity)) {
            throw new IllegalStateException(file + " is truncated");
        }
    }

    public int capacity() {
        return capacity;
    }

    public long epochMillis() {
        return epochMillis;
    }

    /** Whether the file this table was opened from had been closed cleanly (false for new and direct tables). */
    public boolean wasCleanlyClosed() {
        return wasCleanlyClosed;
    }

    /** Claims the next unused arm record (lock-free). */
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

    public int armsAllocated() {
        return (int) buffer.getLongAcquire(ARMS_ALLOCATED_OFFSET);
    }

    private int offset(int arm) {
        if (arm < 0 || arm >= capacity) {
            throw new IndexOutOfBoundsException("arm " + arm + " outside 0.." + (capacity - 1));
        }
        return HEADER_LENGTH + arm * RECORD_LENGTH;
    }

    /** Counts one decision for {@code arm}. */
    public void recordDecision(int arm) {
        buffer.getAndAddLong(offset(arm) + DECISIONS_OFFSET, 1);
    }

    /**
     * Records a reward for {@code arm}: one trial, a success if the reward is exactly 1, the reward and its square
     * added to the sums, and, when {@code halfLifeMillis > 0}, the decayed sums.
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
            recordDecayed(base, reward, nowMillis, halfLifeMillis);
        }
    }

    private void recordDecayed(int base, double reward, long nowMillis, long halfLifeMillis) {
        final double halfLives = halfLivesSinceEpoch(nowMillis, halfLifeMillis);
        final long era = (long) (halfLives / ERA_HALF_LIVES);
        final double weight = Math.exp((halfLives - (double) era * ERA_HALF_LIVES) * LN2);
        final int eraField = base + DECAY_ERA_OFFSET;
        while (true) {
            final long recordEra = buffer.getLongAcquire(eraField);
            if (recordEra < 0) {
                buffer.getAndAddLong(SKIPPED_DECAYED_UPDATES_OFFSET, 1); // another writer is switching eras right now
                return;
            }
            if (era == recordEra || era == recordEra - 1) {
                addToSlot(base + slotOffset(era), weight, reward);
                return;
            }
            if (era < recordEra) {
                return; // weight below 2^-512 relative to the arm's newest data
            }
            // Switch to the new era: claim it, clear slots holding data more than one era old, publish.
            if (buffer.compareAndSetLong(eraField, recordEra, -(era + 1))) {
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
     * {@code 2^-(age / halfLife)}.
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

    public long trials(int arm) {
        return buffer.getLongAcquire(offset(arm) + TRIALS_OFFSET);
    }

    public long successes(int arm) {
        return buffer.getLongAcquire(offset(arm) + SUCCESSES_OFFSET);
    }

    public double rewardSum(int arm) {
        return getDouble(offset(arm) + REWARD_SUM_OFFSET);
    }

    public double rewardSquareSum(int arm) {
        return getDouble(offset(arm) + REWARD_SQUARE_SUM_OFFSET);
    }

    public long decisions(int arm) {
        return buffer.getLongAcquire(offset(arm) + DECISIONS_OFFSET);
    }

    public long lastUpdateMillis(int arm) {
        return buffer.getLongAcquire(offset(arm) + LAST_UPDATE_MILLIS_OFFSET);
    }

    /** Decayed updates that raced an era switch and were therefore left out of the decayed sums. */
    public long skippedDecayedUpdates() {
        return buffer.getLongAcquire(SKIPPED_DECAYED_UPDATES_OFFSET);
    }

    /**
     * Overwrites an arm's exact counters (decayed sums are cleared). For rebuilding state from durable aggregates at
     * start-up, before the arm is shared; not for use while other threads update the arm.
     */
    public void restore(int arm, long decisions, long trials, long successes, double rewardSum,
                        double rewardSquareSum, long lastUpdateMillis) {
        final int base = offset(arm);
        buffer.putLongRelease(base + DECISIONS_OFFSET, decisions);
        buffer.putLongRelease(base + TRIALS_OFFSET, trials);
        buffer.putLongRelease(base + SUCCESSES_OFFSET, successes);
        buffer.putLongRelease(base + REWARD_SUM_OFFSET, Double.doubleToRawLongBits(rewardSum));
        buffer.putLongRelease(base + REWARD_SQUARE_SUM_OFFSET, Double.doubleToRawLongBits(rewardSquareSum));
        buffer.putLongRelease(base + LAST_UPDATE_MILLIS_OFFSET, lastUpdateMillis);
        clearDecayed(arm);
    }

    /** Clears an arm's decayed sums (for example after its half-life changed, which changes their meaning). */
    public void clearDecayed(int arm) {
        final int base = offset(arm);
        buffer.putLongRelease(base + DECAY_ERA_OFFSET, 0);
        for (int slot = 0; slot < 2; slot++) {
            clearSlot(base + SLOT_0_OFFSET + slot * SLOT_LENGTH);
        }
    }

    /** Flushes a memory-mapped table to its file (no-op for direct memory). */
    public void force() {
        if (mapped != null) {
            mapped.force();
        }
    }

    /** Marks a mapped table as cleanly closed, flushes and unmaps it; frees nothing for direct memory (GC does). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapped != null) {
            buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 1);
            mapped.force();
            IoUtil.unmap(mapped);
        }
    }
}
