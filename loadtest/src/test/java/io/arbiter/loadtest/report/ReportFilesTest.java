package io.arbiter.loadtest.report;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.run.Counter;
import io.arbiter.loadtest.run.LoadRun;
import io.arbiter.loadtest.run.RunConfig;
import io.arbiter.loadtest.run.RunResult;
import io.arbiter.loadtest.scenario.ScenarioSpec;
import io.arbiter.loadtest.server.NoopServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real mixed run against the no-op server, then every report file read back. */
class ReportFilesTest {

    @Test
    void writesHgrmIntervalLogJsonAndOfflineHtml(@TempDir Path dir) throws Exception {
        final Vertx server = Vertx.vertx();
        try {
            final int port = NoopServer.start(server, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0, false))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            final RunConfig config = new RunConfig(URI.create("http://127.0.0.1:" + port),
                    new ScenarioSpec("mixed", List.of("hero", "pricing"), 1000, 0.5,
                            ScenarioSpec.parseMix("decide=50,reward=20,bid=30"), null, "/"),
                    400, 2_000_000_000L, 300_000_000L, 4, 2, 1, false, false, ArrivalPlan.Kind.POISSON, 77,
                    2_000_000_000L, 100_000, 500_000_000L, dir, false);
            final RunResult result = new LoadRun(config, null).run();
            final List<Path> files = ReportFiles.write(result, dir);

            assertEquals(0, result.errors(), result.errorsByKind().toString());
            assertTrue(result.statuses().containsKey(200) && result.statuses().containsKey(202)
                    && result.statuses().containsKey(204), "decide, reward and bid all answered: " + result.statuses());
            for (final Path file : files) {
                assertTrue(Files.size(file) > 0, file + " written");
            }

            final String hgrm = Files.readString(dir.resolve(ReportFiles.CORRECTED_HGRM));
            assertTrue(hgrm.contains("Value     Percentile TotalCount 1/(1-Percentile)"), hgrm);
            assertTrue(hgrm.contains("#[Mean    ="), hgrm);
            assertTrue(hgrm.contains("#[Buckets ="), hgrm);

            // The interval log holds the whole measured run: its corrected intervals add up to the total.
            final Histogram fromLog = new Histogram(3);
            int intervals = 0;
            final HistogramLogReader reader = new HistogramLogReader(dir.resolve(LoadRun.INTERVAL_LOG).toFile());
            for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
                if (h.getTag() == null) {
                    fromLog.add((Histogram) h);
                    intervals++;
                }
            }
            assertTrue(intervals >= 4, "one interval per 500 ms: " + intervals);
            assertEquals(result.corrected().getTotalCount(), fromLog.getTotalCount());
            assertEquals(result.corrected().getMaxValue(), fromLog.getMaxValue());

            final JsonObject summary = new JsonObject(Files.readString(dir.resolve(ReportFiles.SUMMARY)));
            assertEquals(result.count(Counter.RESPONSES), summary.getJsonObject("corrected").getLong("count"));
            for (final String key : List.of("p50Ms", "p90Ms", "p99Ms", "p999Ms", "p9999Ms", "maxMs")) {
                assertTrue(summary.getJsonObject("corrected").containsKey(key), key);
                assertTrue(summary.getJsonObject("uncorrected").containsKey(key), key);
            }
            assertEquals(400.0, summary.getDouble("targetRate"));
            assertEquals(77L, summary.getJsonObject("config").getLong("seed"));
            assertTrue(summary.getJsonObject("correctedByKind").containsKey("reward"));
            assertFalse(summary.getJsonArray("intervals").isEmpty());

            final String html = Files.readString(dir.resolve(ReportFiles.HTML));
            assertTrue(html.contains("Latency by percentile") && html.contains("Throughput over time")
                    && html.contains("Latency over time"));
            assertEquals(3, html.split("<svg ", -1).length - 1, "three charts");
            assertTrue(html.contains("99.99%"), "percentile axis runs to the far tail");
            assertFalse(html.contains("<script"), "no script");
            assertFalse(html.contains("src="), "nothing to fetch");
            assertFalse(html.contains("href="), "nothing to fetch");
            assertFalse(html.replace("http://www.w3.org/2000/svg", "").replace(config.url().toString(), "")
                    .matches("(?s).*https?://.*"), "no network addresses");

            final ByteArrayOutputStream console = new ByteArrayOutputStream();
            ConsoleReport.print(result, new PrintStream(console, true, StandardCharsets.UTF_8));
            final String text = console.toString(StandardCharsets.UTF_8);
            for (final String column : List.of("p50", "p90", "p99", "p99.9", "p99.99", "max", "corrected",
                    "uncorrected",
                    "throughput", "errors", "seed 77")) {
                assertTrue(text.contains(column), column + " in\n" + text);
            }
        } finally {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
