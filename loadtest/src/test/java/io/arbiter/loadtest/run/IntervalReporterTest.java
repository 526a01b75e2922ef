package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.GetScenario;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Totals are sums of every worker's intervals, never averages of their percentiles. */
class IntervalReporterTest {

    @Test
    void addsWorkersAndIntervalsIntoTotals() {
        final AtomicLong now = new AtomicLong(0);
        final NanoClock clock = now::get;
        final RunConfig config = TestRuns.config("http://127.0.0.1:1", "get", "/", 1000, 1000, 5000, 2, 1000, null);
        final Worker a = worker(0, config, clock);
        final Worker b = worker(1, config, clock);
        final IntervalReporter reporter = new IntervalReporter(List.of(a, b), clock, 0, 1_000_000_000L, 0, null, null);

        a.corrected.record(50_000); // recorded in warm-up: the reporter throws the interval away
        now.set(900_000_000L);
        reporter.sample();

        // A tick 20 ms after the end of warm-up (timer jitter) makes no row of its own, but what it drained is
        // measured and must reach the first row and the totals.
        a.corrected.record(300);
        now.set(1_020_000_000L);
        reporter.sample();

        for (int i = 0; i < 899; i++) {
            a.corrected.record(100);
        }
        for (int i = 0; i < 100; i++) {
            b.corrected.record(10_000);
        }
        now.set(2_000_000_000L);
        reporter.sample();
        b.corrected.record(20_000);
        now.set(3_000_000_000L);
        reporter.sample();

        assertEquals(1001, reporter.totalCorrected.getTotalCount());
        // Merged: p95 lies in worker b's values. Averaging the workers' p95s would give ~5 ms.
        assertEquals(10_000, reporter.totalCorrected.getValueAtPercentile(95), 10);
        assertEquals(100, reporter.totalCorrected.getValueAtPercentile(50), 1);
        assertEquals(20_000, reporter.totalCorrected.getMaxValue(), 20);
        final List<IntervalRow> rows = reporter.rows();
        assertEquals(2, rows.size(), "warm-up interval left out");
        assertEquals(1.0, rows.get(0).endSeconds(), 1e-9);
        assertEquals(1.0, rows.get(0).lengthSeconds(), 1e-9, "first row starts at the end of warm-up");
        assertEquals(10_000, rows.get(0).max(), 10);
        assertEquals(20_000, rows.get(1).max(), 20, "intervals are separate: recycled, not accumulated");
    }

    private static Worker worker(int index, RunConfig config, NanoClock clock) {
        return new Worker(index, config, new GetScenario("/"), ArrivalPlan.create(ArrivalPlan.Kind.CONSTANT, 1, 0, 1),
                clock, 0);
    }
}
