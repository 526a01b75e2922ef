package io.arbiter.loadtest.run;

import io.arbiter.loadtest.Durations;
import io.arbiter.loadtest.scenario.RequestKind;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run measured, summed over all workers: latency histograms in microseconds (corrected,
 * service, send lag, corrected by request kind), counters, answers by status, failures by kind,
 * and the interval table. Read-only once built.
 */
public record RunResult(RunConfig config, boolean nativeTransport, Histogram corrected, Histogram service,
                        Histogram sendLag, Map<RequestKind, Histogram> correctedByKind,
                        Map<Counter, Long> counters, Map<Integer, Long> statuses,
                        Map<Counter, String> firstFailures, List<IntervalRow> intervals) {

    /** Send lag p99 above this means the generator itself fell behind its plan. */
    static final long LATE_GENERATOR_MICROS = 1000;
    /** Below this fraction of the target rate the run did not do what was asked. */
    static final double RATE_TOLERANCE = 0.95;

    public long count(Counter counter) {
        return counters.getOrDefault(counter, 0L);
    }

    public double measuredSeconds() {
        return config.durationNanos() / 1e9;
    }

    /** Answers per second in the measured window. */
    public double throughput() {
        return count(Counter.RESPONSES) / measuredSeconds();
    }

    /** Requests actually written per second in the measured window. */
    public double sendRate() {
        return count(Counter.SENT) / measuredSeconds();
    }

    public long failures() {
        long sum = 0;
        for (final Counter failure : Counter.FAILURES) {
            sum += count(failure);
        }
        return sum;
    }

    /** HTTP answers with status 400 or above. */
    public long errorStatuses() {
        long sum = 0;
        for (final Map.Entry<Integer, Long> e : statuses.entrySet()) {
            if (e.getKey() >= 400 || e.getKey() < 100) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    public long errors() {
        return failures() + errorStatuses();
    }

    /** Errors by kind, e.g. {@code http 503 -> 12, timeout -> 3}; empty when there were none. */
    public Map<String, Long> errorsByKind() {
        final Map<String, Long> out = new TreeMap<>();
        for (final Counter failure : Counter.FAILURES) {
            if (count(failure) > 0) {
                out.put(failure.name().toLowerCase(Locale.ROOT).replace('_', ' '), count(failure));
            }
        }
        statuses.forEach((status, n) -> {
            if (status >= 400 || status < 100) {
                out.put("http " + status, n);
            }
        });
        return out;
    }

    /** @return true when the generator delivered the plan: everything sent, on time, at the rate asked. */
    public boolean planKept() {
        return warnings().isEmpty();
    }

    /** Loud, plain-language statements of every way the generator failed to keep its plan. */
    public List<String> warnings() {
        final List<String> warnings = new ArrayList<>();
        final long planned = count(Counter.PLANNED);
        final long unsent = count(Counter.UNSENT);
        final long dropped = count(Counter.DROPPED);
        if (unsent + dropped > 0) {
            warnings.add(String.format(Locale.ROOT,
                    "GENERATOR SHORTFALL: %d of %d planned requests were never sent (%d dropped because the "
                            + "backlog was full, %d still waiting when the run ended). Percentiles leave them out, "
                            + "so the real tail is worse than shown.", unsent + dropped, planned, dropped, unsent));
        }
        final long backlogged = count(Counter.BACKLOGGED);
        if (backlogged > 0) {
            warnings.add(String.format(Locale.ROOT,
                    "CONNECTIONS EXHAUSTED: %d requests (%.2f%%) found all %d connections busy and waited in the "
                            + "generator's backlog (deepest %d). Their latency counts from the intended send time. "
                            + "If the server is not the bottleneck, raise --connections or --max-in-flight.",
                    backlogged, 100.0 * backlogged / Math.max(1, planned), config.connections(),
                    count(Counter.MAX_BACKLOG_DEPTH)));
        }
        final long lagP99 = sendLag.getTotalCount() == 0 ? 0 : sendLag.getValueAtPercentile(99);
        if (lagP99 > LATE_GENERATOR_MICROS) {
            warnings.add("GENERATOR LATE: its own send lag p99 is " + Durations.formatMicros(lagP99)
                    + " (intended to actual write). Part of the corrected latency is the generator's; give it "
                    + "more CPU (--threads, a quieter machine) or lower --rate.");
        }
        final double rate = throughput();
        if (rate < RATE_TOLERANCE * config.rate()) {
            warnings.add(String.format(Locale.ROOT,
                    "RATE MISSED: achieved %.0f answers/s of the %.0f/s asked (%.1f%%).",
                    rate, config.rate(), 100.0 * rate / config.rate()));
        }
        final long unfinished = count(Counter.UNFINISHED);
        if (unfinished > 0) {
            warnings.add(unfinished + " requests were still unanswered when the run ended; they are not in the "
                    + "percentiles.");
        }
        return warnings;
    }

    static Map<RequestKind, Histogram> nonEmpty(Histogram[] byKind) {
        final Map<RequestKind, Histogram> out = new EnumMap<>(RequestKind.class);
        for (final RequestKind kind : RequestKind.values()) {
            if (byKind[kind.ordinal()].getTotalCount() > 0) {
                out.put(kind, byKind[kind.ordinal()]);
            }
        }
        return out;
    }
}
