package io.arbiter.bandits.linear;

import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The linear model's contract under concurrency (seeded): 3 offering threads, the single applier and 2 readers run at
 * once. Observations of variant v have {@code x = e_0} and reward 1, so a consistent posterior of v after n of them is
 * {@code mean_0 = n / (lambda + n)}, {@code covariance_00 = 1 / (lambda + n)}, count n: a reader that saw a torn
 * snapshot (fields of two different n) fails, and so does a lost observation (final counts must equal the accepted
 * offers).
 */
class LinearConcurrencyTest {
    static final long SEED = 77;
    static final int PRODUCERS = 3;
    static final int OFFERS = 15_000;
    static final int VARIANTS = 4;
    static final int D = 8;
    static final double LAMBDA = 1.0;

    @Test
    void noObservationIsLostAndNoReaderSeesATornPosterior() throws Exception {
        try (LinearModelTable table = LinearModelTable.allocateDirect(D, VARIANTS, 1 << 14, LAMBDA, 1.0, 97)) {
            final AtomicLong[] accepted = new AtomicLong[VARIANTS];
            for (int v = 0; v < VARIANTS; v++) {
                accepted[v] = new AtomicLong();
            }
            final AtomicBoolean producing = new AtomicBoolean(true);
            final AtomicReference<String> torn = new AtomicReference<>();
            final List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                final long seed = SplitMix64.derive(SEED, p);
                producers.add(new Thread(() -> {
                    final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
                    final FeatureVector x = new FeatureVector(D, 1).clear(D).set(0, 1.0);
                    for (int i = 0; i < OFFERS; i++) {
                        final int v = rng.nextInt(VARIANTS);
                        while (!table.offerObservation(v, x, 1.0)) {
                            Thread.onSpinWait(); // ring full: the applier catches up
                        }
                        accepted[v].incrementAndGet();
                    }
                }));
            }
            final Thread applier = new Thread(() -> {
                while (producing.get() || table.pendingBytes() > 0) {
                    if (table.applyPendingObservations(64) == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            final List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(new Thread(() -> {
                    final double[] mean = new double[D];
                    final double[] covariance = new double[D * D];
                    while (producing.get()) {
                        for (int v = 0; v < VARIANTS; v++) {
                            final long n = table.copyPublished(v, mean, covariance);
                            if (Math.abs(mean[0] - n / (LAMBDA + n)) > 1e-9
                                || Math.abs(covariance[0] - 1.0 / (LAMBDA + n)) > 1e-12) {
                                torn.compareAndSet(null, "variant " + v + ": count " + n + ", mean " + mean[0]
                                    + ", covariance " + covariance[0]);
                            }
                        }
                    }
                }));
            }
            applier.start();
            readers.forEach(Thread::start);
            producers.forEach(Thread::start);
            for (final Thread t : producers) {
                t.join();
            }
            producing.set(false);
            applier.join();
            for (final Thread t : readers) {
                t.join();
            }
            assertNull(torn.get(), "seed " + SEED + ": a reader saw a torn posterior");
            long total = 0;
            for (int v = 0; v < VARIANTS; v++) {
                final double[] mean = new double[D];
                final double[] covariance = new double[D * D];
                final long n = table.copyPublished(v, mean, covariance);
                assertEquals(accepted[v].get(), n, "seed " + SEED + ": variant " + v + " lost observations");
                assertEquals(n / (LAMBDA + n), mean[0], 1e-9);
                total += n;
            }
            assertEquals(PRODUCERS * OFFERS, total);
            assertEquals(total, table.applied());
            assertTrue(table.rejected() >= 0);
        }
    }
}
