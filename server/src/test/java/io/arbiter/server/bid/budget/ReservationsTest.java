package io.arbiter.server.bid.budget;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Budget reservations by bid nonce: each leaves exactly once, by a bill, a loss or its timeout. */
class ReservationsTest {
    private static final long SEED = Long.getLong("reservations.seed", 7L);

    @Test
    void takeReleaseExtendAndExpire() {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(4);
        final int a = ledger.allocateSlot();
        final int b = ledger.allocateSlot();
        ledger.configure(a, 1_000_000, 0);
        ledger.configure(b, 1_000_000, 0);
        final Reservations reservations = new Reservations(ledger);
        assertTrue(ledger.reserve(a, 300, Long.MAX_VALUE));
        assertTrue(ledger.reserve(b, 500, Long.MAX_VALUE));
        assertTrue(ledger.reserve(a, 700, Long.MAX_VALUE));
        reservations.add(1L, a, 300, 1_000);
        reservations.add(-2L, b, 500, 1_000); // nonces are any long, negative ones too
        reservations.add(Long.MAX_VALUE, a, 700, 2_000);
        assertEquals(3, reservations.size());

        assertEquals(300, reservations.take(1L), "a bill takes the amount out");
        assertEquals(0, reservations.take(1L), "once");
        assertEquals(1_000, ledger.dailyExposure(a), "take leaves the ledger to the caller's settle");

        assertTrue(reservations.extend(-2L, 5_000), "a win keeps it longer");
        assertTrue(reservations.extend(-2L, 3_000), "never shortened");
        assertFalse(reservations.extend(1L, 5_000), "nothing to extend");

        assertEquals(1, reservations.expire(2_000), "only the 2,000 ms one is due");
        assertEquals(300, ledger.dailyExposure(a), "expiry released 700 on a");
        assertEquals(0, reservations.expire(4_999), "the extension holds until 5,000");
        assertTrue(reservations.release(-2L), "a loss releases it");
        assertEquals(0, ledger.dailyExposure(b));
        assertFalse(reservations.release(-2L), "once");
        assertEquals(0, reservations.size());
        assertThrows(IllegalArgumentException.class, () -> reservations.add(3L, a, Reservations.MAX_MICROS + 1, 1));
    }

    /**
     * Threads add reservations (each backed by a ledger reservation) and take or release them while another thread
     * expires them with an advancing clock. Every reservation must leave exactly once: the counts of bills, losses
     * and expiries add up to the reservations added, and the ledger's exposure ends at zero. A reservation removed
     * twice or never fails it. Seeded; the seed is in the failure message.
     */
    @Test
    void underConcurrencyEveryReservationLeavesExactlyOnce() throws Exception {
        everyReservationLeavesExactlyOnce(1); // one shard: every operation contends
        everyReservationLeavesExactlyOnce(64);
    }

    private static void everyReservationLeavesExactlyOnce(int shards) throws Exception {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(4);
        final int slot = ledger.allocateSlot();
        ledger.configure(slot, Long.MAX_VALUE / 4, 0);
        final Reservations reservations = new Reservations(ledger, shards);
        final int threads = 3;
        final int perThread = 100_000;
        final AtomicLong clock = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong expired = new AtomicLong();
        final AtomicLong removed = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread expirer = new Thread(() -> {
            try {
                while (running.get()) {
                    expired.addAndGet(reservations.expire(clock.addAndGet(5)));
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        expirer.start();
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            final SplittableRandom rng = new SplittableRandom(SEED + t);
            new Thread(() -> {
                try {
                    work(reservations, ledger, slot, rng, perThread, clock, removed);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        final boolean finished = done.await(120, TimeUnit.SECONDS);
        running.set(false);
        expirer.join();
        final String context = "seed " + SEED + ", " + shards + " shard(s)";
        if (failure.get() != null) {
            throw new AssertionError("a thread failed, " + context, failure.get());
        }
        assertTrue(finished, "workers finished, " + context);
        final int remaining = reservations.size();
        assertEquals(remaining, reservations.expire(Long.MAX_VALUE), context);
        assertEquals(0, reservations.size(), context);
        assertEquals(threads * (long) perThread, removed.get() + expired.get() + remaining,
            "every reservation left exactly once, " + context);
        assertEquals(0, ledger.dailyExposure(slot), "the ledger got every amount back exactly once, " + context);
    }

    private static void work(Reservations reservations, BudgetLedger ledger, int slot, SplittableRandom rng, int n,
                             AtomicLong clock, AtomicLong removed) {
        final long[] held = new long[64];
        int count = 0;
        for (int i = 0; i < n; i++) {
            final long nonce = rng.nextLong();
            final long micros = 1 + rng.nextInt(10_000);
            assertTrue(ledger.reserve(slot, micros, Long.MAX_VALUE));
            reservations.add(nonce, slot, micros, clock.get() + rng.nextInt(50));
            if (count > 0) { // a notice for a recent bid (it may already have expired)
                final long victim = held[rng.nextInt(count)];
                final int action = rng.nextInt(3);
                if (action == 0) {
                    final long taken = reservations.take(victim);
                    if (taken > 0) {
                        ledger.release(slot, taken); // as a bill of 0 would settle it
                        removed.incrementAndGet();
                    }
                } else if (action == 1) {
                    reservations.extend(victim, clock.get() + 100);
                } else if (reservations.release(victim)) {
                    removed.incrementAndGet();
                }
            }
            held[count < held.length ? count++ : rng.nextInt(held.length)] = nonce;
        }
    }
}
