package io.arbiter.loadtest;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.report.ConsoleReport;
import io.arbiter.loadtest.report.ReportFiles;
import io.arbiter.loadtest.run.Counter;
import io.arbiter.loadtest.run.LoadRun;
import io.arbiter.loadtest.run.RunConfig;
import io.arbiter.loadtest.run.RunResult;
import io.arbiter.loadtest.scenario.DecideContext;
import io.arbiter.loadtest.scenario.ScenarioSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/** The command line: options to {@link RunConfig}, then one run or a max-rate search. */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "arbiter loadtest 0.1",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Open-loop HTTP load tester. Requests are sent on a fixed plan whatever the server does; "
                + "latency is measured from the planned send time (corrected for coordinated omission) and from the "
                + "actual write (service time). Both are printed; the difference is what a stalling server hides from "
                + "closed-loop tools.",
            ""},
        subcommands = {NoopServerCommand.class, HiccupsCommand.class},
        footer = {"", "Durations: 500us, 20ms, 10s, 2m.  Example:",
            "  java -jar loadtest.jar --url http://127.0.0.1:8080 --scenario decide --rate 20000 --duration 60s "
                    + "--warmup 10s --connections 16 --report out/decide-20k"})
public final class LoadTestCommand implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
            description = "Base URL of the server: http:// or https://, host, port (and an optional path prefix). Default: ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--scenario", defaultValue = "decide",
            description = "Traffic: decide, reward (decide, then reward a fraction with real tokens), bid (OpenRTB "
                    + "2.6), mixed (--mix), file (--file), get (GET --path, e.g. a no-op endpoint). Default: "
                    + "${DEFAULT-VALUE}")
    String scenario;

    @Option(names = "--rate", defaultValue = "1000", description = "Planned requests per second, in total. Default: "
            + "${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to measure, after warm-up. Default: ${DEFAULT-VALUE}")
    long durationNanos;

    @Option(names = "--warmup", defaultValue = "10s", converter = DurationConverter.class,
            description = "Load before measuring (JIT, connections, caches); requests planned in it are not recorded. "
                    + "Default: ${DEFAULT-VALUE}")
    long warmupNanos;

    @Option(names = "--connections", defaultValue = "16",
            description = "Connections in total, spread over the threads. Default: ${DEFAULT-VALUE}")
    int connections;

    @Option(names = "--threads",
            description = "Event loops sending requests, each with its own connections and latency recorders. "
                    + "Default: the smaller of --connections and the number of cores.")
    Integer threads;

    @Option(names = "--max-in-flight", defaultValue = "1",
            description = "Requests in flight per connection: HTTP/1.1 pipelining depth, or HTTP/2 streams. "
                    + "When all are busy, requests wait in the generator's backlog and that wait is counted. Default: "
                    + "${DEFAULT-VALUE}")
    int maxInFlight;

    @Option(names = "--http2", description = "Speak HTTP/2: by ALPN over https://, with prior knowledge (h2c) over http://.")
    boolean http2;

    @Option(names = "--insecure", description = "Trust any TLS certificate and skip host name checks (self-signed test "
            + "servers).")
    boolean insecure;

    @Option(names = "--arrival", defaultValue = "constant",
            description = "Send plan: constant (evenly spaced) or poisson (random gaps, like independent users). "
                    + "Default: ${DEFAULT-VALUE}")
    String arrival;

    @Option(names = "--seed", description = "Seed for arrivals and scenario data; printed so a run can be repeated. "
            + "Default: random.")
    Long seed;

    @Option(names = "--timeout", defaultValue = "2s", converter = DurationConverter.class,
            description = "A request with no answer for this long is a timeout error. Also the connect timeout and the "
                    + "wait for the last answers. Default: ${DEFAULT-VALUE}")
    long timeoutNanos;

    @Option(names = "--max-backlog", defaultValue = "1000000",
            description = "Requests allowed to wait for a free connection, per thread; beyond it they are dropped and "
                    + "counted. Default: ${DEFAULT-VALUE}")
    int maxBacklog;

    @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "Length of one interval in the progress line, the interval log and the charts. Default: "
                    + "${DEFAULT-VALUE}")
    long intervalNanos;

    @Option(names = "--report", description = "Directory for report.html, summary.json, latency.hgrm, service.hgrm and "
            + "latency.hlog.")
    Path reportDir;

    @Option(names = "--quiet", description = "No live progress line (it is also off when output is not a terminal).")
    boolean quiet;

    @Option(names = "--experiments", defaultValue = "hero", split = ",",
            description = "Experiments for decide and reward, comma separated. Default: ${DEFAULT-VALUE}")
    List<String> experiments;

    @Option(names = "--units", defaultValue = "100000",
            description = "Distinct unit (visitor) ids for decide; skewed so some units come back often. Default: "
                    + "${DEFAULT-VALUE}")
    int units;

    @Option(names = "--context", description = "Decide requests carry these categorical attributes, name=values "
            + "pairs, e.g. device=4,country=5 (values v0..v3 and v0..v4, drawn uniformly).")
    String context;

    @Option(names = "--features", defaultValue = "0",
            description = "Decide requests carry this many numeric features f0, f1, ... (uniform in [0, 1)). "
                    + "Default: ${DEFAULT-VALUE}")
    int features;

    @Option(names = "--reward-rate", defaultValue = "0.1",
            description = "Fraction of decisions that get a reward in the reward scenario. Default: ${DEFAULT-VALUE}")
    double rewardRate;

    @Option(names = "--mix", defaultValue = "decide=60,reward=10,bid=30",
            description = "Weights for the mixed scenario, from decide, reward, bid, get. Default: ${DEFAULT-VALUE}")
    String mix;

    @Option(names = "--file", description = "JSON lines for the file scenario: {\"method\":\"POST\",\"path\":\""
            + "/v1/decide\",\"body\":{...}}")
    Path file;

    @Option(names = "--path", defaultValue = "/", description = "Path for the get scenario. Default: ${DEFAULT-VALUE}")
    String path;

    @Option(names = "--find-max", description = "Search for the highest rate meeting --slo, starting at --rate; prints "
            + "every rate tried.")
    boolean findMax;

    @Option(names = "--slo", defaultValue = "p99=1ms",
            description = "Objective for --find-max on corrected latency, e.g. p99=1ms or p99=1ms,p99.9=5ms. A trial "
                    + "also fails on more than 0.1%% errors, under 95%% of the target rate, or requests never sent. "
                    + "Default: ${DEFAULT-VALUE}")
    String slo;

    @Option(names = "--max-trials", defaultValue = "10", description = "Most trials --find-max runs. Default: "
            + "${DEFAULT-VALUE}")
    int maxTrials;

    private final PrintStream out;
    private final PrintStream err;

    public LoadTestCommand() {
        this(System.out, System.err);
    }

    LoadTestCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Builds and validates the run configuration from the options. */
    RunConfig config() {
        final long chosenSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        final int chosenThreads = threads != null ? threads
                : Math.max(1, Math.min(connections, Runtime.getRuntime().availableProcessors()));
        final ScenarioSpec spec = new ScenarioSpec(scenario, experiments, units, rewardRate,
                scenario.equalsIgnoreCase("mixed") ? ScenarioSpec.parseMix(mix) : java.util.Map.of(), file, path,
                DecideContext.parse(context, features));
        final ArrivalPlan.Kind kind;
        try {
            kind = ArrivalPlan.Kind.valueOf(arrival.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--arrival must be constant or poisson, was " + arrival);
        }
        final boolean progress = !quiet && System.console() != null;
        return new RunConfig(URI.create(url), spec, rate, durationNanos, warmupNanos, connections, chosenThreads,
                maxInFlight, http2, insecure, kind, chosenSeed, timeoutNanos, maxBacklog, intervalNanos, reportDir,
                        progress);
    }

    @Override
    public Integer call() throws Exception {
        final RunConfig config;
        final Slo objective;
        try {
            config = config();
            objective = findMax ? Slo.parse(slo) : null;
        } catch (IllegalArgumentException e) {
            err.println("loadtest: " + e.getMessage());
            return 2;
        }
        out.printf(Locale.ROOT, "loadtest: %s %s at %.0f/s for %.0fs (+%.0fs warm-up), seed %d%n", config.scenario()
                .name(),
                config.url(), config.rate(), config.durationNanos() / 1e9, config.warmupNanos() / 1e9, config.seed());
        if (findMax) {
            return findMax(config, objective);
        }
        final RunResult result = new LoadRun(config, config.progress() ? err : null).run();
        ConsoleReport.print(result, out);
        if (config.reportDir() != null) {
            final List<Path> files = ReportFiles.write(result, config.reportDir());
            out.println("\nreport: " + files.get(0).toAbsolutePath());
        }
        return result.planKept() ? 0 : 3;
    }

    private int findMax(RunConfig base, Slo objective) throws InterruptedException {
        final MaxRateSearch search = new MaxRateSearch(base.rate(), 0.05, maxTrials);
        final List<MaxRateSearch.Trial> trials = search.search(rate -> {
            final Path dir = base.reportDir() == null ? null : base.reportDir().resolve(String.format(Locale.ROOT,
                    "rate-%.0f", rate));
            final RunConfig config = base.withRate(rate).withReportDir(dir);
            out.printf(Locale.ROOT, "%ntrial at %.0f/s ...%n", rate);
            final RunResult r = new LoadRun(config, config.progress() ? err : null).run();
            if (dir != null) {
                try {
                    ReportFiles.write(r, dir);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return trial(r, objective);
        });
        MaxRateSearch.printTable(trials, objective, out);
        return MaxRateSearch.best(trials) == null ? 1 : 0;
    }

    static MaxRateSearch.Trial trial(RunResult r, Slo objective) {
        String reason = objective.violation(r.corrected());
        if (reason == null && r.errors() > 0.001 * Math.max(1, r.count(Counter.SENT))) {
            reason = "errors " + r.errors();
        }
        if (reason == null && r.count(Counter.UNSENT) + r.count(Counter.DROPPED) > 0) {
            reason = "generator shortfall";
        }
        if (reason == null && r.throughput() < 0.95 * r.config().rate()) {
            reason = String.format(Locale.ROOT, "achieved %.0f/s", r.throughput());
        }
        final boolean empty = r.corrected().getTotalCount() == 0;
        return new MaxRateSearch.Trial(r.config().rate(), r.throughput(),
                empty ? 0 : r.corrected().getValueAtPercentile(50), empty ? 0 : r.corrected().getValueAtPercentile(99),
                empty ? 0 : r.corrected().getValueAtPercentile(99.9), r.corrected().getMaxValue(), r.errors(),
                reason == null, reason);
    }

    /** Parses 500us, 20ms, 10s, 2m into nanoseconds. */
    static final class DurationConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Durations.parseNanos(value);
        }
    }
}
