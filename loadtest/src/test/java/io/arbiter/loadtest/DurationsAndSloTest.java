package io.arbiter.loadtest;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsAndSloTest {

    @Test
    void parsesDurationsInEveryUnit() {
        assertEquals(60_000_000_000L, Durations.parseNanos("60s"));
        assertEquals(60_000_000_000L, Durations.parseNanos("60"));
        assertEquals(500_000_000L, Durations.parseNanos("500ms"));
        assertEquals(250_000L, Durations.parseNanos("250us"));
        assertEquals(120_000_000_000L, Durations.parseNanos("2m"));
        assertEquals(1_500_000L, Durations.parseNanos("1.5ms"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("fast"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("10 parsecs"));
    }

    @Test
    void formatsMicrosForPeople() {
        assertEquals("812us", Durations.formatMicros(812));
        assertEquals("1.25ms", Durations.formatMicros(1250));
        assertEquals("42.0ms", Durations.formatMicros(42_000));
        assertEquals("3.40s", Durations.formatMicros(3_400_000));
    }

    @Test
    void sloChecksEveryTargetOnTheHistogram() {
        final Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i); // 1us .. 1000us: p99 = 990us, max = 1000us
        }
        assertNull(Slo.parse("p99=1ms").violation(h));
        assertNull(Slo.parse("p50=600us,max=1ms").violation(h));
        final String missed = Slo.parse("p99=1ms,p99.9=500us").violation(h);
        assertTrue(missed.startsWith("p99.9"), missed);
        assertTrue(Slo.parse("p90=800us").violation(h).startsWith("p90"));
        assertEquals("no answers", Slo.parse("p99=1ms").violation(new Histogram(3)));
        assertThrows(IllegalArgumentException.class, () -> Slo.parse("99=1ms"));
        assertThrows(IllegalArgumentException.class, () -> Slo.parse("p101=1ms"));
    }
}
