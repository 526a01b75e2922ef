package io.arbiter.loadtest;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A latency objective on corrected latency, such as {@code p99=1ms} or {@code p99=1ms,p99.9=5ms}.
 * {@code max=} is accepted for the largest value.
 */
public record Slo(List<Target> targets) {

    /** One percentile and its limit in microseconds. */
    public record Target(double percentile, long limitMicros) {
        public String label() {
            return percentile >= 100 ? "max" : "p" + trim(percentile);
        }
    }

    public Slo {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("an SLO needs at least one target, e.g. p99=1ms");
        }
    }

    public static Slo parse(String text) {
        final List<Target> targets = new ArrayList<>();
        for (final String item : text.split(",")) {
            final String[] kv = item.trim().toLowerCase(Locale.ROOT).split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("SLO items look like p99=1ms, got '" + item + "'");
            }
            final double percentile;
            if (kv[0].equals("max")) {
                percentile = 100;
            } else if (kv[0].startsWith("p")) {
                percentile = Double.parseDouble(kv[0].substring(1));
            } else {
                throw new IllegalArgumentException("SLO percentile must look like p99 or p99.9, got '" + kv[0] + "'");
            }
            if (!(percentile > 0 && percentile <= 100)) {
                throw new IllegalArgumentException("SLO percentile out of range: " + kv[0]);
            }
            targets.add(new Target(percentile, Durations.parseNanos(kv[1]) / 1000));
        }
        return new Slo(targets);
    }

    /** @return null when {@code h} meets every target, else which one it missed. */
    public String violation(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "no answers";
        }
        for (final Target t : targets) {
            final long value = t.percentile() >= 100 ? h.getMaxValue() : h.getValueAtPercentile(t.percentile());
            if (value > t.limitMicros()) {
                return t.label() + " " + Durations.formatMicros(value) + " > " + Durations.formatMicros(t.limitMicros(
                        ));
            }
        }
        return null;
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder();
        for (final Target t : targets) {
            s.append(s.length() == 0 ? "" : ",").append(t.label()).append('=').append(Durations.formatMicros(t
                    .limitMicros()));
        }
        return s.toString();
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
