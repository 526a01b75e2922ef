package io.arbiter.loadtest.report;

import io.arbiter.loadtest.Durations;
import io.arbiter.loadtest.run.Counter;
import io.arbiter.loadtest.run.RunResult;
import io.arbiter.loadtest.scenario.RequestKind;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The summary people read first: one table, corrected next to uncorrected, then what went wrong. */
public final class ConsoleReport {
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private ConsoleReport() {
    }

    public static void print(RunResult r, PrintStream out) {
        out.printf(Locale.ROOT, "%n%s  scenario %s  %s arrivals  %d connections  %d threads  seed %d%n",
                r.config().url(), r.config().scenario().name(), r.config().arrival().name().toLowerCase(Locale.ROOT),
                r.config().connections(), r.config().threads(), r.config().seed());
        out.printf(Locale.ROOT, "measured %.0fs after %.0fs warm-up%n%n", r.measuredSeconds(), r.config().warmupNanos(
                ) / 1e9);
        out.printf(Locale.ROOT, "%-28s %9s %9s %9s %9s %9s %9s%n", "latency", "p50", "p90", "p99", "p99.9", "p99.99",
                "max");
        row(out, "corrected (from intended)", r.corrected());
        row(out, "uncorrected (service time)", r.service());
        row(out, "send lag (generator)", r.sendLag());
        if (r.correctedByKind().size() > 1) {
            for (final Map.Entry<RequestKind, Histogram> e : r.correctedByKind().entrySet()) {
                row(out, "  corrected, " + e.getKey().label(), e.getValue());
            }
        }
        out.printf(Locale.ROOT, "%nthroughput  %.0f answers/s (target %.0f/s, %.1f%%)   sent %.0f/s%n",
                r.throughput(), r.config().rate(), 100 * r.throughput() / r.config().rate(), r.sendRate());
        out.printf(Locale.ROOT, "requests    planned %d  sent %d  answered %d  backlogged %d  never sent %d%n",
                r.count(Counter.PLANNED), r.count(Counter.SENT), r.count(Counter.RESPONSES),
                r.count(Counter.BACKLOGGED), r.count(Counter.UNSENT) + r.count(Counter.DROPPED));
        if (r.count(Counter.WARMUP_SKIPPED) > 0) {
            out.printf(Locale.ROOT, "warm-up     %d warm-up requests were still waiting when measuring began and were "
                    + "skipped (the warm-up was too short or the rate too high)%n", r.count(Counter.WARMUP_SKIPPED));
        }
        final StringBuilder statuses = new StringBuilder();
        r.statuses().forEach((status, n) -> statuses.append(' ').append(status).append(": ").append(n));
        out.println("statuses   " + (statuses.length() == 0 ? " none" : statuses));
        if (r.errors() == 0) {
            out.println("errors      0");
        } else {
            out.printf(Locale.ROOT, "errors      %d (%.3f%%)  %s%n", r.errors(),
                    100.0 * r.errors() / Math.max(1, r.count(Counter.SENT)), r.errorsByKind());
            r.firstFailures().forEach((kind, message) ->
                    out.println("            first " + kind.name().toLowerCase(Locale.ROOT) + ": " + message));
        }
        if (!r.nativeTransport()) {
            out.println("note        native epoll unavailable: sends are timed with ~1 ms granularity (see send lag)");
        }
        for (final String warning : r.warnings()) {
            out.println();
            out.println("!!! " + warning);
        }
        out.flush();
    }

    private static void row(PrintStream out, String label, Histogram h) {
        out.printf(Locale.ROOT, "%-28s", label);
        for (final double p : PERCENTILES) {
            out.printf(Locale.ROOT, " %9s", h.getTotalCount() == 0 ? "-" : Durations.formatMicros(h
                    .getValueAtPercentile(p)));
        }
        out.printf(Locale.ROOT, " %9s%n", h.getTotalCount() == 0 ? "-" : Durations.formatMicros(h.getMaxValue()));
    }
}
