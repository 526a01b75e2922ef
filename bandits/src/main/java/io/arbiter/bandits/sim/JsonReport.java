package io.arbiter.bandits.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads back the JSON written by {@link Reports#json} (our own flat format; not a general JSON parser). */
final class JsonReport {
    private static final Pattern POLICY_ROW = Pattern.compile(
        "\\{\"policy\":\"([\\w-]+)\",\"t\":(\\d+),\"regret\":([-0-9.Ee]+|null),\"stderr\":([-0-9.Ee]+|null)}");
    private static final Pattern BOUND_ROW = Pattern.compile("\\{\"t\":(\\d+),\"lowerBound\":([-0-9.Ee]+|null)}");

    String scenario;
    String settings;
    int runs;
    long[] checkpoints;
    String[] policies;
    double[][] regret;
    double[] bound;

    static JsonReport parse(String json) {
        final JsonReport r = new JsonReport();
        r.scenario = field(json, "scenario");
        r.runs = Integer.parseInt(field(json, "runs"));
        r.settings = String.format(Locale.ROOT, "K = %s, EPS = %s, T = %s, %d runs", field(json, "arms"),
            field(json, "gap"), field(json, "horizon"), r.runs);
        final Map<String, Map<Long, Double>> byPolicy = new LinkedHashMap<>();
        final TreeSet<Long> ts = new TreeSet<>();
        final Matcher m = POLICY_ROW.matcher(json);
        while (m.find()) {
            final long t = Long.parseLong(m.group(2));
            ts.add(t);
            byPolicy.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(t, number(m.group(3)));
        }
        r.checkpoints = ts.stream().mapToLong(Long::longValue).toArray();
        r.policies = byPolicy.keySet().toArray(new String[0]);
        r.regret = new double[r.policies.length][r.checkpoints.length];
        for (int i = 0; i < r.policies.length; i++) {
            for (int c = 0; c < r.checkpoints.length; c++) {
                r.regret[i][c] = byPolicy.get(r.policies[i]).getOrDefault(r.checkpoints[c], Double.NaN);
            }
        }
        final List<Double> bounds = new ArrayList<>();
        final Matcher b = BOUND_ROW.matcher(json);
        while (b.find()) {
            bounds.add(number(b.group(2)));
        }
        if (bounds.size() == r.checkpoints.length) {
            r.bound = bounds.stream().mapToDouble(Double::doubleValue).toArray();
        }
        return r;
    }

    String svg(String title) {
        final boolean logX = "regret".equals(scenario);
        return Reports.svg(title != null ? title : settings, checkpoints, policies, regret, bound, logX);
    }

    private static String field(String json, String name) {
        final Matcher m = Pattern.compile("\"" + name + "\":\"?([^,\"}]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("report has no field " + name);
        }
        return m.group(1);
    }

    private static double number(String s) {
        return "null".equals(s) ? Double.NaN : Double.parseDouble(s);
    }
}
