package io.arbiter.bandits.sim;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EpsilonGreedy;
import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Ucb1;
import io.arbiter.bandits.policy.UniformRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The simulator: {@code java -jar bandits.jar regret|drift|plot|contextual|evaluation-study [options]}. See
 * {@code docs/bandits.md} and, for the off-policy evaluation study, {@code docs/evaluation.md}.
 */
@Command(name = "bandits", mixinStandardHelpOptions = true,
    description = "Regret simulator for the Arbiter bandit policies (same policy and PosteriorTable code as the "
            + "server).",
    subcommands = {SimulatorCli.Regret.class, SimulatorCli.Drift.class, SimulatorCli.Plot.class,
        ContextualCommand.class, EvaluationStudyCommand.class})
public final class SimulatorCli implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulatorCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    enum Format { table, json }

    /** Options shared by both scenarios. */
    abstract static class Common implements Callable<Integer> {
        @Option(names = "--arms", description = "number of arms K (default: ${DEFAULT-VALUE})", defaultValue = "10")
        int arms;
        @Option(names = "--gap", description = "gap EPS: the best arm has p = 0.5, the others 0.5 - EPS "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "0.1")
        double gap;
        @Option(names = "--horizon", description = "steps T per run (default: ${DEFAULT-VALUE})",
            defaultValue = "1000000")
        long horizon;
        @Option(names = "--runs", description = "independent runs R (default: ${DEFAULT-VALUE})", defaultValue = "20")
        int runs;
        @Option(names = "--seed", description = "base seed; run r uses SplitMix64.derive(seed, r) (default: "
            + "${DEFAULT-VALUE})", defaultValue = "1")
        long seed;
        @Option(names = "--format", description = "table (Markdown) or json (default: ${DEFAULT-VALUE})",
            defaultValue = "table")
        Format format;
        @Option(names = "--threads", description = "worker threads (default: available processors)")
        int threads = Runtime.getRuntime().availableProcessors();
        @Option(names = "--half-life", description = "half-life in steps (1 step = 1 ms) for thompson-discounted "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "10000")
        long halfLife;
        @Option(names = "--epsilon", description = "exploration rate of egreedy (default: ${DEFAULT-VALUE})",
            defaultValue = "0.1")
        double epsilon;
        @Option(names = "--json-out", description = "also write the JSON report to this file")
        Path jsonOut;
        @Option(names = "--svg", description = "also write an SVG plot of mean regret to this file")
        Path svgOut;

        List<Policy> policies(String names) {
            final List<Policy> out = new ArrayList<>();
            for (final String name : names.split(",")) {
                out.add(policy(name.trim().toLowerCase(Locale.ROOT)));
            }
            return out;
        }

        Policy policy(String name) {
            switch (name) {
                case "thompson":
                    return new BetaBernoulliThompson();
                case "thompson-discounted":
                    return new BetaBernoulliThompson(1.0, 1.0, halfLife, ThompsonPolicy.DEFAULT_PROPENSITY_DRAWS);
                case "ucb1":
                    return new Ucb1();
                case "egreedy":
                    return new EpsilonGreedy(epsilon);
                case "random":
                    return new UniformRandom();
                default:
                    throw new CommandLine.ParameterException(new CommandLine(this), "unknown policy '" + name
                        + "' (known: thompson, thompson-discounted, ucb1, egreedy, random)");
            }
        }

        void validate() {
            if (arms < 2 || gap <= 0 || gap >= 0.5 || horizon < 1 || runs < 1 || threads < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                    "need arms >= 2, 0 < gap < 0.5, horizon >= 1, runs >= 1, threads >= 1");
            }
        }

        double[] stationaryRates() {
            final double[] rates = new double[arms];
            java.util.Arrays.fill(rates, 0.5 - gap);
            rates[0] = 0.5;
            return rates;
        }

        String settingsJson() {
            return String.format(Locale.ROOT, "\"arms\":%d,\"gap\":%s,\"horizon\":%d", arms, gap, horizon);
        }

        void emit(Experiment e, String scenario, String title, boolean logX, boolean withBound) throws IOException {
            final String json = Reports.json(e, scenario, settingsJson(), withBound);
            final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.print(format == Format.json ? json : Reports.table(e, title, withBound));
            out.flush();
            if (jsonOut != null) {
                Files.writeString(jsonOut, json);
            }
            if (svgOut != null) {
                Files.writeString(svgOut, Reports.svg(e, title, logX, withBound));
            }
        }
    }

    @Command(name = "regret", mixinStandardHelpOptions = true,
        description = "Stationary Bernoulli bandit as in Chapelle and Li (2011): mean cumulative regret with its "
            + "standard error at log-spaced checkpoints, and the Lai-Robbins lower bound.")
    static final class Regret extends Common {
        @Option(names = "--policies", description = "comma-separated: thompson, thompson-discounted, ucb1, egreedy, "
            + "random (default: ${DEFAULT-VALUE})", defaultValue = "thompson,ucb1,egreedy,random")
        String policyNames;
        @Option(names = "--per-decade", description = "checkpoints per decade of t (default: ${DEFAULT-VALUE})",
            defaultValue = "10")
        int perDecade;

        @Override
        public Integer call() throws IOException {
            validate();
            final double[] rates = stationaryRates();
            final Experiment e = new Experiment(rates, rates, Long.MAX_VALUE, horizon, runs, seed,
                policies(policyNames), BernoulliSimulation.logCheckpoints(horizon, perDecade)).execute(threads);
            emit(e, "regret", String.format(Locale.ROOT, "K = %d, EPS = %s, T = %d, %d runs", arms, gap, horizon,
                runs), true, true);
            return 0;
        }
    }

    @Command(name = "drift", mixinStandardHelpOptions = true,
        description = "Non-stationary Bernoulli bandit: arm 0 is best (0.5, others 0.5 - EPS) until T/2, then arm 0 "
            + "drops to 0.5 - EPS and arm K-1 rises to 0.5. Compares discounted and plain Thompson sampling.")
    static final class Drift extends Common {
        @Option(names = "--policies", description = "comma-separated (default: ${DEFAULT-VALUE})",
            defaultValue = "thompson,thompson-discounted")
        String policyNames;
        @Option(names = "--points", description = "evenly spaced checkpoints (default: ${DEFAULT-VALUE})",
            defaultValue = "40")
        int points;

        @Override
        String settingsJson() {
            return super.settingsJson() + ",\"halfLifeSteps\":" + halfLife;
        }

        @Override
        public Integer call() throws IOException {
            validate();
            final double[] before = stationaryRates();
            final double[] after = before.clone();
            after[0] = 0.5 - gap;
            after[arms - 1] = 0.5;
            final long changeAt = horizon / 2 + 1;
            final Experiment e = new Experiment(before, after, changeAt, horizon, runs, seed,
                policies(policyNames), BernoulliSimulation.linearCheckpoints(horizon, points)).execute(threads);
            emit(e, "drift", String.format(Locale.ROOT, "Drift: K = %d, EPS = %s, best arm changes at t = %d, "
                + "half-life %d steps, %d runs", arms, gap, changeAt, halfLife, runs), false, false);
            if (format == Format.table) {
                final int half = indexOf(e.checkpoints, horizon / 2);
                if (half >= 0) {
                    final StringBuilder out = new StringBuilder("\nRegret accrued after the change (t = "
                        + changeAt + ".." + horizon + "):\n");
                    for (int i = 0; i < e.policies.size(); i++) {
                        final int last = e.checkpoints.length - 1;
                        out.append(String.format(Locale.ROOT, "  %-22s %.1f%n", e.policies.get(i).name(),
                            e.meanRegret[i][last] - e.meanRegret[i][half]));
                    }
                    System.out.print(out);
                }
            }
            return 0;
        }

        private static int indexOf(long[] values, long v) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] == v) {
                    return i;
                }
            }
            return -1;
        }
    }

    @Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Redraws the SVG plot of a JSON report written by regret or drift (--json-out or --format json).")
    static final class Plot implements Callable<Integer> {
        @Option(names = "--json", required = true, description = "the JSON report")
        Path json;
        @Option(names = "--svg", required = true, description = "the SVG file to write")
        Path svg;
        @Option(names = "--title", description = "plot title (default: from the report's settings)")
        String title;

        @Override
        public Integer call() throws IOException {
            Files.writeString(svg, JsonReport.parse(Files.readString(json)).svg(title));
            return 0;
        }
    }
}
