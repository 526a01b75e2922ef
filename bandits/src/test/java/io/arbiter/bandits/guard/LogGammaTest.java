package io.arbiter.bandits.guard;

import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogGammaTest {

    /** Against commons-math3's logGamma on a log-spaced grid from 10^-3 to 10^12, to 1e-11 (relative above 1). */
    @Test
    void matchesCommonsMath() {
        for (double x = 1e-3; x < 1e12; x *= 1.37) {
            final double expected = Gamma.logGamma(x);
            assertEquals(expected, LogGamma.lnGamma(x), 1e-11 * Math.max(1.0, Math.abs(expected)), "x = " + x);
        }
        for (int n = 1; n <= 200; n++) {
            assertEquals(Gamma.logGamma(n + 0.5), LogGamma.lnGamma(n + 0.5), 1e-11 * Math.max(1.0, n * Math.log(n)));
        }
        assertEquals(0.0, LogGamma.lnGamma(1.0), 1e-13);
        assertEquals(0.0, LogGamma.lnGamma(2.0), 1e-13);
        assertEquals(Math.log(Math.sqrt(Math.PI)), LogGamma.lnGamma(0.5), 1e-13);
    }

    @Test
    void refusesNonPositiveArguments() {
        assertThrows(IllegalArgumentException.class, () -> LogGamma.lnGamma(0.0));
        assertThrows(IllegalArgumentException.class, () -> LogGamma.lnGamma(-1.0));
        assertThrows(IllegalArgumentException.class, () -> LogGamma.lnGamma(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LogGamma.lnGamma(Double.POSITIVE_INFINITY));
    }
}
