package io.arbiter.server.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ingest benchmark runs end to end for a second per configuration on a fresh embedded Postgres: its writers store
 * decision rows and rewards through the server's writer without a failed transaction, and it prints a line per run
 * and the summary table. Not a timing assertion: the rows per second are whatever this machine gives.
 */
class IngestBenchmarkTest {

    @Test
    void storesDecisionsAndRewardsThroughTheServersWriter() throws Exception {
        final IngestBenchmark.Options options = IngestBenchmark.Options.parse("--mix", "decisions,context",
                "--writers", "2", "--batch", "500", "--seconds", "1", "--warmup", "0", "--runs", "1", "--seed", "7");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<IngestBenchmark.Run> runs;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            runs = IngestBenchmark.run(options, out);
        }
        final String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, runs.size(), printed);
        for (final IngestBenchmark.Run run : runs) {
            assertTrue(run.decisions() > 0, "decision rows stored: " + printed);
            assertEquals(0, run.duplicates(), printed);
            assertEquals(0, run.failed(), "no transaction failed: " + printed);
            assertTrue(run.pgCpuSeconds() >= 0, "Postgres's processes are readable here: " + printed);
        }
        assertEquals(0, runs.get(0).rewards(), "decision rows only: " + printed);
        assertTrue(runs.get(1).rewards() > 0, "rewards with their segments: " + printed);
        assertTrue(printed.contains("| decisions | 2 | 500 | 1 |") && printed.contains("| context | 2 | 500 | 1 |"),
                printed);
    }
}
