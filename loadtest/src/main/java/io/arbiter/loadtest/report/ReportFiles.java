package io.arbiter.loadtest.report;

import io.arbiter.loadtest.run.LoadRun;
import io.arbiter.loadtest.run.RunResult;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a run's report directory. The interval log ({@value LoadRun#INTERVAL_LOG}) is written
 * during the run; this adds the percentile distributions, the JSON summary and the HTML report.
 */
public final class ReportFiles {
    public static final String CORRECTED_HGRM = "latency.hgrm";
    public static final String SERVICE_HGRM = "service.hgrm";
    public static final String SUMMARY = "summary.json";
    public static final String HTML = "report.html";

    private ReportFiles() {
    }

    /** @return the files written, in the order a reader might want them */
    public static List<Path> write(RunResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        final Path corrected = dir.resolve(CORRECTED_HGRM);
        final Path service = dir.resolve(SERVICE_HGRM);
        writeHgrm(result.corrected(), corrected);
        writeHgrm(result.service(), service);
        final Path summary = Files.writeString(dir.resolve(SUMMARY), JsonSummary.of(result).encodePrettily() + "\n");
        final Path html = Files.writeString(dir.resolve(HTML), HtmlReport.render(result));
        return List.of(html, summary, corrected, service, dir.resolve(LoadRun.INTERVAL_LOG));
    }

    /**
     * HdrHistogram's percentile distribution, values in milliseconds (the format wrk2 prints and the plotter reads).
     */
    static void writeHgrm(Histogram h, Path file) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(out, 5, 1000.0);
        }
    }
}
