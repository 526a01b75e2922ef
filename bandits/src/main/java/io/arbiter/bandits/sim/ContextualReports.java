package io.arbiter.bandits.sim;

import java.util.Locale;

/** Text renderings of a {@link ContextualRunner}: Markdown tables, JSON rows and the verdicts the docs quote. */
final class ContextualReports {
    private ContextualReports() {
    }

    /** One row per checkpoint, mean ± standard error per policy, for curve {@code curve}. */
    static String table(String title, ContextualRunner r, int curve) {
        final StringBuilder out = new StringBuilder("### ").append(title).append("\n\n| t |");
        for (final String p : r.policies) {
            out.append(' ').append(p).append(" |");
        }
        out.append("\n| ---: |").append(" ---: |".repeat(r.policies.length)).append('\n');
        for (int c = 0; c < r.checkpoints.length; c++) {
            out.append("| ").append(r.checkpoints[c]).append(" |");
            for (int p = 0; p < r.policies.length; p++) {
                out.append(' ').append(fmt(r.mean[curve][p][c])).append(" ± ")
                    .append(fmt(r.standardError[curve][p][c])).append(" |");
            }
            out.append('\n');
        }
        return out.append(String.format(Locale.ROOT, "%n%d runs per policy, %.1f s wall time.%n", r.runs,
            r.elapsedSeconds)).toString();
    }

    /**
     * The settings, then {@code rows}: {@code {policy, t, regret, stderr}} per policy and checkpoint (with
     * {@code averageReward} and its standard error when {@code withReward}); a second curve, if any, follows as
     * {@code rareRows}.
     */
    static String json(String scenario, String settings, int runs, long seed, ContextualRunner r,
                       boolean withReward) {
        final StringBuilder out = new StringBuilder(256 + 128 * r.checkpoints.length * r.policies.length);
        out.append("{\"scenario\":\"").append(scenario).append("\",").append(settings)
            .append(",\"runs\":").append(runs).append(",\"seed\":").append(seed).append(",\n\"rows\":[\n");
        rows(out, r, 0, withReward);
        if (r.mean.length > 1) {
            out.append("],\n\"rareRows\":[\n");
            rows(out, r, 1, false);
        }
        return out.append("]}\n").toString();
    }

    private static void rows(StringBuilder out, ContextualRunner r, int curve, boolean withReward) {
        boolean first = true;
        for (int p = 0; p < r.policies.length; p++) {
            for (int c = 0; c < r.checkpoints.length; c++) {
                final long t = r.checkpoints[c];
                out.append(first ? "" : ",\n").append("{\"policy\":\"").append(r.policies[p]).append("\",\"t\":")
                    .append(t).append(",\"regret\":").append(number(r.mean[curve][p][c]))
                    .append(",\"stderr\":").append(number(r.standardError[curve][p][c]));
                if (withReward) {
                    out.append(",\"averageReward\":").append(number(1.0 - r.mean[curve][p][c] / t))
                        .append(",\"averageRewardStderr\":").append(number(r.standardError[curve][p][c] / t));
                }
                out.append('}');
                first = false;
            }
        }
        out.append('\n');
    }

    /** The claims of docs/bandits.md at the last checkpoint: ratios and differences with their standard errors. */
    static String segmentVerdict(ContextualRunner r) {
        if (!has(r, "segmented")) {
            return "";
        }
        final int last = r.checkpoints.length - 1;
        final int s = r.policyIndex("segmented");
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nAt t = %d:%n", r.checkpoints[last]));
        for (int curve = 0; curve < r.mean.length; curve++) {
            final String scope = curve == 0 ? "all cells" : "rare cells";
            if (has(r, "thompson")) {
                final int t = r.policyIndex("thompson");
                out.append(String.format(Locale.ROOT, "  %s: segmented / thompson = %.3f%n", scope,
                    r.mean[curve][s][last] / r.mean[curve][t][last]));
            }
            if (has(r, "per-segment")) {
                final int i = r.policyIndex("per-segment");
                out.append(String.format(Locale.ROOT, "  %s: segmented - per-segment = %.1f ± %.1f%n", scope,
                    r.mean[curve][s][last] - r.mean[curve][i][last], Math.hypot(r.standardError[curve][s][last],
                        r.standardError[curve][i][last])));
            }
        }
        return out.toString();
    }

    /** Average rewards over the whole run with standard errors, their ratio, and the supervised ceilings. */
    static String digitsVerdict(ContextualRunner r, long rounds, double[] ceiling) {
        final int last = r.checkpoints.length - 1;
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nAverage reward over %d rounds:%n",
            rounds));
        for (int p = 0; p < r.policies.length; p++) {
            out.append(String.format(Locale.ROOT, "  %-10s %.4f ± %.4f%n", r.policies[p],
                1.0 - r.mean[0][p][last] / rounds, r.standardError[0][p][last] / rounds));
        }
        if (has(r, "linear") && has(r, "thompson")) {
            final double linear = 1.0 - r.mean[0][r.policyIndex("linear")][last] / rounds;
            final double thompson = 1.0 - r.mean[0][r.policyIndex("thompson")][last] / rounds;
            out.append(String.format(Locale.ROOT, "  linear / thompson = %.2f%n", linear / thompson));
        }
        return out.append(String.format(Locale.ROOT, "Ceilings: ridge one-vs-rest %.4f (trained and scored on all "
            + "rows), %.4f (5-fold cross-validated); softmax regression %.4f (all rows)%n", ceiling[0], ceiling[1],
            ceiling[2])).toString();
    }

    private static boolean has(ContextualRunner r, String policy) {
        for (final String p : r.policies) {
            if (p.equals(policy)) {
                return true;
            }
        }
        return false;
    }

    static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
