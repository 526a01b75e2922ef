package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLedger;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stress test of the lock-free reservation protocol: threads reserve, settle (at most the reserved amount) and
 * release concurrently; the daily limit must never be passed at any moment a thread or the monitor looks, and once
 * everything is settled, exposure equals spend and spend equals the sum of the charges (no lost update). The limit is
 * small against what the threads try to hold (about 6 average reservations fit; 4 threads want up to 16 each), so it
 * binds most of the time: the test checks that reservations were refused and that exposure came within one maximum
 * reservation of the limit, or it would prove nothing. A lost update or an over-reservation fails it. Seeded; the seed
 * is in the failure message. Workers run under a timeout and their exceptions fail the test.
 */
class BudgetLedgerConcurrencyTest {
    private static final long SEED = Long.getLong("ledger.seed", 42L);
    private static final long LIMIT = 60_000;
    private static final int MAX_AMOUNT = 20_000;
    private static final int THREADS = 4;
    private static final int OPERATIONS = 200_000;
    private static final long TIMEOUT_SECONDS = 120;

    @Test
    void concurrentReservationsNeverPassTheDailyLimitAndNothingIsLost() throws Exception {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(4);
        final int slot = ledger.allocateSlot();
        ledger.configure(slot, LIMIT, 0);
        final AtomicLong charged = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong attempts = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong worst = new AtomicLong();
        final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1, runnable -> {
            final Thread thread = new Thread(runnable, "ledger-worker");
            thread.setDaemon(true); // a stuck worker must not keep the test JVM alive
            return thread;
        });
        try {
            final Future<?> monitor = pool.submit(() -> {
                while (running.get()) {
                    worst.accumulateAndGet(ledger.dailyExposure(slot), Math::max);
                }
            });
            final List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final SplittableRandom rng = new SplittableRandom(SEED + t);
                workers.add(pool.submit(() -> work(ledger, slot, rng, charged, refused, attempts, worst)));
            }
            for (final Future<?> worker : workers) {
                worker.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // a worker's exception fails the test here
            }
            running.set(false);
            monitor.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
        final String context = "seed " + SEED + ", worst exposure " + worst.get() + ", refused " + refused.get()
            + " of " + attempts.get();
        assertTrue(worst.get() <= LIMIT, "exposure passed the limit " + LIMIT + "; " + context);
        assertTrue(worst.get() > LIMIT - MAX_AMOUNT, "exposure never came near the limit; " + context);
        assertTrue(refused.get() * 10 > attempts.get(), "the limit hardly ever bound; " + context);
        assertEquals(charged.get(), ledger.dailySpent(slot), context);
        assertEquals(ledger.dailySpent(slot), ledger.dailyExposure(slot), "no reservation left over; " + context);
        assertEquals(ledger.totalSpent(slot), ledger.totalExposure(slot), context);
    }

    private static void work(BudgetLedger ledger, int slot, SplittableRandom rng, AtomicLong charged,
                             AtomicLong refused, AtomicLong attempts, AtomicLong worst) {
        final long[] held = new long[16];
        int count = 0;
        for (int i = 0; i < OPERATIONS; i++) {
            if (count < held.length && rng.nextBoolean()) {
                final long amount = 1 + rng.nextInt(MAX_AMOUNT);
                attempts.incrementAndGet();
                if (ledger.reserve(slot, amount, Long.MAX_VALUE)) {
                    held[count++] = amount;
                    // Right after a reservation is when an over-reservation would show.
                    worst.accumulateAndGet(ledger.dailyExposure(slot), Math::max);
                } else {
                    refused.incrementAndGet();
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
