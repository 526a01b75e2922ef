package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.ScenarioSpec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.HdrHistogram.HistogramLogWriter;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one load test: starts a Vert.x with one event loop per worker, deploys the workers on a
 * common time zero, samples intervals until every worker is done, and returns the totals.
 */
public final class LoadRun {
    /** Lets every worker deploy and connect before its first planned send. */
    private static final long START_DELAY_NANOS = 200_000_000L;
    public static final String INTERVAL_LOG = "latency.hlog";

    private final RunConfig config;
    private final NanoClock clock;
    private final PrintStream progress;

    /** @param progress where the live progress line goes; null for quiet */
    public LoadRun(RunConfig config, PrintStream progress) {
        this(config, NanoClock.SYSTEM, progress);
    }

    LoadRun(RunConfig config, NanoClock clock, PrintStream progress) {
        this.config = config;
        this.clock = clock;
        this.progress = progress;
    }

    public RunResult run() throws InterruptedException {
        final ScenarioSpec.Shared scenarios = config.scenario().prepare();
        final Vertx vertx = Vertx.vertx(new VertxOptions()
                .setPreferNativeTransport(true)
                .setEventLoopPoolSize(config.threads()));
        HistogramLogWriter log = null;
        final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "loadtest-reporter");
            t.setDaemon(true);
            return t;
        });
        try {
            final List<io.arbiter.loadtest.scenario.Scenario> perWorker = new ArrayList<>();
            for (int i = 0; i < config.threads(); i++) {
                perWorker.add(scenarios.create(i, config.seed(
                        ))); // before time zero: building bid variants takes a while
            }
            final long startNanos = clock.nanoTime() + START_DELAY_NANOS;
            final long measureStartNanos = startNanos + config.warmupNanos();
            final long measureStartEpochMillis = System.currentTimeMillis()
                    + TimeUnit.NANOSECONDS.toMillis(START_DELAY_NANOS + config.warmupNanos());
            final List<Worker> workers = new ArrayList<>();
            final double perWorkerRate = config.rate() / config.threads();
            final double intervalNanos = 1e9 / config.rate();
            for (int i = 0; i < config.threads(); i++) {
                final long phase = config.arrival() == ArrivalPlan.Kind.CONSTANT ? (long) (i * intervalNanos) : 0;
                final ArrivalPlan plan = ArrivalPlan.create(config.arrival(), perWorkerRate, phase, config.seed(
                        ) * 1_000_003L + i);
                workers.add(new Worker(i, config, perWorker.get(i), plan, clock, startNanos));
            }
            log = openLog(measureStartEpochMillis);
            final IntervalReporter reporter = new IntervalReporter(workers, clock, startNanos, measureStartNanos,
                    measureStartEpochMillis, log, progress);
            final List<Future<?>> deployments = new ArrayList<>();
            for (final Worker worker : workers) {
                deployments.add(vertx.deployVerticle(worker, new DeploymentOptions()));
            }
            await(Future.all(deployments), 30_000_000_000L);
            final long firstTick = Math.floorMod(measureStartNanos - clock.nanoTime(), config.intervalNanos());
            ticker.scheduleAtFixedRate(reporter::sample, firstTick == 0 ? config.intervalNanos() : firstTick,
                    config.intervalNanos(), TimeUnit.NANOSECONDS);
            final List<Future<?>> finished = new ArrayList<>();
            workers.forEach(w -> finished.add(w.finished()));
            final long limit = START_DELAY_NANOS + config.warmupNanos() + config.durationNanos() + 2 * config
                    .timeoutNanos()
                    + 30_000_000_000L;
            await(Future.all(finished), limit);
            ticker.shutdown();
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            reporter.sample();
            reporter.endProgress();
            return result(vertx.isNativeTransportEnabled(), workers, reporter);
        } finally {
            ticker.shutdownNow();
            if (log != null) {
                log.close();
            }
            try {
                await(vertx.close(), 10_000_000_000L);
            } catch (RuntimeException e) {
                // closing is best effort; the result is already taken
            }
        }
    }

    private HistogramLogWriter openLog(long measureStartEpochMillis) {
        final Path dir = config.reportDir();
        if (dir == null) {
            return null;
        }
        try {
            Files.createDirectories(dir);
            final HistogramLogWriter log = new HistogramLogWriter(dir.resolve(INTERVAL_LOG).toFile());
            log.outputComment("arbiter loadtest: values in microseconds; untagged = corrected latency "
                    + "(from intended send time), tag service = from actual write, tag send-lag = generator delay");
            log.outputComment("url " + config.url() + " scenario " + config.scenario().name() + " rate "
                    + config.rate() + "/s seed " + config.seed());
            log.outputLogFormatVersion();
            log.outputStartTime(measureStartEpochMillis);
            log.setBaseTime(measureStartEpochMillis);
            log.outputLegend();
            return log;
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create report directory " + dir, e);
        }
    }

    private RunResult result(boolean nativeTransport, List<Worker> workers, IntervalReporter reporter) {
        final Map<Counter, Long> counters = new EnumMap<>(Counter.class);
        final Map<Integer, Long> statuses = new TreeMap<>();
        final Map<Counter, String> firstFailures = new EnumMap<>(Counter.class);
        for (final Worker worker : workers) {
            for (final Counter counter : Counter.values()) {
                final long value = worker.counters.get(counter);
                counters.merge(counter, value, counter == Counter.MAX_BACKLOG_DEPTH ? Math::max : Long::sum);
                final String failure = worker.counters.firstFailure(counter);
                if (failure != null) {
                    firstFailures.putIfAbsent(counter, failure);
                }
            }
            for (int status = 0; status < WorkerCounters.MAX_STATUS; status++) {
                final long n = worker.counters.status(status);
                if (n > 0) {
                    statuses.merge(status, n, Long::sum);
                }
            }
        }
        return new RunResult(config, nativeTransport, reporter.totalCorrected, reporter.totalService,
                reporter.totalSendLag, RunResult.nonEmpty(reporter.totalCorrectedByKind), counters, statuses,
                firstFailures, reporter.rows());
    }

    private static <T> T await(Future<T> future, long timeoutNanos) throws InterruptedException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("load run failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("load run did not finish in time", e);
        }
    }
}
