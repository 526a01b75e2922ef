package io.arbiter.bandits.eval.digits;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The digits study's summary: per log size, target and estimator, the bias (with its standard error over the logs),
 * the RMSE, the share of 95% intervals that contained the true value and their mean width.
 *
 * @param settings      what was run
 * @param rows          one per (size, target, estimator)
 * @param rowsRead      rows read over all logs
 * @param seconds       wall time
 */
public record StudyReport(DigitsStudy.Settings settings, List<Row> rows, long rowsRead, double seconds) {

    /**
     * @param size         log size
     * @param target       target policy
     * @param truth        its exact value
     * @param estimator    estimator column
     * @param meanEstimate mean estimate over the logs
     * @param bias         mean error
     * @param biasStdErr   standard error of the mean error (sd over the logs / sqrt(logs))
     * @param rmse         root mean squared error
     * @param coverage     share of logs whose 95% interval contained the truth
     * @param meanWidth    mean width of the 95% interval
     * @param meanEss      mean effective sample size
     */
    public record Row(int size, String target, double truth, String estimator, double meanEstimate, double bias,
                      double biasStdErr, double rmse, double coverage, double meanWidth, double meanEss) {
    }

    /** The row for ({@code size}, {@code target}, {@code estimator}), or null. */
    public Row row(int size, String target, String estimator) {
        for (final Row r : rows) {
            if (r.size() == size && r.target().equals(target) && r.estimator().equals(estimator)) {
                return r;
            }
        }
        return null;
    }

    /**
     * The targets the DR-versus-IPS check applies to: the classifier policies (deterministic and stochastic) and
     * {@code uniform}, where the reward model does not help and DR must fall back to IPS.
     */
    public static final List<String> CHECKED_TARGETS = List.of("centroid-argmax", "centroid-softmax", "uniform");

    /**
     * The acceptance check: at every size, for each of {@code targets}, the RMSE of each DR variant is at most IPS's.
     * Returns the violations (empty when it holds).
     */
    public List<String> drVersusIpsViolations(List<String> targets) {
        final List<String> out = new ArrayList<>();
        for (final Row r : rows) {
            if (r.estimator().startsWith("dr") && targets.contains(r.target())) {
                final Row ips = row(r.size(), r.target(), "ips");
                if (r.rmse() > ips.rmse()) {
                    out.add(String.format(Locale.ROOT, "n = %d, %s: %s RMSE %.5f > IPS %.5f", r.size(), r.target(),
                        r.estimator(), r.rmse(), ips.rmse()));
                }
            }
        }
        return out;
    }

    /** A Markdown table. */
    public String table() {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Digits study: %d logs, seed %d, %d bootstrap replicates, logging "
                + "epsilon %s, temperatures %s (logging) and %s (target), ridge lambda %s; %.1f s%n%n",
            settings.logs(), settings.seed(), settings.replicates(), settings.epsilon(),
            settings.loggingTemperature(), settings.targetTemperature(), settings.ridgeLambda(), seconds));
        out.append("| n | target | true value | estimator | bias ± s.e. | RMSE | 95% coverage | mean width "
            + "| mean ESS |\n");
        out.append("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (final Row r : rows) {
            out.append(String.format(Locale.ROOT, "| %,d | %s | %.4f | %s | %+.5f ± %.5f | %.5f | %.0f%% | %.4f "
                    + "| %,.0f |%n", r.size(), r.target(), r.truth(), r.estimator(), r.bias(), r.biasStdErr(),
                r.rmse(), 100 * r.coverage(), r.meanWidth(), r.meanEss()));
        }
        final List<String> violations = drVersusIpsViolations(CHECKED_TARGETS);
        out.append(violations.isEmpty() ? "\nDR RMSE <= IPS RMSE for " + CHECKED_TARGETS + " at every size: yes\n"
            : "\nDR RMSE <= IPS RMSE for " + CHECKED_TARGETS + ": FAILED " + violations + "\n");
        return out.toString();
    }

    /** The same as JSON. */
    public String json() {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "{\"logs\":%d,\"seed\":%d,\"replicates\":%d,\"epsilon\":%s,"
                + "\"loggingTemperature\":%s,\"targetTemperature\":%s,\"ridgeLambda\":%s,\"seconds\":%.2f,\"rows\":[",
            settings.logs(), settings.seed(), settings.replicates(), settings.epsilon(),
            settings.loggingTemperature(), settings.targetTemperature(), settings.ridgeLambda(), seconds));
        for (int i = 0; i < rows.size(); i++) {
            final Row r = rows.get(i);
            out.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"n\":%d,\"target\":\"%s\","
                    + "\"truth\":%.6f,\"estimator\":\"%s\",\"bias\":%.6f,\"biasStdErr\":%.6f,\"rmse\":%.6f,"
                    + "\"coverage\":%.3f,\"meanWidth\":%.6f,\"meanEss\":%.1f}", r.size(), r.target(), r.truth(),
                r.estimator(), r.bias(), r.biasStdErr(), r.rmse(), r.coverage(), r.meanWidth(), r.meanEss()));
        }
        return out.append("],\"drNotWorseThanIps\":").append(drVersusIpsViolations(CHECKED_TARGETS).isEmpty())
            .append("}\n").toString();
    }
}
