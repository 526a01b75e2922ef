package io.arbiter.loadtest.report;

import io.arbiter.loadtest.Durations;
import io.arbiter.loadtest.run.Counter;
import io.arbiter.loadtest.run.IntervalRow;
import io.arbiter.loadtest.run.RunResult;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A single HTML file with everything inline (CSS and SVG, no script, no fonts, no links): opens
 * offline and can be mailed. Charts: latency by percentile (log-log, corrected against service
 * time), latency over time, throughput over time.
 */
public final class HtmlReport {
    private static final String CORRECTED = "#c0392b";
    private static final String SERVICE = "#2471a3";
    private static final String OTHER = "#7d8c2e";

    private HtmlReport() {
    }

    public static String render(RunResult r) {
        final StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Load test: ")
                .append(SvgChart.escape(r.config().scenario().name())).append(" at ")
                .append(String.format(Locale.ROOT, "%.0f", r.config().rate())).append("/s</title>\n<style>\n")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:900px;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 10px;border-bottom:1px solid "
                        + "#ddd;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}.warn{background:#fdecea;border-left:4px solid "
                        + "#c0392b;padding:8px;margin:8px 0}")
                .append(".ok{background:#eafaf1;border-left:4px solid "
                        + "#27ae60;padding:8px}code{background:#f4f4f4;padding:1px 4px}")
                .append("\n</style></head><body>\n");
        html.append("<h1>Load test: ").append(SvgChart.escape(r.config().scenario().name())).append("</h1>\n<p><code>")
                .append(SvgChart.escape(r.config().url().toString())).append("</code>, ")
                .append(String.format(Locale.ROOT, "target %.0f req/s, %s arrivals, %d connections, %d threads, "
                                + "%.0fs measured after %.0fs warm-up, seed %d.</p>%n",
                        r.config().rate(), r.config().arrival().name().toLowerCase(Locale.ROOT), r.config().connections(
                                ),
                        r.config().threads(), r.measuredSeconds(), r.config().warmupNanos() / 1e9, r.config().seed()));
        if (r.warnings().isEmpty()) {
            html.append(
                    "<div class=\"ok\">The generator kept its plan: every planned request was sent on time.</div>\n");
        }
        for (final String warning : r.warnings()) {
            html.append("<div class=\"warn\">").append(SvgChart.escape(warning)).append("</div>\n");
        }
        html.append("<h2>Summary</h2>\n<table><tr><th>latency</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th>")
                .append("<th>p99.99</th><th>max</th><th>count</th></tr>\n");
        row(html, "corrected (from intended send)", r.corrected());
        row(html, "uncorrected (service time)", r.service());
        row(html, "send lag (generator)", r.sendLag());
        r.correctedByKind().forEach((kind, h) -> row(html, "corrected, " + kind.label(), h));
        html.append("</table>\n");
        html.append(String.format(Locale.ROOT, "<p>Throughput <b>%.0f answers/s</b> of %.0f/s target. Planned %d, sent "
                        + "%d, answered %d, backlogged %d, never sent %d. Errors <b>%d</b> %s.</p>%n",
                r.throughput(), r.config().rate(), r.count(Counter.PLANNED), r.count(Counter.SENT),
                r.count(Counter.RESPONSES), r.count(Counter.BACKLOGGED), r.count(Counter.UNSENT) + r.count(
                        Counter.DROPPED),
                r.errors(), SvgChart.escape(r.errorsByKind().isEmpty() ? "" : r.errorsByKind().toString())));
        html.append("<p>Corrected latency counts from the time the plan said to send, so time spent waiting behind a "
                + "stalled server is included, as a user would feel it. Service time counts from the actual write "
                + "and hides such waits (coordinated omission). If the two lines part at the tail, the server "
                + "stalled.</p>\n");
        html.append("<h2>Latency by percentile</h2>\n").append(percentileChart(r));
        html.append("<h2>Latency over time</h2>\n").append(timeChart(r));
        html.append("<h2>Throughput over time</h2>\n").append(throughputChart(r));
        html.append("<p>Files beside this one: <code>latency.hgrm</code> (corrected percentile distribution), "
                + "<code>service.hgrm</code>, <code>latency.hlog</code> (interval log, readable with HdrHistogram's "
                + "HistogramLogProcessor), <code>summary.json</code>.</p>\n</body></html>\n");
        return html.toString();
    }

    private static void row(StringBuilder html, String label, Histogram h) {
        html.append("<tr><td>").append(SvgChart.escape(label)).append("</td>");
        for (final double p : ConsoleReport.PERCENTILES) {
            html.append("<td>").append(h.getTotalCount() == 0 ? "-" : Durations.formatMicros(h.getValueAtPercentile(p)))
                    .append("</td>");
        }
        html.append("<td>").append(h.getTotalCount() == 0 ? "-" : Durations.formatMicros(h.getMaxValue()))
                .append("</td><td>").append(h.getTotalCount()).append("</td></tr>\n");
    }

    /** x = log10(1 / (1 - p)): 0 at p0, 1 at p90, 2 at p99, and so on, as HdrHistogram's plotter draws it. */
    static String percentileChart(RunResult r) {
        final SvgChart chart = new SvgChart("percentile", "latency (log scale)", true)
                .xTicks(List.of(new SvgChart.Tick(0, "0%"), new SvgChart.Tick(1, "90%"), new SvgChart.Tick(2, "99%"),
                        new SvgChart.Tick(3, "99.9%"), new SvgChart.Tick(4, "99.99%"), new SvgChart.Tick(5,
                                "99.999%")));
        addPercentiles(chart, "corrected", CORRECTED, r.corrected());
        addPercentiles(chart, "uncorrected (service)", SERVICE, r.service());
        return chart.render();
    }

    private static void addPercentiles(SvgChart chart, String name, String color, Histogram h) {
        if (h.getTotalCount() == 0) {
            return;
        }
        final List<double[]> points = new ArrayList<>();
        for (final HistogramIterationValue v : h.percentiles(5)) {
            final double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 0.999999) {
                break;
            }
            points.add(new double[] {Math.log10(1 / (1 - p)), Math.max(1, v.getValueIteratedTo()) / 1000.0});
        }
        final double[] xs = new double[points.size()];
        final double[] ys = new double[points.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = points.get(i)[0];
            ys[i] = points.get(i)[1];
        }
        chart.series(name, color, xs, ys);
    }

    static String timeChart(RunResult r) {
        final List<IntervalRow> rows = r.intervals();
        final double[] t = new double[rows.size()];
        final double[] p50 = new double[rows.size()];
        final double[] p99 = new double[rows.size()];
        final double[] max = new double[rows.size()];
        final double[] sp99 = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            t[i] = rows.get(i).endSeconds();
            p50[i] = rows.get(i).p50() / 1000;
            p99[i] = rows.get(i).p99() / 1000;
            max[i] = rows.get(i).max() / 1000;
            sp99[i] = rows.get(i).serviceP99() / 1000;
        }
        return new SvgChart("seconds after warm-up", "latency (log scale)", true)
                .series("corrected p50", OTHER, t, p50)
                .series("corrected p99", CORRECTED, t, p99)
                .series("corrected max", "#6c3483", t, max)
                .series("service p99", SERVICE, t, sp99)
                .render();
    }

    static String throughputChart(RunResult r) {
        final List<IntervalRow> rows = r.intervals();
        final double[] t = new double[rows.size()];
        final double[] rate = new double[rows.size()];
        final double[] target = new double[rows.size()];
        final double[] errors = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            t[i] = rows.get(i).endSeconds();
            rate[i] = rows.get(i).throughput();
            target[i] = r.config().rate();
            errors[i] = rows.get(i).lengthSeconds() > 0 ? rows.get(i).errors() / rows.get(i).lengthSeconds() : 0;
        }
        return new SvgChart("seconds after warm-up", "per second", false)
                .series("answers/s", SERVICE, t, rate)
                .series("target", "#999999", t, target)
                .series("errors/s", CORRECTED, t, errors)
                .render();
    }
}
