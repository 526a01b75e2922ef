package io.arbiter.loadtest.run;

import io.arbiter.loadtest.Durations;
import io.arbiter.loadtest.scenario.RequestKind;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Gathers every worker's interval histograms once per interval, on one reporter thread. Interval
 * histograms are recycled ({@link IntervalSampler}); run totals are sums of the intervals of all
 * workers ({@link Histogram#add}), never averages of percentiles, which would be meaningless.
 *
 * <p>Each interval goes to the interval log (untagged: corrected; tag {@code service}; tag
 * {@code send-lag}), to the table behind the HTML charts, and to the live progress line.
 */
public final class IntervalReporter {
    private final List<Worker> workers;
    private final NanoClock clock;
    private final long measureStartNanos;
    private final long measureStartEpochMillis;
    private final HistogramLogWriter log;
    private final PrintStream progress;
    private final long warmupEndNanos;

    final Histogram totalCorrected = Histograms.newHistogram();
    final Histogram totalService = Histograms.newHistogram();
    final Histogram totalSendLag = Histograms.newHistogram();
    final Histogram[] totalCorrectedByKind = new Histogram[RequestKind.values().length];

    private final Histogram intervalCorrected = Histograms.newHistogram();
    private final Histogram intervalService = Histograms.newHistogram();
    private final Histogram intervalSendLag = Histograms.newHistogram();
    private final List<IntervalRow> rows = new ArrayList<>();
    static final long MIN_FIRST_ROW_NANOS = 50_000_000L;
    private long lastSampleNanos;
    private long lastErrors;
    private long lastAnswers;

    /**
     * @param measureStartNanos end of warm-up on {@code clock}
     * @param log               interval log, or null
     * @param progress          where the live progress line goes, or null for quiet
     */
    public IntervalReporter(List<Worker> workers, NanoClock clock, long runStartNanos, long measureStartNanos,
                            long measureStartEpochMillis, HistogramLogWriter log, PrintStream progress) {
        this.workers = List.copyOf(workers);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.measureStartNanos = measureStartNanos;
        this.warmupEndNanos = measureStartNanos;
        this.measureStartEpochMillis = measureStartEpochMillis;
        this.log = log;
        this.progress = progress;
        this.lastSampleNanos = runStartNanos;
        for (int i = 0; i < totalCorrectedByKind.length; i++) {
            totalCorrectedByKind[i] = Histograms.newHistogram();
        }
    }

    /** Takes one interval from every worker. Called by the reporter thread only (synchronized for the final call). */
    public synchronized void sample() {
        final long now = clock.nanoTime();
        for (final Worker worker : workers) {
            worker.corrected.drainInto(intervalCorrected);
            worker.service.drainInto(intervalService);
            worker.sendLag.drainInto(intervalSendLag);
            for (int k = 0; k < totalCorrectedByKind.length; k++) {
                worker.correctedByKind[k].drainInto(totalCorrectedByKind[k]);
            }
        }
        final long errors = errorsSoFar();
        long backlog = 0;
        long answers = 0;
        for (final Worker worker : workers) {
            backlog += worker.counters.get(Counter.BACKLOG_DEPTH);
            answers += worker.counters.get(Counter.ALL_RESPONSES);
        }
        // A tick that lands just after the end of warm-up (timer jitter) would make a near-empty
        // first row with a meaningless rate; it counts as warm-up and its time joins the next row.
        if (now <= warmupEndNanos + MIN_FIRST_ROW_NANOS) {
            // A tick just after the end of warm-up has drained answers to measured requests: they stay in the
            // interval histograms and join the first row (the answers counter, which includes warm-up answers,
            // restarts here). Anything drained before the end of warm-up is not measured and is dropped.
            if (now < warmupEndNanos) {
                intervalCorrected.reset();
                intervalService.reset();
                intervalSendLag.reset();
            }
            showWarmup(now, backlog);
            // The first row's latencies start at the end of warm-up; its throughput misses the answers of the
            // moments between then and this tick (under 50 ms of them).
            lastSampleNanos = Math.min(now, warmupEndNanos);
            lastAnswers = answers;
            lastErrors = errors;
            return;
        }
        final long from = Math.max(lastSampleNanos, measureStartNanos);
        final double length = (now - from) / 1e9;
        final double end = (now - measureStartNanos) / 1e9;
        totalCorrected.add(intervalCorrected);
        totalService.add(intervalService);
        totalSendLag.add(intervalSendLag);
        // Throughput counts every answer in the interval, including late answers to warm-up requests:
        // it is what the server delivered. Latency covers measured requests only.
        final IntervalRow row = new IntervalRow(end, length, answers - lastAnswers, errors - lastErrors,
                intervalCorrected.getValueAtPercentile(50), intervalCorrected.getValueAtPercentile(90),
                intervalCorrected.getValueAtPercentile(99), intervalCorrected.getValueAtPercentile(99.9),
                intervalCorrected.getMaxValue(), intervalService.getValueAtPercentile(50),
                intervalService.getValueAtPercentile(99), backlog);
        final IntervalRow last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
        if (last != null && now - from < MIN_FIRST_ROW_NANOS) {
            // The final sample can cover a few milliseconds: fold it into the previous row, so the
            // charts show no spike from dividing a handful of answers by a sliver of time.
            rows.set(rows.size() - 1, new IntervalRow(end, last.lengthSeconds() + length,
                    last.responses() + row.responses(), last.errors() + row.errors(), last.p50(), last.p90(),
                    last.p99(), last.p999(), Math.max(last.max(), row.max()), last.serviceP50(), last.serviceP99(),
                    row.backlogDepth()));
        } else {
            rows.add(row);
        }
        writeLog(end - length, end);
        intervalCorrected.reset();
        intervalService.reset();
        intervalSendLag.reset();
        showProgress(row);
        lastErrors = errors;
        lastAnswers = answers;
        lastSampleNanos = now;
    }

    public synchronized List<IntervalRow> rows() {
        return List.copyOf(rows);
    }

    /** Ends the live progress line so the summary starts on a fresh line. */
    public void endProgress() {
        if (progress != null) {
            progress.print('\n');
            progress.flush();
        }
    }

    private long errorsSoFar() {
        long errors = 0;
        for (final Worker worker : workers) {
            for (final Counter failure : Counter.FAILURES) {
                errors += worker.counters.get(failure);
            }
            for (int status = 400; status < WorkerCounters.MAX_STATUS; status++) {
                errors += worker.counters.status(status);
            }
        }
        return errors;
    }

    private void writeLog(double startSeconds, double endSeconds) {
        if (log == null) {
            return;
        }
        // Values are microseconds, so a ratio of 1000 makes the log's max column milliseconds.
        intervalCorrected.setTag(null);
        log.outputIntervalHistogram(startSeconds, endSeconds, intervalCorrected, 1000.0);
        intervalService.setTag("service");
        log.outputIntervalHistogram(startSeconds, endSeconds, intervalService, 1000.0);
        intervalSendLag.setTag("send-lag");
        log.outputIntervalHistogram(startSeconds, endSeconds, intervalSendLag, 1000.0);
    }

    private void showWarmup(long now, long backlog) {
        if (progress != null) {
            progress.printf(Locale.ROOT, "\r  warming up, %.0fs to go   backlog %d          ",
                    Math.max(0, Math.ceil((warmupEndNanos - now) / 1e9)), backlog);
            progress.flush();
        }
    }

    private void showProgress(IntervalRow row) {
        if (progress != null) {
            progress.printf(Locale.ROOT, "\r  %5.0fs  %8.0f req/s   p50 %-8s p99 %-8s max %-8s errors %-6d backlog "
                    + "%-6d ",
                    row.endSeconds(), row.throughput(), Durations.formatMicros(row.p50()),
                    Durations.formatMicros(row.p99()), Durations.formatMicros(row.max()), row.errors(),
                    row.backlogDepth());
            progress.flush();
        }
    }

    long measureStartEpochMillis() {
        return measureStartEpochMillis;
    }
}
