package io.arbiter.server.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one duration parser: ISO-8601 everywhere, seconds only where a field takes them, never negative. */
class DurationsTest {

    @Test
    void readsIso8601AndSecondsWhereAllowed() {
        assertEquals(50, Durations.millis("PT0.05S", "x"));
        assertEquals(7 * 86_400_000L, Durations.millis("P7D", "x"));
        assertEquals(Duration.ofMillis(1500), Durations.parse(1.5, "halfLife", true));
        assertEquals(Duration.ofHours(6), Durations.parse("PT6H", "halfLife", true));
    }

    @Test
    void refusesWhatIsNotADurationNamingTheField() {
        assertFails("x", () -> Durations.millis("50ms", "x"));
        assertFails("x", () -> Durations.millis("-PT1S", "x"));
        assertFails("period", () -> Durations.parse(60, "period", false));
        assertFails("halfLife", () -> Durations.parse(-1, "halfLife", true));
        assertFails("halfLife", () -> Durations.parse(Double.NaN, "halfLife", true));
        assertFails("halfLife", () -> Durations.parse(1e11, "halfLife", true));
        assertFails("halfLife", () -> Durations.parse(true, "halfLife", true));
    }

    private static void assertFails(String field, Runnable parse) {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, parse::run);
        assertTrue(error.getMessage().contains(field), error.getMessage());
    }
}
