package io.arbiter.server.bid.budget;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The pacing controller's gain: one control interval behind schedule by {@code e} intervals' worth of budget (at
 * most 3) multiplies the bid modifier by {@code exp(gain x e)}, ahead of it divides; the gain is the setting's.
 */
class PacingGainTest {
    private static final long INTERVAL = 60_000L;
    private static final long DAILY = 1_440_000_000L; // 1,000,000 micros an interval

    @Test
    void eachIntervalMovesTheModifierByTheGainTimesTheScheduleError() {
        for (final double gain : new double[] {0.02, 0.08}) {
            final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
            final int slot = ledger.allocateSlot();
            ledger.configure(slot, DAILY, 0);
            final Pacing pacing = new Pacing(ledger, INTERVAL, 0.002, null, gain);
            final long midnight = 20_000 * Pacing.DAY_MILLIS;
            pacing.modifier(slot, DAILY, midnight); // rolls the day, the first update at an empty schedule
            ledger.setModifier(slot, 0.5);
            // two intervals into the day with nothing spent: two intervals' worth behind schedule
            final double behind = pacing.modifier(slot, DAILY, midnight + 2 * INTERVAL);
            assertEquals(0.5 * Math.exp(gain * 2), behind, 1e-9, "gain " + gain);
            // spend four intervals' worth by the next update, three intervals in: one interval ahead
            ledger.reserve(slot, 4_000_000, DAILY);
            final double ahead = pacing.modifier(slot, DAILY, midnight + 3 * INTERVAL);
            assertEquals(behind * Math.exp(-gain), ahead, 1e-9, "gain " + gain);
        }
    }

    @Test
    void aGainOutsideZeroToOneIsRefused() {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        assertThrows(IllegalArgumentException.class, () -> new Pacing(ledger, INTERVAL, 0.002, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new Pacing(ledger, INTERVAL, 0.002, null, 1.5));
    }
}
