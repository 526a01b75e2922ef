package io.arbiter.loadtest;

import io.arbiter.loadtest.run.RunConfig;
import io.arbiter.loadtest.server.NoopServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    @Test
    void helpExplainsEveryOption() {
        final StringWriter help = new StringWriter();
        final int code = Main.commandLine().setOut(new PrintWriter(help)).execute("--help");
        assertEquals(0, code);
        for (final String option : List.of("--url", "--scenario", "--rate", "--duration", "--warmup", "--connections",
                "--threads", "--max-in-flight", "--http2", "--insecure", "--arrival", "--seed", "--timeout",
                "--max-backlog", "--interval", "--report", "--quiet", "--experiments", "--units", "--reward-rate",
                "--mix", "--file", "--path", "--find-max", "--slo", "--max-trials", "noop-server", "hiccups")) {
            assertTrue(help.toString().contains(option), option + " missing from\n" + help);
        }
        final StringWriter serverHelp = new StringWriter();
        Main.commandLine().setOut(new PrintWriter(serverHelp)).execute("noop-server", "--help");
        assertTrue(serverHelp.toString().contains("--stall-every"), serverHelp.toString());
    }

    @Test
    void optionsBecomeAValidatedRunConfig() {
        final LoadTestCommand command = new LoadTestCommand();
        new CommandLine(command).parseArgs("--url", "https://example.test:8443/api/", "--scenario", "bid", "--rate",
                "20000", "--duration", "60s", "--warmup", "10s", "--connections", "16", "--threads", "2",
                "--http2", "--insecure", "--arrival", "poisson", "--seed", "99", "--report", "out");
        final RunConfig config = command.config();
        assertEquals(20000, config.rate());
        assertEquals(60_000_000_000L, config.durationNanos());
        assertEquals(10_000_000_000L, config.warmupNanos());
        assertEquals(8, config.connectionsOf(0));
        assertEquals(8443, config.port());
        assertEquals("/api", config.basePath());
        assertTrue(config.tls() && config.http2() && config.insecure());
        assertEquals(99, config.seed());
        assertEquals("bid", config.scenario().name());
    }

    @Test
    void badOptionsFailWithAClearMessage() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final LoadTestCommand command = new LoadTestCommand(System.out, new PrintStream(err, true,
                StandardCharsets.UTF_8));
        final int code = new CommandLine(command).execute("--arrival", "bursty");
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--arrival must be constant or poisson"));
        err.reset();
        assertEquals(2, new CommandLine(command).execute("--url", "ftp://x", "--arrival", "constant"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("http:// or https://"));
    }

    @Test
    void findMaxPrintsTheTableOfRatesTried() throws Exception {
        final Vertx server = Vertx.vertx();
        try {
            final int port = NoopServer.start(server, new NoopServer.Settings("127.0.0.1", 0, 1, 0, 0, false))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final LoadTestCommand command = new LoadTestCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                    System.err);
            final int code = new CommandLine(command).execute("--url", "http://127.0.0.1:" + port, "--scenario", "get",
                    "--rate", "200", "--duration", "400ms", "--warmup", "200ms", "--connections", "2", "--seed", "3",
                    "--find-max", "--slo", "p99=5s", "--max-trials", "2", "--quiet");
            final String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text);
            assertTrue(text.contains("max-rate search for p99=5.00s"), text);
            assertTrue(text.lines().anyMatch(l -> l.trim().startsWith("200 ") && l.contains("pass")), text);
            assertTrue(text.lines().anyMatch(l -> l.trim().startsWith("400 ")), text);
            assertTrue(text.contains("highest rate meeting"), text);
        } finally {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void hiccupsReportsTheSpinAndEachWorkSizeAndRefusesNonsense() {
        final StringWriter out = new StringWriter();
        final int code = Main.commandLine().setOut(new PrintWriter(out)).execute("hiccups", "--duration", "50ms",
            "--work", "2us,5us");
        assertEquals(0, code, out.toString());
        final String text = out.toString();
        assertTrue(text.startsWith("spin: "), text);
        assertTrue(text.contains("\nwork 2us (") && text.contains("\nwork 5us ("), text);
        assertTrue(text.contains("units; p50 "), text);
        final StringWriter err = new StringWriter();
        assertEquals(2, Main.commandLine().setErr(new PrintWriter(err)).execute("hiccups", "--work", "0us"));
        assertTrue(err.toString().contains("--work sizes must be in (0, 10ms]"), err.toString());
    }
}
