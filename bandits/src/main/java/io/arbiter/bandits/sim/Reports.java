package io.arbiter.bandits.sim;

import java.util.Locale;

/** Text renderings of an {@link Experiment}: a Markdown table, JSON, and an SVG line chart. No dependencies. */
final class Reports {
    private Reports() {
    }

    /** A Markdown table: one row per checkpoint, mean regret ± standard error per policy (and the lower bound). */
    static String table(Experiment e, String title, boolean withLowerBound) {
        final StringBuilder out = new StringBuilder();
        out.append("### ").append(title).append('\n').append('\n');
        out.append("| t |");
        if (withLowerBound) {
            out.append(" Lai-Robbins bound |");
        }
        for (final var p : e.policies) {
            out.append(' ').append(p.name()).append(" |");
        }
        out.append('\n').append("| ---: |");
        if (withLowerBound) {
            out.append(" ---: |");
        }
        out.append(" ---: |".repeat(e.policies.size())).append('\n');
        for (int c = 0; c < e.checkpoints.length; c++) {
            out.append("| ").append(e.checkpoints[c]).append(" |");
            if (withLowerBound) {
                out.append(' ').append(fmt(e.lowerBound(c))).append(" |");
            }
            for (int i = 0; i < e.policies.size(); i++) {
                out.append(' ').append(fmt(e.meanRegret[i][c])).append(" ± ").append(fmt(e.standardError[i][c]))
                    .append(" |");
            }
            out.append('\n');
        }
        out.append('\n').append(String.format(Locale.ROOT, "%d runs per policy, %.1f s wall time.%n", e.runs,
            e.elapsedSeconds));
        return out.toString();
    }

    /**
     * One JSON object: the settings, then {@code rows}: {@code {policy, t, regret, stderr}} for every policy and
     * checkpoint, followed by {@code {t, lowerBound}} for every checkpoint when requested.
     */
    static String json(Experiment e, String scenario, String settings, boolean withLowerBound) {
        final StringBuilder out = new StringBuilder(256 + 96 * e.checkpoints.length * (e.policies.size() + 1));
        out.append("{\"scenario\":\"").append(scenario).append("\",").append(settings)
            .append(",\"runs\":").append(e.runs)
            .append(",\"seed\":").append(e.seed)
            .append(",\"rates\":").append(array(e.before));
        if (e.changeAt <= e.horizon) {
            out.append(",\"changeAt\":").append(e.changeAt).append(",\"ratesAfter\":").append(array(e.after));
        }
        out.append(",\"policies\":[");
        for (int i = 0; i < e.policies.size(); i++) {
            out.append(i == 0 ? "" : ",").append('"').append(e.policies.get(i).name()).append('"');
        }
        out.append("],\"elapsedSeconds\":").append(fmt(e.elapsedSeconds)).append(",\"rows\":[\n");
        boolean first = true;
        for (int i = 0; i < e.policies.size(); i++) {
            for (int c = 0; c < e.checkpoints.length; c++) {
                out.append(first ? "" : ",\n").append("{\"policy\":\"").append(e.policies.get(i).name())
                    .append("\",\"t\":").append(e.checkpoints[c])
                    .append(",\"regret\":").append(number(e.meanRegret[i][c]))
                    .append(",\"stderr\":").append(number(e.standardError[i][c])).append('}');
                first = false;
            }
        }
        if (withLowerBound) {
            for (int c = 0; c < e.checkpoints.length; c++) {
                out.append(",\n{\"t\":").append(e.checkpoints[c]).append(",\"lowerBound\":")
                    .append(number(e.lowerBound(c))).append('}');
            }
        }
        return out.append("\n]}\n").toString();
    }

    private static String array(double[] values) {
        final StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            out.append(i == 0 ? "" : ",").append(number(values[i]));
        }
        return out.append(']').toString();
    }

    private static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    /**
     * A line chart of an experiment's mean regret (see {@link #svg(String, long[], String[], double[][], double[],
     * boolean)}).
     */
    static String svg(Experiment e, String title, boolean logX, boolean withLowerBound) {
        final String[] names = new String[e.policies.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = e.policies.get(i).name();
        }
        double[] bound = null;
        if (withLowerBound) {
            bound = new double[e.checkpoints.length];
            for (int c = 0; c < bound.length; c++) {
                bound[c] = e.lowerBound(c);
            }
        }
        return svg(title, e.checkpoints, names, e.meanRegret, bound, logX);
    }

    /**
     * A line chart of mean regret against t (log-scaled x when {@code logX}), with the lower bound dashed when given.
     * The y range fits the bound and the series that end within 5 times the larger of the bound and the smallest final
     * regret, so that linear-regret baselines (random, epsilon-greedy) do not flatten the interesting curves: those are
     * clipped at the top and marked "off scale" in the legend.
     */
    static String svg(String title, long[] ts, String[] names, double[][] mean, double[] bound, boolean logX) {
        return svg(title, ts, names, mean, bound, "Lai-Robbins bound", logX, "mean cumulative regret", true);
    }

    /**
     * The general form: {@code bound} (dashed) is labelled {@code boundLabel}, the y axis {@code yLabel}; with
     * {@code clip} false every series is drawn in full (for curves that do not grow linearly, such as rewards).
     */
    static String svg(String title, long[] ts, String[] names, double[][] mean, double[] bound, String boundLabel,
                      boolean logX, String yLabel, boolean clip) {
        final int width = 680;
        final int height = 420;
        final int left = 70;
        final int right = 200;
        final int top = 40;
        final int bottom = 50;
        final double plotW = width - left - right;
        final double plotH = height - top - bottom;
        final int last = ts.length - 1;
        final double xMin = logX ? Math.log10(ts[0]) : 0;
        final double xMax = logX ? Math.log10(ts[last]) : ts[last];
        double reference = Double.POSITIVE_INFINITY;
        for (final double[] series : mean) {
            reference = Math.min(reference, series[last]);
        }
        if (bound != null) {
            reference = Math.max(reference, bound[last]);
        }
        double yMax = bound != null ? bound[last] : 0;
        final boolean[] offScale = new boolean[names.length];
        for (int s = 0; s < names.length; s++) {
            offScale[s] = clip && reference > 0 && mean[s][last] > 5 * reference;
            if (!offScale[s]) {
                for (final double v : mean[s]) {
                    yMax = Math.max(yMax, v);
                }
            }
        }
        yMax = niceCeiling(yMax);
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        out.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left,
            escape(title)));
        out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
            + "stroke=\"#444\"/>%n", left, top, plotW, plotH));
        for (int i = 0; i <= 5; i++) {
            final double v = yMax * i / 5;
            final double y = top + plotH - plotH * i / 5;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                + "stroke=\"#ddd\"/>%n", left, y, left + plotW, y));
            out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                left - 6, y + 4, fmtAxis(v)));
        }
        if (logX) {
            for (int d = (int) Math.ceil(xMin); d <= (int) Math.floor(xMax); d++) {
                final double x = left + plotW * (d - xMin) / (xMax - xMin);
                out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#ddd\"/>%n", x, top, x, top + plotH));
                out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">1e%d"
                    + "</text>%n", x, top + plotH + 16, d));
            }
        } else {
            for (int i = 0; i <= 4; i++) {
                final double v = xMax * i / 4;
                final double x = left + plotW * i / 4;
                out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
                    + "</text>%n", x, top + plotH + 16, fmtAxis(v)));
            }
        }
        out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">t (steps%s)</text>%n",
            left + plotW / 2, height - 12, logX ? ", log scale" : ""));
        out.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
            + "text-anchor=\"middle\">%s</text>%n", top + plotH / 2, top + plotH / 2, escape(yLabel)));
        final int series = names.length + (bound != null ? 1 : 0);
        for (int s = 0; s < series; s++) {
            final boolean isBound = s == names.length;
            final String colour = isBound ? "#000" : COLOURS[s % COLOURS.length];
            final StringBuilder points = new StringBuilder();
            for (int c = 0; c < ts.length; c++) {
                final double xv = logX ? Math.log10(ts[c]) : ts[c];
                final double yv = isBound ? Math.max(0, bound[c]) : mean[s][c];
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + plotW * (xv - xMin) / (xMax - xMin),
                    top + plotH - plotH * Math.min(yv, yMax) / yMax));
            }
            final String dash = isBound ? " stroke-dasharray=\"6 4\"" : "";
            out.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                + "points=\"%s\"/>%n", colour, dash, points.toString().trim()));
            final double ly = top + 14 + 18 * s;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                + "stroke=\"%s\" stroke-width=\"2\"%s/>%n", left + plotW + 10, ly, left + plotW + 34, ly, colour,
                dash));
            final String label = isBound ? boundLabel : names[s] + (offScale[s] ? " (off scale)" : "");
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>%n", left + plotW + 40,
                ly + 4, escape(label)));
        }
        return out.append("</svg>\n").toString();
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        final double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (final double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String fmtAxis(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format(Locale.ROOT, "%.3gk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
