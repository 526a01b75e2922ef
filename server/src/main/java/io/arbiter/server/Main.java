package io.arbiter.server;

import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.personalisation.evaluation.EvaluateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.LogManager;

/**
 * {@code java -jar server/target/server.jar [--config FILE]}: runs the server until SIGTERM or Ctrl-C;
 * {@code java -jar server/target/server.jar evaluate ...}: off-policy evaluation from a shell
 * ({@link EvaluateCommand}).
 */
@Command(name = "server", mixinStandardHelpOptions = true, subcommands = EvaluateCommand.class,
    description = "Arbiter: personalisation and OpenRTB bidding server. Settings come from the configuration built "
        + "into the jar, then config/server.json in the working folder (or --config FILE), then environment "
        + "variables (HTTP_PORT, PG_URL, ADMIN_TOKEN, ... see docs/config.md).")
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
        description = "JSON config file, which must exist (default: config/server.json in the working folder when "
            + "present, else the built-in configuration alone)")
    private Path configFile;

    @Option(names = "--logging", paramLabel = "FILE",
        description = "java.util.logging properties, used when the file exists (default: ${DEFAULT-VALUE})",
        defaultValue = "config/logging.properties")
    private Path loggingFile;

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("java.util.logging.config.file") == null && Files.exists(loggingFile)) {
            try (InputStream in = Files.newInputStream(loggingFile)) {
                LogManager.getLogManager().readConfiguration(in);
            }
        }
        final Path file = configFile != null ? configFile : ServerConfig.defaultFile(Path.of(""));
        final ServerConfig config;
        try {
            config = ServerConfig.load(file, System.getenv());
        } catch (NoSuchFileException e) {
            System.err.println("config file not found: " + file.toAbsolutePath());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("invalid configuration: " + e.getMessage());
            return 2;
        }
        final Application app = new Application(config, Clock.systemUTC());
        try {
            app.start();
        } catch (Exception e) {
            System.err.println("start-up failed: " + e.getMessage());
            app.stop();
            return 1;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            stopped.countDown();
            ShutdownLogManager.resetAfterShutdown();
        }, "arbiter-shutdown"));
        stopped.await();
        return 0;
    }
}
