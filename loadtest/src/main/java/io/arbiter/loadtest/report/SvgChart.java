package io.arbiter.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart rendered as inline SVG, so the HTML report needs no script and no network.
 * Either axis may be logarithmic (base 10); points with non-positive values on a log axis are
 * dropped.
 */
final class SvgChart {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 340;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 45;

    record Tick(double value, String label) {
    }

    private record Series(String name, String color, double[] xs, double[] ys) {
    }

    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private List<Tick> xTicks = List.of();
    private double xMin = Double.POSITIVE_INFINITY;
    private double xMax = Double.NEGATIVE_INFINITY;
    private double yMin = Double.POSITIVE_INFINITY;
    private double yMax = Double.NEGATIVE_INFINITY;

    SvgChart(String xLabel, String yLabel, boolean logY) {
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** Fixed x ticks (e.g. percentile labels); otherwise ticks are spread evenly. */
    SvgChart xTicks(List<Tick> ticks) {
        this.xTicks = ticks;
        for (final Tick t : ticks) {
            xMin = Math.min(xMin, t.value());
            xMax = Math.max(xMax, t.value());
        }
        return this;
    }

    SvgChart series(String name, String color, double[] xs, double[] ys) {
        final List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(ys[i]) || (logY && ys[i] <= 0)) {
                continue;
            }
            kept.add(new double[] {xs[i], ys[i]});
            xMin = Math.min(xMin, xs[i]);
            xMax = Math.max(xMax, xs[i]);
            yMin = Math.min(yMin, ys[i]);
            yMax = Math.max(yMax, ys[i]);
        }
        final double[] kx = new double[kept.size()];
        final double[] ky = new double[kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            kx[i] = kept.get(i)[0];
            ky[i] = kept.get(i)[1];
        }
        series.add(new Series(name, color, kx, ky));
        return this;
    }

    String render() {
        if (!(yMax >= yMin) || !(xMax >= xMin)) {
            return "<p><em>no data</em></p>";
        }
        final double y0;
        final double y1;
        if (logY) {
            y0 = Math.floor(Math.log10(yMin));
            y1 = Math.max(y0 + 1, Math.ceil(Math.log10(yMax)));
        } else {
            y0 = 0;
            y1 = yMax <= 0 ? 1 : yMax * 1.1;
        }
        final double x0 = xMin;
        final double x1 = xMax > xMin ? xMax : xMin + 1;
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" class=\"chart\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
                        + "stroke=\"#999\"/>%n", LEFT, TOP, plotW, plotH));
        // y grid
        if (logY) {
            for (int d = (int) y0; d <= (int) y1; d++) {
                final double py = TOP + plotH - (d - y0) / (y1 - y0) * plotH;
                gridY(svg, py, formatMs(Math.pow(10, d)));
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                final double v = y1 * i / 5;
                gridY(svg, TOP + plotH - (double) i / 5 * plotH, String.format(Locale.ROOT, "%.0f", v));
            }
        }
        final List<Tick> ticks = xTicks.isEmpty() ? evenTicks(x0, x1) : xTicks;
        for (final Tick t : ticks) {
            final double px = LEFT + (t.value() - x0) / (x1 - x0) * plotW;
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>%n",
                    px, TOP, px, TOP + plotH, px, TOP + plotH + 15, escape(t.label())));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\""
                + ">%s</text>%n",
                LEFT + plotW / 2, HEIGHT - 8, escape(xLabel)));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 %d)\""
                        + ">%s</text>%n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        int legendX = LEFT + 10;
        for (final Series s : series) {
            final StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.xs().length; i++) {
                final double yv = logY ? Math.log10(s.ys()[i]) : s.ys()[i];
                final double px = LEFT + (s.xs()[i] - x0) / (x1 - x0) * plotW;
                final double py = TOP + plotH - (yv - y0) / (y1 - y0) * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            svg.append(String.format(Locale.ROOT,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", s.color(), points));
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size="
                            + "\"11\">%s</text>%n",
                    legendX, TOP + 10, s.color(), legendX + 16, TOP + 15, escape(s.name())));
            legendX += 30 + 7 * s.name().length();
        }
        return svg.append("</svg>\n").toString();
    }

    private static void gridY(StringBuilder svg, double py, String label) {
        svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                        + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>%n",
                LEFT, py, WIDTH - RIGHT, py, LEFT - 6, py + 4, label));
    }

    private static List<Tick> evenTicks(double x0, double x1) {
        final List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i <= 6; i++) {
            final double v = x0 + (x1 - x0) * i / 6;
            ticks.add(new Tick(v, String.format(Locale.ROOT, x1 - x0 < 20 ? "%.1f" : "%.0f", v)));
        }
        return ticks;
    }

    static String formatMs(double ms) {
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        return String.format(Locale.ROOT, "%s ms", Double.toString(ms).replaceAll("0+$", ""));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
