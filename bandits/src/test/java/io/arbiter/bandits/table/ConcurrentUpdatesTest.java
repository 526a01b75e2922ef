package io.arbiter.bandits.table;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static io.arbiter.bandits.table.ArmRecordDescriptor.ERA_HALF_LIVES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * N threads x M updates on the same few arms must give exact totals: a lost update (a non-atomic read-modify-write)
 * shows up as a missing count. The threads start together on a barrier and hammer 3 arms, so collisions are constant
 * even on 2 cores (this is the JUnit counterpart of the jcstress tests in {@code stress/}).
 *
 * <p>Rewards are 0, 0.5, 1 and 2: sums of these are exact in double precision in any order, so equality is exact.
 */
class ConcurrentUpdatesTest {
    static final int THREADS = 4;
    static final int UPDATES = 200_000;
    static final int ARMS = 3;
    static final double[] REWARDS = {0.0, 0.5, 1.0, 2.0};
    /**
     * How many updates race an era switch is the scheduler's business: the switcher waits for the decayed updates in
     * flight on the arm (one that read the old era may be about to add to the slot the switch clears), and while it
     * waits every other update of the arm is skipped and counted; when the update it waits for was descheduled, on
     * two cores shared by four threads that is most of the run (144,421 of 240,000 were seen). What the era test
     * holds to is that every skip is counted and the sums account for it, and that the sums never exceed what was
     * added (the check that caught an update added into a slot the switch had just cleared); this bound only says
     * that not everything was skipped. {@code PosteriorTableTest} checks that a switch with no race skips nothing.
     */
    static final int ERA_UPDATES = 60_000;
    static final long MAX_SKIPPED = (long) THREADS * ERA_UPDATES - 1;
    static final long TIMEOUT_SECONDS = 120;

    @Test
    void concurrentUpdatesGiveExactTotals() throws Exception {
        try (PosteriorTable table = PosteriorTable.allocateDirect(ARMS, 0L)) {
            for (int i = 0; i < ARMS; i++) {
                table.allocateArm();
            }
            // Half-life with all updates at the epoch: each decayed weight is exactly 1, so decayed sums are exact too.
            runConcurrently(thread -> {
                for (int i = 0; i < UPDATES; i++) {
                    final int arm = (i + thread) % ARMS;
                    table.recordDecision(arm);
                    table.recordReward(arm, REWARDS[i & 3], 0L, 1_000L);
                }
            });
            final DecayedSums d = new DecayedSums();
            for (int arm = 0; arm < ARMS; arm++) {
                long trials = 0;
                long successes = 0;
                double sum = 0;
                double squares = 0;
                for (int thread = 0; thread < THREADS; thread++) {
                    for (int i = 0; i < UPDATES; i++) {
                        if ((i + thread) % ARMS == arm) {
                            final double r = REWARDS[i & 3];
                            trials++;
                            successes += r == 1.0 ? 1 : 0;
                            sum += r;
                            squares += r * r;
                        }
                    }
                }
                assertEquals(trials, table.trials(arm), "trials of arm " + arm);
                assertEquals(trials, table.decisions(arm), "decisions of arm " + arm);
                assertEquals(successes, table.successes(arm), "successes of arm " + arm);
                assertEquals(sum, table.rewardSum(arm), 0.0, "reward sum of arm " + arm);
                assertEquals(squares, table.rewardSquareSum(arm), 0.0, "square sum of arm " + arm);
                table.readDecayed(arm, 0L, 1_000L, d);
                assertEquals((double) trials, d.weight(), 0.0, "decayed weight of arm " + arm);
                assertEquals(sum, d.rewardSum(), 0.0, "decayed reward sum of arm " + arm);
            }
            assertEquals(0, table.skippedDecayedUpdates());
        }
    }

    /**
     * Threads race each other across era boundaries (each thread's clock runs through three eras). Updates that lose
     * the race with an era switch are left out of the decayed sums and counted; everything else must be there.
     */
    @Test
    void concurrentUpdatesAcrossEraSwitchesLoseOnlyCountedUpdates() throws Exception {
        final long h = 1_000;
        final int updates = ERA_UPDATES;
        final long span = 3L * ERA_HALF_LIVES * h;
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, 0L)) {
            table.allocateArm();
            runConcurrently(thread -> {
                for (int i = 0; i < updates; i++) {
                    table.recordReward(0, 1.0, i * span / updates, h);
                }
            });
            final long now = (updates - 1) * span / updates;
            double expected = 0;
            double largestWeight = 0;
            for (int i = 0; i < updates; i++) {
                final double w = Math.pow(2.0, -(now - i * span / updates) / (double) h);
                expected += THREADS * w;
                largestWeight = Math.max(largestWeight, w);
            }
            final DecayedSums d = new DecayedSums();
            table.readDecayed(0, now, h, d);
            final long skipped = table.skippedDecayedUpdates();
            assertEquals((long) THREADS * updates, table.trials(0));
            // Skips happen only while an era switch holds the arm (2 switches here; see MAX_SKIPPED). The weight checks
            // below are the exact ones: skipped updates are all counted, and nothing weighs more than it should.
            assertTrue(skipped <= MAX_SKIPPED, "skipped " + skipped + " of " + THREADS * updates
                + " decayed updates: all of them");
            assertTrue(d.weight() <= expected * (1 + 1e-9), "decayed weight " + d.weight() + " > " + expected);
            assertTrue(d.weight() >= expected * (1 - 1e-9) - skipped * largestWeight,
                "decayed weight " + d.weight() + " expected " + expected + " minus at most " + skipped + " updates");
        }
    }

    /**
     * A clear races updates: {@value #THREADS} - 1 threads add rewards of 1 at the epoch (decayed weight 1 each) while
     * one more clears the arm once per round, after a seeded random delay. After each round the decayed weight must
     * equal the decayed reward sum (a clear that zeroes a half-done update keeps its reward without its weight, or its
     * weight without its reward), must not exceed the round's own updates (nothing from before the clear survives),
     * and the exact trials must be complete (a clear never touches them).
     */
    @Test
    void clearsRacingUpdatesKeepEachUpdateWholeOrNotAtAll() throws Exception {
        final long seed = Long.getLong("table.seed", System.nanoTime());
        final int rounds = 1_500;
        final int updates = 400;
        final int updaters = THREADS - 1;
        final int[] delays = new SplittableRandom(seed).ints(rounds, 0, 4 * updates).toArray();
        try (PosteriorTable table = PosteriorTable.allocateDirect(1, 0L)) {
            table.allocateArm();
            final DecayedSums d = new DecayedSums();
            runRounds(rounds, (thread, round) -> {
                if (thread < updaters) {
                    for (int i = 0; i < updates; i++) {
                        table.recordReward(0, 1.0, 0L, 1_000L);
                    }
                } else {
                    for (int i = 0; i < delays[round]; i++) {
                        Thread.onSpinWait();
                    }
                    table.clearDecayed(0);
                }
            }, round -> {
                table.readDecayed(0, 0L, 1_000L, d);
                final String context = "seed " + seed + ", round " + round + ": weight " + d.weight() + ", reward sum "
                    + d.rewardSum() + ", skipped so far " + table.skippedDecayedUpdates();
                assertEquals(d.weight(), d.rewardSum(), 0.0, "an update half kept; " + context);
                assertEquals(d.weight(), d.rewardSquareSum(), 0.0, "an update half kept; " + context);
                assertTrue(d.weight() <= updaters * updates, "data from before the clear survived; " + context);
                assertEquals((long) (round + 1) * updaters * updates, table.trials(0), context);
            });
        }
    }

    interface RoundBody {
        void run(int thread, int round) throws Exception;
    }

    interface RoundCheck {
        void check(int round);
    }

    /** {@value #THREADS} threads run {@code body} together, round after round; {@code check} runs between rounds. */
    static void runRounds(int rounds, RoundBody body, RoundCheck check) throws Exception {
        final CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        final CyclicBarrier end = new CyclicBarrier(THREADS + 1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int index = t;
            final Thread thread = new Thread(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        body.run(index, round);
                        end.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    start.reset();
                    end.reset();
                }
            }, "round-" + t);
            thread.setDaemon(true); // a stuck thread must not keep the test JVM alive
            threads.add(thread);
            thread.start();
        }
        try {
            for (int round = 0; round < rounds; round++) {
                start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                end.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                check.check(round);
            }
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new AssertionError("a worker failed or hung", failure.get() != null ? failure.get() : e);
        } finally {
            start.reset();
            end.reset();
        }
        for (final Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        }
        if (failure.get() != null) {
            throw new AssertionError("a worker failed", failure.get());
        }
    }

    interface Body {
        void run(int thread) throws Exception;
    }

    static void runConcurrently(Body body) throws Exception {
        final CyclicBarrier start = new CyclicBarrier(THREADS);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int index = t;
            final Thread thread = new Thread(() -> {
                try {
                    start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    body.run(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "updater-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (final Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still running after " + TIMEOUT_SECONDS + " s");
            }
        }
        if (failure.get() != null) {
            throw new AssertionError("an updater failed", failure.get());
        }
    }
}
