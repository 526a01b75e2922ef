package io.arbiter.loadtest.hiccup;

import org.HdrHistogram.Histogram;

import java.util.function.LongSupplier;

/**
 * What the machine takes from a running thread: stalls seen by a thread that never sleeps, and the time of fixed
 * units of CPU work. A virtual CPU shared with other guests, an interrupt, a host's scheduler or the kernel's tick can
 * stop a busy thread for some microseconds without the guest's accounting showing it; a request that is being served
 * at that moment takes that much longer. This measures it with nothing but a clock and arithmetic, so a latency
 * percentile can be read against the floor the machine sets.
 *
 * <ul>
 *   <li>{@link #spin}: reads the clock in a tight loop; a gap between two consecutive reads longer than a threshold
 *       is a stall (its length recorded).</li>
 *   <li>{@link #units}: times units of {@link #work} calibrated ({@link #calibrate}) to a wanted duration; a unit
 *       that a stall hits takes the stall's length longer, since its remaining work still has to be done.</li>
 * </ul>
 * Single-threaded; the clock is a parameter so the bookkeeping can be tested with a scripted one.
 */
public final class StallMeter {
    /** Where the work's results go, so the JIT cannot drop the work. */
    private static volatile long blackhole;

    private StallMeter() {
    }

    /**
     * One spin's tally.
     *
     * @param reads        clock reads
     * @param stalls       gaps longer than the threshold
     * @param stalledNanos their summed length
     * @param elapsedNanos from the first read to the last
     */
    public record Spin(long reads, long stalls, long stalledNanos, long elapsedNanos) {
        /** Stalls per second of the spin. */
        public double stallsPerSecond() {
            return elapsedNanos == 0 ? 0.0 : stalls * 1e9 / elapsedNanos;
        }

        /** The share of the spin's time spent in stalls. */
        public double stalledShare() {
            return elapsedNanos == 0 ? 0.0 : (double) stalledNanos / elapsedNanos;
        }
    }

    /**
     * Reads {@code clock} until {@code durationNanos} have passed; records each gap between consecutive reads longer
     * than {@code thresholdNanos} into {@code stalls} (in nanoseconds, clamped to its range).
     */
    public static Spin spin(LongSupplier clock, long durationNanos, long thresholdNanos, Histogram stalls) {
        final long start = clock.getAsLong();
        final long end = start + durationNanos;
        long previous = start;
        long reads = 1;
        long count = 0;
        long stalled = 0;
        while (true) {
            final long now = clock.getAsLong();
            reads++;
            final long gap = now - previous;
            previous = now;
            if (gap > thresholdNanos) {
                count++;
                stalled += gap;
                stalls.recordValue(Math.min(gap, stalls.getHighestTrackableValue()));
            }
            if (now - end >= 0) {
                return new Spin(reads, count, stalled, now - start);
            }
        }
    }

    /**
     * Work that only the CPU can do: {@code iterations} steps of a 64-bit linear congruential generator with a
     * shift, each depending on the last (no memory, no branches the predictor misses).
     *
     * @return the generator's last value, to be used so the loop is not removed
     */
    public static long work(long seed, long iterations) {
        long x = seed;
        for (long i = 0; i < iterations; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            x ^= x >>> 29;
        }
        return x;
    }

    /**
     * The iterations of {@link #work} whose median time is {@code targetNanos} on this thread, by doubling from a
     * guess and then scaling by the ratio of target to measured median (three rounds, 401 samples each).
     */
    public static long calibrate(LongSupplier clock, long targetNanos) {
        long iterations = 64;
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            long median;
            while (true) {
                median = medianNanos(clock, iterations, 401);
                sink += median;
                if (median >= 2_000 || median >= targetNanos) {
                    break;
                }
                iterations *= 2;
            }
            iterations = Math.max(1, Math.round(iterations * (double) targetNanos / Math.max(1, median)));
        }
        blackhole = sink;
        return iterations;
    }

    private static long medianNanos(LongSupplier clock, long iterations, int samples) {
        final long[] times = new long[samples];
        long sink = 0;
        for (int i = 0; i < samples; i++) {
            final long t0 = clock.getAsLong();
            sink += work(i, iterations);
            times[i] = clock.getAsLong() - t0;
        }
        blackhole = sink;
        java.util.Arrays.sort(times);
        return times[samples / 2];
    }

    /**
     * Runs units of {@code iterations} of {@link #work} back to back for {@code durationNanos}, recording each unit's
     * time into {@code times} (nanoseconds, clamped to its range).
     *
     * @return the number of units
     */
    public static long units(LongSupplier clock, long iterations, long durationNanos, Histogram times) {
        final long end = clock.getAsLong() + durationNanos;
        long count = 0;
        long sink = 0;
        while (true) {
            final long t0 = clock.getAsLong();
            sink += work(count, iterations);
            final long t1 = clock.getAsLong();
            times.recordValue(Math.min(Math.max(0, t1 - t0), times.getHighestTrackableValue()));
            count++;
            if (t1 - end >= 0) {
                blackhole = sink;
                return count;
            }
        }
    }
}
