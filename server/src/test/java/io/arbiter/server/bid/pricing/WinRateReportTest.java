package io.arbiter.server.bid.pricing;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The curves' report (served by {@code GET /v1/bidder/win-rate}): bidder-wide first, then the busiest contexts. */
class WinRateReportTest {

    @Test
    void theBidderWideCurveThenTheBusiestContextsOfEveryLevelWithTheirKeys() {
        final WinRateCurve curve = new WinRateCurve(WinRateCounts.allocateDirect(64, 0), 0.8, 200, 20, 0);
        assertNull(curve.report(3).get(0).curve(), "no curve before training");
        final long busy = WinRateCurve.context(false, "busy.example", 300, 250, 1);
        final long quiet = WinRateCurve.context(false, "quiet.example", 300, 250, 1);
        for (int i = 0; i < 1000; i++) {
            final double bid = 0.5 + i / 100.0;
            curve.observe(busy, 4, 9, bid, bid > 3);
            if (i % 10 == 0) {
                curve.observe(quiet, bid, bid > 2);
            }
        }
        curve.refresh(0);
        final List<WinRateCurve.ContextCurve> report = curve.report(4);
        assertEquals(5, report.size());
        final WinRateCurve.ContextCurve bidder = report.get(0);
        assertEquals(WinRateCurve.NO_CONTEXT, bidder.context());
        assertEquals(1100, bidder.notices());
        assertEquals(0, bidder.level());
        assertNotNull(bidder.curve());
        final WinRateCurve.ContextCurve first = report.get(1);
        assertEquals(busy, first.context(), "the busiest first");
        assertEquals(1000, first.notices());
        assertEquals(1, first.level());
        final long byDevice = WinRateCurve.deviceKey(busy, 4);
        assertEquals(byDevice, report.get(2).context());
        assertEquals(2, report.get(2).level());
        assertEquals(busy, report.get(2).parent());
        assertEquals(4, report.get(2).device());
        assertEquals(-1, report.get(2).hour());
        assertEquals(WinRateCurve.hourKey(byDevice, 9), report.get(3).context());
        assertEquals(9, report.get(3).hour());
        assertEquals(quiet, report.get(4).context());
        assertEquals(100, report.get(4).notices());
        final double[] rate = first.curve();
        assertTrue(rate[WinRateCurve.bucket(1.0)] < 0.1 && rate[WinRateCurve.bucket(9.0)] > 0.9, "a win-rate curve");
    }
}
