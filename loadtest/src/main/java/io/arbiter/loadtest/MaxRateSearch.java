package io.arbiter.loadtest;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Finds the highest rate that meets an objective: doubles from the start rate until a trial
 * fails, then bisects between the best pass and the lowest failure until they are within
 * {@code precision} of each other, or the trial budget is spent.
 */
public final class MaxRateSearch {

    /** What one trial at one rate showed; latencies in microseconds. */
    public record Trial(double rate, double achieved, double p50, double p99, double p999, double max, long errors,
                        boolean passed, String reason) {
    }

    /** Runs one trial at a rate. */
    @FunctionalInterface
    public interface Runner {
        Trial run(double rate) throws InterruptedException;
    }

    private final double startRate;
    private final double precision;
    private final int maxTrials;

    public MaxRateSearch(double startRate, double precision, int maxTrials) {
        if (!(startRate > 0) || !(precision > 0 && precision < 1) || maxTrials < 1) {
            throw new IllegalArgumentException("need startRate > 0, 0 < precision < 1, maxTrials >= 1");
        }
        this.startRate = startRate;
        this.precision = precision;
        this.maxTrials = maxTrials;
    }

    /** @return every trial in the order run; the best is {@link #best(List)}. */
    public List<Trial> search(Runner runner) throws InterruptedException {
        Objects.requireNonNull(runner, "runner");
        final List<Trial> trials = new ArrayList<>();
        double pass = 0;
        double fail = Double.POSITIVE_INFINITY;
        double rate = startRate;
        while (trials.size() < maxTrials && rate >= 1) {
            final Trial trial = runner.run(rate);
            trials.add(trial);
            if (trial.passed()) {
                pass = rate;
            } else {
                fail = rate;
            }
            if (fail == Double.POSITIVE_INFINITY) {
                rate = rate * 2;
            } else if ((fail - pass) / fail <= precision) {
                break;
            } else {
                rate = Math.rint((pass + fail) / 2);
            }
        }
        return trials;
    }

    /** @return the passing trial with the highest rate, or null when none passed. */
    public static Trial best(List<Trial> trials) {
        Trial best = null;
        for (final Trial t : trials) {
            if (t.passed() && (best == null || t.rate() > best.rate())) {
                best = t;
            }
        }
        return best;
    }

    public static void printTable(List<Trial> trials, Slo slo, PrintStream out) {
        out.printf(Locale.ROOT, "%nmax-rate search for %s (corrected latency)%n", slo);
        out.printf(Locale.ROOT, "%10s %10s %9s %9s %9s %9s %8s  %s%n",
                "target/s", "achieved/s", "p50", "p99", "p99.9", "max", "errors", "result");
        for (final Trial t : trials) {
            out.printf(Locale.ROOT, "%10.0f %10.0f %9s %9s %9s %9s %8d  %s%n", t.rate(), t.achieved(),
                    Durations.formatMicros(t.p50()), Durations.formatMicros(t.p99()), Durations.formatMicros(t.p999()),
                    Durations.formatMicros(t.max()), t.errors(), t.passed() ? "pass" : "FAIL: " + t.reason());
        }
        final Trial best = best(trials);
        out.println(best == null ? "no rate met the objective" :
                String.format(Locale.ROOT, "highest rate meeting %s: %.0f/s", slo, best.rate()));
    }
}
