package io.arbiter.loadtest;

import io.arbiter.loadtest.hiccup.StallMeter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code loadtest hiccups}: what this machine takes from a busy thread ({@link StallMeter}), so that a server-side
 * percentile can be read against it: the stalls a spinning thread sees, and the time of fixed units of CPU work.
 */
@Command(name = "hiccups", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures the machine, not a server: one thread spins reading the clock and records every gap "
            + "longer than --threshold (a stall: the host, an interrupt, the kernel's tick), then times back-to-back "
            + "units of pure CPU work calibrated to each --work duration. A unit a stall hits takes the stall's length "
            + "longer, so the units' p99 is the p99 any code of that duration can have on this machine."})
final class HiccupsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "10s", converter = LoadTestCommand.DurationConverter.class,
            description = "How long to spin, and to run each work size. Default: ${DEFAULT-VALUE}")
    long durationNanos;

    @Option(names = "--threshold", defaultValue = "3us", converter = LoadTestCommand.DurationConverter.class,
            description = "A gap between two clock reads longer than this is a stall. Default: ${DEFAULT-VALUE}")
    long thresholdNanos;

    @Option(names = "--work", split = ",", converter = LoadTestCommand.DurationConverter.class,
            description = "Unit sizes to time, comma-separated (e.g. 2us,5us,10us,20us); none: only the spin.")
    List<Long> workNanos = List.of();

    @Override
    public Integer call() {
        if (durationNanos <= 0 || thresholdNanos <= 0) {
            throw new ParameterException(spec.commandLine(), "--duration and --threshold must be positive");
        }
        for (final long w : workNanos) {
            if (w <= 0 || w > 10_000_000) {
                throw new ParameterException(spec.commandLine(), "--work sizes must be in (0, 10ms]: "
                    + Durations.formatMicros(w / 1000.0));
            }
        }
        final PrintWriter out = spec.commandLine().getOut();
        final Histogram stalls = new Histogram(1, 10_000_000_000L, 2);
        final StallMeter.Spin spin = StallMeter.spin(System::nanoTime, durationNanos, thresholdNanos, stalls);
        out.printf(Locale.ROOT, "spin: %.1f s, %d clock reads; %d stalls over %s (%.0f/s), %.2f%% of the time%n",
            spin.elapsedNanos() / 1e9, spin.reads(), spin.stalls(), Durations.formatMicros(thresholdNanos / 1000.0),
            spin.stallsPerSecond(), 100 * spin.stalledShare());
        if (spin.stalls() > 0) {
            out.println("  stall length: " + percentiles(stalls));
        }
        for (final long target : workNanos) {
            final long iterations = StallMeter.calibrate(System::nanoTime, target);
            final Histogram times = new Histogram(1, 10_000_000_000L, 2);
            final long units = StallMeter.units(System::nanoTime, iterations, durationNanos, times);
            final long median = times.getValueAtPercentile(50);
            final long slow = units - times.getCountBetweenValues(0, median + 10_000);
            out.printf(Locale.ROOT, "work %s (%d iterations): %d units; %s; %.2f%% took 10us or more above the "
                    + "median%n", Durations.formatMicros(target / 1000.0), iterations, units, percentiles(times),
                100.0 * slow / units);
        }
        out.flush();
        return 0;
    }

    private static String percentiles(Histogram h) {
        return String.format(Locale.ROOT, "p50 %s, p90 %s, p99 %s, p99.9 %s, max %s", micros(h, 50), micros(h, 90),
            micros(h, 99), micros(h, 99.9), Durations.formatMicros(h.getMaxValue() / 1000.0));
    }

    private static String micros(Histogram h, double percentile) {
        final double us = h.getValueAtPercentile(percentile) / 1000.0;
        return us < 10 ? String.format(Locale.ROOT, "%.1fus", us) : Durations.formatMicros(us);
    }
}
