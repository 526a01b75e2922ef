package io.arbiter.bandits.sim;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bandits.jar contextual segments|digits}: the contextual simulations of docs/bandits.md, seeded, with tables or
 * JSON rows {@code {policy, t, regret, stderr}} like {@code regret}.
 */
@Command(name = "contextual", mixinStandardHelpOptions = true,
    description = "Contextual simulations: the segment scenario (segment Thompson sampling with back-off) and the "
        + "digits data set as a bandit (linear Thompson sampling).",
    subcommands = {ContextualCommand.Segments.class, ContextualCommand.DigitsBandit.class})
final class ContextualCommand implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Options shared by both simulations. */
    abstract static class Common implements Callable<Integer> {
        @Option(names = "--runs", description = "independent runs (default: ${DEFAULT-VALUE})", defaultValue = "20")
        int runs;
        @Option(names = "--seed", description = "base seed; run r uses SplitMix64.derive(seed, r) (default: "
            + "${DEFAULT-VALUE})", defaultValue = "1")
        long seed;
        @Option(names = "--threads", description = "worker threads (default: available processors)")
        int threads = Runtime.getRuntime().availableProcessors();
        @Option(names = "--format", description = "table (Markdown) or json (default: ${DEFAULT-VALUE})",
            defaultValue = "table")
        SimulatorCli.Format format;
        @Option(names = "--per-decade", description = "checkpoints per decade of t (default: ${DEFAULT-VALUE})",
            defaultValue = "5")
        int perDecade;
        @Option(names = "--json-out", description = "also write the JSON report to this file")
        Path jsonOut;
        @Option(names = "--svg", description = "also write an SVG plot to this file")
        Path svgOut;

        void validate(long horizon) {
            if (runs < 1 || threads < 1 || horizon < 1 || perDecade < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                    "need runs >= 1, threads >= 1, a positive horizon and per-decade >= 1");
            }
        }

        void emit(String json, String table) throws IOException {
            final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.print(format == SimulatorCli.Format.json ? json : table);
            out.flush();
            if (jsonOut != null) {
                Files.writeString(jsonOut, json);
            }
        }
    }

    @Command(name = "segments", mixinStandardHelpOptions = true,
        description = "The fixed segment scenario (3 attributes, 60 cells with skewed traffic, 5 variants whose best "
            + "depends on the cell): cumulative regret against the per-cell oracle, over all cells and over the "
            + "rare cells, for non-contextual, per-segment (no back-off) and segmented (back-off) Thompson sampling.")
    static final class Segments extends Common {
        @Option(names = "--horizon", description = "steps T per run (default: ${DEFAULT-VALUE})",
            defaultValue = "1000000")
        long horizon;
        @Option(names = "--prior-strength", description = "the segmented policy's priorStrength (default: "
            + "${DEFAULT-VALUE})", defaultValue = "50")
        double priorStrength;
        @Option(names = "--policies", description = "comma-separated: thompson, per-segment, segmented (default: "
            + "${DEFAULT-VALUE})", defaultValue = "thompson,per-segment,segmented")
        String policyNames;
        @Option(names = "--rare-svg", description = "also write an SVG plot of the rare cells' regret to this file")
        Path rareSvgOut;

        @Override
        public Integer call() throws IOException {
            validate(horizon);
            final SegmentScenario scenario = new SegmentScenario();
            final ContextualRunner result = run(scenario, policyNames.split(","));
            final String settings = String.format(Locale.ROOT, "\"horizon\":%d,\"priorStrength\":%s,\"cells\":%d,"
                + "\"rareCells\":%d,\"rareTraffic\":%.5f", horizon, priorStrength, SegmentScenario.CELLS,
                scenario.rareCells(), scenario.rareTraffic());
            final String title = String.format(Locale.ROOT, "Segments: 60 cells, T = %d, %d runs", horizon, runs);
            emit(ContextualReports.json("contextual-segments", settings, runs, seed, result, false),
                ContextualReports.table(title, result, 0) + "\n" + ContextualReports.table("Rare cells ("
                    + scenario.rareCells() + " cells below 0.4% of the traffic each)", result, 1)
                    + ContextualReports.segmentVerdict(result));
            if (svgOut != null) {
                Files.writeString(svgOut, Reports.svg(title, result.checkpoints, result.policies, result.mean[0],
                    null, true));
            }
            if (rareSvgOut != null) {
                Files.writeString(rareSvgOut, Reports.svg("Rare cells only (" + scenario.rareCells() + " of 60, "
                    + String.format(Locale.ROOT, "%.1f%%", 100 * scenario.rareTraffic()) + " of the traffic)",
                    result.checkpoints, result.policies, result.mean[1], null, true));
            }
            return 0;
        }

        ContextualRunner run(SegmentScenario scenario, String[] policies) {
            final long[] checkpoints = BernoulliSimulation.logCheckpoints(horizon, perDecade);
            return new ContextualRunner(policies, runs, checkpoints).execute(seed, threads,
                (policy, runSeed) -> SegmentSimulation.run(scenario, policy.trim(), priorStrength, horizon,
                    checkpoints, runSeed));
        }
    }

    @Command(name = "digits", mixinStandardHelpOptions = true,
        description = "The digits data set as a bandit (an arm per class, reward 1 when right): cumulative regret "
            + "(wrong picks) and average reward of non-contextual and linear Thompson sampling, against supervised "
            + "classifiers' accuracy as the ceiling.")
    static final class DigitsBandit extends Common {
        @Option(names = "--rounds", description = "rounds per run (default: ${DEFAULT-VALUE})", defaultValue = "50000")
        long rounds;
        @Option(names = "--lambda", description = "ridge prior precision (default: ${DEFAULT-VALUE})",
            defaultValue = "1.0")
        double lambda;
        @Option(names = "--noise-variance", description = "sigma^2 of the linear model (default: ${DEFAULT-VALUE})",
            defaultValue = "0.25")
        double noiseVariance;
        @Option(names = "--policies", description = "comma-separated: thompson, linear (default: ${DEFAULT-VALUE})",
            defaultValue = "thompson,linear")
        String policyNames;
        @Option(names = "--ceilings", description = "compute the supervised ceilings (default: ${DEFAULT-VALUE})",
            defaultValue = "true", negatable = true)
        boolean ceilings;

        @Override
        public Integer call() throws IOException {
            validate(rounds);
            final Digits digits = Digits.load();
            final ContextualRunner result = run(digits, policyNames.split(","));
            final double[] ceiling = ceilings ? ceilings(digits) : new double[] {Double.NaN, Double.NaN, Double.NaN};
            final String settings = String.format(Locale.ROOT, "\"rounds\":%d,\"lambda\":%s,\"noiseVariance\":%s,"
                + "\"ridgeTrainingAccuracy\":%s,\"ridgeCrossValidatedAccuracy\":%s,\"softmaxTrainingAccuracy\":%s",
                rounds, lambda, noiseVariance, ContextualReports.number(ceiling[0]),
                ContextualReports.number(ceiling[1]), ContextualReports.number(ceiling[2]));
            final String title = String.format(Locale.ROOT, "Digits as a bandit: %d rounds, %d runs", rounds, runs);
            emit(ContextualReports.json("contextual-digits", settings, runs, seed, result, true),
                ContextualReports.table(title + " (regret = wrong picks)", result, 0)
                    + ContextualReports.digitsVerdict(result, rounds, ceiling));
            if (svgOut != null) {
                final double[][] average = new double[result.policies.length][result.checkpoints.length];
                for (int p = 0; p < average.length; p++) {
                    for (int c = 0; c < result.checkpoints.length; c++) {
                        average[p][c] = 1.0 - result.mean[0][p][c] / result.checkpoints[c];
                    }
                }
                final double[] ceilingLine = new double[result.checkpoints.length];
                java.util.Arrays.fill(ceilingLine, ceiling[0]);
                Files.writeString(svgOut, Reports.svg(title, result.checkpoints, result.policies, average,
                    ceilings ? ceilingLine : null, "ridge one-vs-rest (all rows)", true, "average reward so far",
                    false));
            }
            return 0;
        }

        ContextualRunner run(Digits digits, String[] policies) {
            final long[] checkpoints = BernoulliSimulation.logCheckpoints(rounds, perDecade);
            return new ContextualRunner(policies, runs, checkpoints).execute(seed, threads,
                (policy, runSeed) -> new double[][] {DigitsSimulation.run(digits, policy.trim(), lambda,
                    noiseVariance, rounds, checkpoints, runSeed)});
        }

        /** Ridge one-vs-rest on all rows (training accuracy) and 5-fold, and softmax regression on all rows. */
        static double[] ceilings(Digits digits) {
            final boolean[] all = new boolean[digits.rows()];
            java.util.Arrays.fill(all, true);
            return new double[] {digits.ridgeAccuracy(all, 1.0), digits.ridgeCrossValidatedAccuracy(5, 1.0, 1),
                digits.softmaxTrainingAccuracy(3000, 1.0, 1e-4)};
        }
    }
}
