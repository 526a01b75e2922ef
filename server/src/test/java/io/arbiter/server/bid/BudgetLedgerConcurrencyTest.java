package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLedger;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stress test of the lock-free reservation protocol: threads reserve, settle (at most the reserved amount) and
 * release concurrently while a monitor samples the exposure; the daily limit must never be passed at any sampled
 * moment, and once everything is settled, exposure equals spend and spend equals the sum of the charges (no lost
 * update). A lost update or an over-reservation fails it. Seeded; the seed is in the failure message.
 */
class BudgetLedgerConcurrencyTest {
    private static final long SEED = Long.getLong("ledger.seed", 42L);

    @Test
    void concurrentReservationsNeverPassTheDailyLimitAndNothingIsLost() throws Exception {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(4);
        final int slot = ledger.allocateSlot();
        final long limit = 5_000_000; // 5 units
        ledger.configure(slot, limit, 0);
        final int threads = 4;
        final int operations = 200_000;
        final AtomicLong charged = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong worst = new AtomicLong();
        final Thread monitor = new Thread(() -> {
            while (running.get()) {
                worst.accumulateAndGet(ledger.dailyExposure(slot), Math::max);
            }
        });
        monitor.start();
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            final SplittableRandom rng = new SplittableRandom(SEED + t);
            new Thread(() -> {
                final long[] held = new long[16];
                int count = 0;
                for (int i = 0; i < operations; i++) {
                    if (count < held.length && rng.nextBoolean()) {
                        final long amount = 1 + rng.nextInt(20_000);
                        if (ledger.reserve(slot, amount, Long.MAX_VALUE)) {
                            held[count++] = amount;
                        }
                    } else if (count > 0) {
                        final long amount = held[--count];
                        if (rng.nextBoolean()) {
                            final long actual = rng.nextLong(amount + 1);
                            ledger.settle(slot, amount, actual);
                            charged.addAndGet(actual);
                            // keep the budget from filling up for good: refund through a negative settle
                            ledger.settle(slot, 0, -actual);
                            charged.addAndGet(-actual);
                        } else {
                            ledger.release(slot, amount);
                        }
                    }
                }
                while (count > 0) {
                    ledger.release(slot, held[--count]);
                }
                done.countDown();
            }).start();
        }
        done.await();
        running.set(false);
        monitor.join();
        final String context = "seed " + SEED;
        assertTrue(worst.get() <= limit, "exposure " + worst.get() + " passed the limit " + limit + "; " + context);
        assertEquals(charged.get(), ledger.dailySpent(slot), context);
        assertEquals(ledger.dailySpent(slot), ledger.dailyExposure(slot), "no reservation left over; " + context);
        assertEquals(ledger.totalSpent(slot), ledger.totalExposure(slot), context);
    }

    @Test
    void theTotalLimitAlsoHoldsAndAFailedTotalGivesTheDailyReservationBack() {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        ledger.configure(slot, 1_000, 600);
        assertTrue(ledger.reserve(slot, 500, Long.MAX_VALUE));
        assertTrue(!ledger.reserve(slot, 200, Long.MAX_VALUE), "total would be 700 > 600");
        assertEquals(500, ledger.dailyExposure(slot), "the daily part was given back");
        assertTrue(!ledger.reserve(slot, 100, 550), "the pacing cap (550) binds below the limit");
    }

    @Test
    void aNewDayStartsFromZeroButKeepsOutstandingReservations() {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final int slot = ledger.allocateSlot();
        ledger.configure(slot, 1_000, 0);
        ledger.rollDay(slot, 100);
        assertTrue(ledger.reserve(slot, 300, Long.MAX_VALUE));
        ledger.settle(slot, 300, 250);
        assertTrue(ledger.reserve(slot, 100, Long.MAX_VALUE));
        ledger.rollDay(slot, 101);
        assertEquals(0, ledger.dailySpent(slot));
        assertEquals(100, ledger.dailyExposure(slot), "the open reservation carries over");
        assertEquals(250, ledger.totalSpent(slot));
    }
}
