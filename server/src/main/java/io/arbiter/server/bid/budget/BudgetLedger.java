package io.arbiter.server.bid.budget;

import io.arbiter.bandits.offheap.MappedFile;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.CAPACITY_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.DAILY_EXPOSURE_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.DAILY_LIMIT_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.DAILY_SPENT_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.DAY_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.HEADER_LENGTH;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.IMPRESSIONS_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.LAYOUT;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.MAX_CAPACITY;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.MODIFIER_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.NEXT_CONTROL_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.RECORD_LENGTH;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.SLOTS_ALLOCATED_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.TOTAL_EXPOSURE_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.TOTAL_LIMIT_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.TOTAL_SPENT_OFFSET;
import static io.arbiter.server.bid.budget.BudgetLedgerDescriptor.ledgerLength;

/**
 * Per-campaign spend counters off-heap (optionally memory-mapped through {@link MappedFile}, so spend and pacing state
 * survive a restart and even a SIGKILL). Lock-free: every change is an atomic add or a compare-and-set on one 8-byte
 * field, and every method may be called by any number of threads at once, except {@link #restoreExclusive}, which
 * needs the slot to itself.
 *
 * <p><b>The budget invariant.</b> A bid first <em>reserves</em> its maximum cost (its price / 1000) by a CAS on the
 * campaign's exposure (spent + outstanding reservations) that fails if the exposure would pass the limit. A billing
 * notice <em>settles</em> the reservation at the clearing price (never above the bid in first- or second-price
 * auctions, and capped to it anyway); a loss notice or the reservation timeout <em>releases</em> it. So exposure,
 * and with it spend, never passes the daily limit at any moment. The one exception is a billing notice that arrives
 * after its reservation timed out: it is charged all the same (the money is spent), so a campaign can pass its limit
 * by the late bills in flight, each at most one maximum bid; the timeout is chosen much longer than exchanges' billing
 * delay to keep that rare.
 *
 * <p><b>Days.</b> Daily counters belong to a UTC epoch day. The first thread to see a new day CASes the day field and
 * subtracts the day's spend from the daily counters; reservations still outstanding carry into the new day.
 */
public final class BudgetLedger implements AutoCloseable {
    private final AtomicBuffer buffer;
    private final MappedFile file;
    private final int capacity;

    private BudgetLedger(AtomicBuffer buffer, MappedFile file) {
        this.buffer = buffer;
        this.file = file;
        this.capacity = buffer.getInt(CAPACITY_OFFSET);
    }

    /** A ledger in direct (non-persistent) memory; {@code capacity} campaign slots, 1 to 1,000,000. */
    public static BudgetLedger allocateDirect(int capacity) {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            (int) ledgerLength(checkCapacity(capacity)), 64));
        LAYOUT.initialise(buffer, b -> writeFields(b, capacity));
        return new BudgetLedger(buffer, null);
    }

    /**
     * Opens the ledger in {@code file}, creating it with {@code capacity} slots (1 to 1,000,000) if absent; an existing
     * file keeps its capacity.
     *
     * @throws IllegalStateException if the file exists but is not a ledger of this version
     */
    public static BudgetLedger mapFile(Path file, int capacity) {
        checkCapacity(capacity);
        final MappedFile mapped = MappedFile.mapNewOrExisting(file, LAYOUT, ledgerLength(capacity),
            b -> writeFields(b, capacity));
        return new BudgetLedger(mapped.buffer(), mapped);
    }

    private static int checkCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("ledger capacity must be in 1.." + MAX_CAPACITY + ", was " + capacity);
        }
        return capacity;
    }

    private static void writeFields(AtomicBuffer buffer, int capacity) {
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putLong(SLOTS_ALLOCATED_OFFSET, 0);
        for (int slot = 0; slot < capacity; slot++) {
            buffer.putLong(HEADER_LENGTH + slot * RECORD_LENGTH + MODIFIER_OFFSET, Double.doubleToRawLongBits(1.0));
        }
    }

    /** Whether the file this ledger was opened from had been closed cleanly (false for new and direct ledgers). */
    public boolean wasCleanlyClosed() {
        return file != null && file.wasCleanlyClosed();
    }

    public int capacity() {
        return capacity;
    }

    /** Claims the next unused campaign slot (lock-free). */
    public int allocateSlot() {
        while (true) {
            final long allocated = buffer.getLongAcquire(SLOTS_ALLOCATED_OFFSET);
            if (allocated >= capacity) {
                throw new IllegalStateException("budget ledger is full: all " + capacity + " slots are allocated");
            }
            if (buffer.compareAndSetLong(SLOTS_ALLOCATED_OFFSET, allocated, allocated + 1)) {
                return (int) allocated;
            }
        }
    }

    public int slotsAllocated() {
        return (int) buffer.getLongAcquire(SLOTS_ALLOCATED_OFFSET);
    }

    private int base(int slot) {
        if (slot < 0 || slot >= capacity) {
            throw new IndexOutOfBoundsException("slot " + slot + " outside 0.." + (capacity - 1));
        }
        return HEADER_LENGTH + slot * RECORD_LENGTH;
    }

    /** Sets a campaign's limits (admin changes; takes effect for the next reservation). */
    public void configure(int slot, long dailyLimitMicros, long totalLimitMicros) {
        final int base = base(slot);
        buffer.putLongRelease(base + DAILY_LIMIT_OFFSET, dailyLimitMicros);
        buffer.putLongRelease(base + TOTAL_LIMIT_OFFSET, totalLimitMicros);
    }

    /** Moves the slot's daily counters to {@code day} if they belong to an earlier one. */
    public void rollDay(int slot, long day) {
        final int base = base(slot);
        final long current = buffer.getLongAcquire(base + DAY_OFFSET);
        if (current >= day) {
            return;
        }
        if (buffer.compareAndSetLong(base + DAY_OFFSET, current, day)) {
            // Subtract exactly what was read: adds racing this survive (they count for the new day).
            final long spent = buffer.getLongVolatile(base + DAILY_SPENT_OFFSET);
            buffer.getAndAddLong(base + DAILY_SPENT_OFFSET, -spent);
            buffer.getAndAddLong(base + DAILY_EXPOSURE_OFFSET, -spent);
        }
    }

    /**
     * Reserves {@code amount} if the daily exposure stays within {@code dailyCap} (the daily limit, or less when
     * pacing says so) and the total exposure within the total limit.
     *
     * @return true if reserved; the caller must later {@link #settle} or {@link #release} exactly once
     */
    public boolean reserve(int slot, long amount, long dailyCap) {
        final int base = base(slot);
        final long cap = Math.min(dailyCap, buffer.getLongAcquire(base + DAILY_LIMIT_OFFSET));
        if (!addWithin(base + DAILY_EXPOSURE_OFFSET, amount, cap)) {
            return false;
        }
        final long totalLimit = buffer.getLongAcquire(base + TOTAL_LIMIT_OFFSET);
        if (totalLimit > 0 && !addWithin(base + TOTAL_EXPOSURE_OFFSET, amount, totalLimit)) {
            buffer.getAndAddLong(base + DAILY_EXPOSURE_OFFSET, -amount);
            return false;
        }
        if (totalLimit <= 0) {
            buffer.getAndAddLong(base + TOTAL_EXPOSURE_OFFSET, amount);
        }
        return true;
    }

    private boolean addWithin(int field, long amount, long limit) {
        while (true) {
            final long current = buffer.getLongVolatile(field);
            if (current + amount > limit) {
                return false;
            }
            if (buffer.compareAndSetLong(field, current, current + amount)) {
                return true;
            }
        }
    }

    /** Gives back a reservation (loss notice, timeout). */
    public void release(int slot, long reserved) {
        final int base = base(slot);
        buffer.getAndAddLong(base + DAILY_EXPOSURE_OFFSET, -reserved);
        buffer.getAndAddLong(base + TOTAL_EXPOSURE_OFFSET, -reserved);
    }

    /**
     * Charges {@code actual} for one impression, replacing a reservation of {@code reserved} (0 when the reservation
     * had already timed out).
     */
    public void settle(int slot, long reserved, long actual) {
        final int base = base(slot);
        buffer.getAndAddLong(base + DAILY_EXPOSURE_OFFSET, actual - reserved);
        buffer.getAndAddLong(base + TOTAL_EXPOSURE_OFFSET, actual - reserved);
        buffer.getAndAddLong(base + DAILY_SPENT_OFFSET, actual);
        buffer.getAndAddLong(base + TOTAL_SPENT_OFFSET, actual);
        buffer.getAndAddLong(base + IMPRESSIONS_OFFSET, 1);
    }

    public long dailyExposure(int slot) {
        return buffer.getLongAcquire(base(slot) + DAILY_EXPOSURE_OFFSET);
    }

    public long dailySpent(int slot) {
        return buffer.getLongAcquire(base(slot) + DAILY_SPENT_OFFSET);
    }

    public long totalSpent(int slot) {
        return buffer.getLongAcquire(base(slot) + TOTAL_SPENT_OFFSET);
    }

    public long totalExposure(int slot) {
        return buffer.getLongAcquire(base(slot) + TOTAL_EXPOSURE_OFFSET);
    }

    public long dailyLimit(int slot) {
        return buffer.getLongAcquire(base(slot) + DAILY_LIMIT_OFFSET);
    }

    public long day(int slot) {
        return buffer.getLongAcquire(base(slot) + DAY_OFFSET);
    }

    public long impressions(int slot) {
        return buffer.getLongAcquire(base(slot) + IMPRESSIONS_OFFSET);
    }

    public double modifier(int slot) {
        return Double.longBitsToDouble(buffer.getLongAcquire(base(slot) + MODIFIER_OFFSET));
    }

    public void count(int slot, int counterOffset) {
        buffer.getAndAddLong(base(slot) + counterOffset, 1);
    }

    public long counter(int slot, int counterOffset) {
        return buffer.getLongAcquire(base(slot) + counterOffset);
    }

    /**
     * Claims the slot's next controller update if it is due: true for exactly one caller per interval (CAS), which
     * then calls {@link #setModifier}.
     */
    public boolean claimControl(int slot, long nowMillis, long intervalMillis) {
        final int field = base(slot) + NEXT_CONTROL_OFFSET;
        final long next = buffer.getLongAcquire(field);
        return nowMillis >= next && buffer.compareAndSetLong(field, next, nowMillis + intervalMillis);
    }

    public void setModifier(int slot, double modifier) {
        buffer.putLongRelease(base(slot) + MODIFIER_OFFSET, Double.doubleToRawLongBits(modifier));
    }

    /**
     * Overwrites a slot's spend from durable records (start-up, before bidding): today's spend, total spend and the
     * impressions. Outstanding reservations are dropped (their bids are long gone after a restart). <b>Exclusive:</b>
     * no other thread may use the slot meanwhile (plain release stores: a concurrent reservation could be lost).
     */
    public void restoreExclusive(int slot, long day, long dailySpentMicros, long totalSpentMicros, long impressions) {
        final int base = base(slot);
        buffer.putLongRelease(base + DAY_OFFSET, day);
        buffer.putLongRelease(base + DAILY_SPENT_OFFSET, dailySpentMicros);
        buffer.putLongRelease(base + DAILY_EXPOSURE_OFFSET, dailySpentMicros);
        buffer.putLongRelease(base + TOTAL_SPENT_OFFSET, totalSpentMicros);
        buffer.putLongRelease(base + TOTAL_EXPOSURE_OFFSET, totalSpentMicros);
        buffer.putLongRelease(base + IMPRESSIONS_OFFSET, impressions);
    }

    /** Flushes a mapped ledger to its file (no-op for direct memory). */
    public void force() {
        if (file != null) {
            file.force();
        }
    }

    /**
     * Marks a mapped ledger as cleanly closed, flushes and unmaps it (idempotent). Every thread using the ledger must
     * have stopped: touching unmapped memory crashes the JVM.
     */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
