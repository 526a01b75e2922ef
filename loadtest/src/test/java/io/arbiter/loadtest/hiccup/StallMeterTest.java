package io.arbiter.loadtest.hiccup;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StallMeterTest {

    /** A clock that advances 100 ns per read, except at the reads given, where it jumps by the given gap. */
    private static LongSupplier scripted(long[] atRead, long[] gap) {
        return new LongSupplier() {
            long now = 1_000_000;
            int reads;

            @Override
            public long getAsLong() {
                long step = 100;
                for (int i = 0; i < atRead.length; i++) {
                    if (atRead[i] == reads) {
                        step = gap[i];
                    }
                }
                reads++;
                now += step;
                return now;
            }
        };
    }

    @Test
    void aSpinCountsEveryGapAboveTheThresholdAndNothingElse() {
        final Histogram stalls = new Histogram(1, 10_000_000_000L, 2);
        // 1 ms of 100-ns steps, with gaps of 20 us and 50 us and one of exactly the threshold (not a stall)
        final StallMeter.Spin spin = StallMeter.spin(scripted(new long[] {50, 3_000, 6_000},
            new long[] {20_000, 3_000, 50_000}), 1_000_000, 3_000, stalls);
        assertEquals(2, spin.stalls());
        assertEquals(70_000, spin.stalledNanos());
        assertEquals(2, stalls.getTotalCount());
        assertEquals(20_000, stalls.getMinValue(), 20_000 * 0.01);
        assertEquals(50_000, stalls.getMaxValue(), 50_000 * 0.01);
        assertTrue(spin.elapsedNanos() >= 1_000_000 && spin.elapsedNanos() < 1_000_000 + 100, spin.toString());
        assertEquals(2 / (spin.elapsedNanos() / 1e9), spin.stallsPerSecond(), 1e-6);
        assertEquals(70_000.0 / spin.elapsedNanos(), spin.stalledShare(), 1e-12);
    }

    @Test
    void unitsRecordTheirOwnTimeSoAStallLengthensTheUnitItHits() {
        final Histogram times = new Histogram(1, 10_000_000_000L, 2);
        // every unit reads the clock twice (100 ns apart); the 11th unit's second read comes 30 us late
        final long units = StallMeter.units(scripted(new long[] {22}, new long[] {30_000}), 10, 20_000 + 200,
            times);
        assertEquals(units, times.getTotalCount());
        assertEquals(1, times.getCountBetweenValues(29_000, 31_000), "one unit took the stall");
        assertEquals(units - 1, times.getCountAtValue(100));
    }

    @Test
    void theWorkDependsOnItsIterationsAndSeed() {
        assertEquals(StallMeter.work(7, 1000), StallMeter.work(7, 1000));
        assertTrue(StallMeter.work(7, 1000) != StallMeter.work(7, 1001));
        assertTrue(StallMeter.work(7, 1000) != StallMeter.work(8, 1000));
        assertEquals(7, StallMeter.work(7, 0));
    }
}
