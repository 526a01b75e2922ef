package io.arbiter.loadtest;

import java.util.Locale;

/** Parses and prints human durations such as {@code 60s}, {@code 500ms}, {@code 250us}, {@code 2m}. */
public final class Durations {
    private Durations() {
    }

    /** @return the duration in nanoseconds; a bare number means seconds. */
    public static long parseNanos(String text) {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        while (split < s.length() && (Character.isDigit(s.charAt(split)) || s.charAt(split) == '.')) {
            split++;
        }
        if (split == 0) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try 60s, 500ms, 250us, 2m)");
        }
        final double value = Double.parseDouble(s.substring(0, split));
        final String unit = s.substring(split).trim();
        final double nanosPerUnit = switch (unit) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "", "s" -> 1e9;
            case "m", "min" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException(
                    "unknown duration unit '" + unit + "' in '" + text + "' (use ns, us, ms, s, m, h)");
        };
        return Math.round(value * nanosPerUnit);
    }

    /** Formats microseconds for people: {@code 812us}, {@code 1.25ms}, {@code 3.4s}. */
    public static String formatMicros(double micros) {
        if (micros < 1000) {
            return String.format(Locale.ROOT, "%.0fus", micros);
        }
        if (micros < 1_000_000) {
            return String.format(Locale.ROOT, micros < 10_000 ? "%.2fms" : "%.1fms", micros / 1000);
        }
        return String.format(Locale.ROOT, "%.2fs", micros / 1_000_000);
    }
}
