package io.arbiter.bandits.sim;

import io.arbiter.bandits.eval.digits.DigitsStudy;
import io.arbiter.bandits.eval.digits.StudyReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code bandits.jar evaluation-study}: the off-policy estimators against ground truth on the digits. */
@Command(name = "evaluation-study", mixinStandardHelpOptions = true,
    description = "Bias, RMSE and 95%% interval coverage of IPS, SNIPS and DR over seeded logs of the digits data set, "
        + "where every policy's true value is known (docs/evaluation.md). Exit code 1 if DR's RMSE exceeds IPS's for "
        + "a classifier target at any size.")
final class EvaluationStudyCommand implements Callable<Integer> {
    @Option(names = "--logs", description = "seeded logs (default: ${DEFAULT-VALUE})", defaultValue = "100")
    int logs;
    @Option(names = "--sizes", split = ",", description = "log sizes, ascending (default: ${DEFAULT-VALUE})",
        defaultValue = "1000,10000,100000")
    int[] sizes;
    @Option(names = "--seed", description = "base seed; log s uses SplitMix64.derive(seed, s) (default: "
        + "${DEFAULT-VALUE})", defaultValue = "1")
    long seed;
    @Option(names = "--replicates", description = "bootstrap replicates, 0 for no intervals (default: "
        + "${DEFAULT-VALUE})", defaultValue = "200")
    int replicates;
    @Option(names = "--threads", description = "worker threads (default: available processors)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = "--epsilon", description = "the logging policy's uniform share (default: ${DEFAULT-VALUE})",
        defaultValue = "0.1")
    double epsilon;
    @Option(names = "--logging-temperature", description = "softmax temperature of the logging policy (default: "
        + "${DEFAULT-VALUE})", defaultValue = "4")
    double loggingTemperature;
    @Option(names = "--target-temperature", description = "softmax temperature of the stochastic target (default: "
        + "${DEFAULT-VALUE})", defaultValue = "2")
    double targetTemperature;
    @Option(names = "--ridge-lambda", description = "ridge penalty of dr-ridge's model (default: ${DEFAULT-VALUE})",
        defaultValue = "10")
    double ridgeLambda;
    @Option(names = "--format", description = "table (Markdown) or json (default: ${DEFAULT-VALUE})",
        defaultValue = "table")
    SimulatorCli.Format format;
    @Option(names = "--json-out", description = "also write the JSON report to this file")
    Path jsonOut;

    @Override
    public Integer call() throws IOException {
        final DigitsStudy.Settings settings = new DigitsStudy.Settings(logs, sizes, seed, threads, replicates,
            epsilon, loggingTemperature, targetTemperature, ridgeLambda);
        final DigitsStudy study;
        try {
            study = new DigitsStudy(settings);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage() + " (sizes "
                + Arrays.toString(sizes) + ")");
        }
        final StudyReport report = study.run();
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(format == SimulatorCli.Format.json ? report.json() : report.table());
        out.flush();
        if (jsonOut != null) {
            Files.writeString(jsonOut, report.json());
        }
        return report.drVersusIpsViolations(StudyReport.CHECKED_TARGETS).isEmpty() ? 0 : 1;
    }
}
