package io.arbiter.bandits.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an {@link EvaluationResult} as JSON in the shape of the server's answer:
 * <pre>
 * {"rowsRead": ..., "rowsUsed": ..., ..., "warnings": [...],
 *  "policies": [{"name": ..., "estimates": {"snips": {"value": ..., "confidenceInterval95": [lo, hi],
 *                "standardError": ...}, ...}, "effectiveSampleSize": ..., ..., "warnings": [{"code": ...,
 *                "message": ...}]}]}
 * </pre>
 * Non-finite numbers are written as {@code null}. No JSON library: the bandits module depends on Agrona only.
 */
final class EvaluationJson {
    private EvaluationJson() {
    }

    static String write(EvaluationResult r) {
        final StringBuilder out = new StringBuilder(1024);
        out.append('{');
        field(out, "rowsRead", r.rowsRead()).append(',');
        field(out, "rowsUsed", r.rowsUsed()).append(',');
        field(out, "holdoutRows", r.holdoutRows()).append(',');
        field(out, "invalidRows", r.invalidRows()).append(',');
        field(out, "outOfOrderRows", r.outOfOrderRows()).append(',');
        field(out, "flooredPropensities", r.flooredPropensities()).append(',');
        field(out, "loggedDecisions", r.loggedDecisions()).append(',');
        field(out, "meanLoggedReward", r.meanLoggedReward()).append(',');
        field(out, "missingDecisions", r.missingDecisions()).append(',');
        field(out, "droppedDecisions", r.droppedDecisions()).append(',');
        field(out, "missingFraction", r.missingFraction()).append(',');
        field(out, "contextKeys", r.contextKeys()).append(',');
        field(out, "contextKeyOverflowRows", r.contextKeyOverflowRows()).append(',');
        warnings(out, r.warnings()).append(",\"policies\":[");
        final List<CandidateResult> candidates = r.candidates();
        for (int i = 0; i < candidates.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            candidate(out, candidates.get(i));
        }
        return out.append("]}").toString();
    }

    private static void candidate(StringBuilder out, CandidateResult c) {
        out.append("{\"name\":");
        string(out, c.name()).append(",\"estimates\":{");
        boolean first = true;
        for (final Map.Entry<Estimator, Estimate> e : c.estimates().entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, e.getKey().key()).append(":{");
            final Estimate est = e.getValue();
            field(out, "value", est.value()).append(",\"confidenceInterval95\":[");
            number(out, est.lower()).append(',');
            number(out, est.upper()).append("],");
            field(out, "standardError", est.standardError());
            if (est.missingDecisionShiftLow() != 0 || est.missingDecisionShiftHigh() != 0) {
                out.append(",\"missingDecisionShift\":[");
                number(out, est.missingDecisionShiftLow()).append(',');
                number(out, est.missingDecisionShiftHigh()).append(']');
            }
            out.append('}');
        }
        out.append("},");
        field(out, "effectiveSampleSize", c.effectiveSampleSize()).append(',');
        field(out, "weightedRows", c.weightedRows()).append(',');
        field(out, "clippedWeights", c.clippedWeights()).append(',');
        field(out, "flooredPropensities", c.flooredPropensities()).append(',');
        field(out, "unsupportedShare", c.unsupportedShare()).append(',');
        field(out, "replayAcceptedRows", c.replayAcceptedRows()).append(',');
        warnings(out, c.warnings()).append('}');
    }

    private static StringBuilder warnings(StringBuilder out, List<Warning> warnings) {
        out.append("\"warnings\":[");
        for (int i = 0; i < warnings.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"code\":");
            string(out, warnings.get(i).code().key()).append(",\"message\":");
            string(out, warnings.get(i).message()).append('}');
        }
        return out.append(']');
    }

    private static StringBuilder field(StringBuilder out, String name, long v) {
        return string(out, name).append(':').append(v);
    }

    private static StringBuilder field(StringBuilder out, String name, double v) {
        string(out, name).append(':');
        return number(out, v);
    }

    private static StringBuilder number(StringBuilder out, double v) {
        if (!Double.isFinite(v)) {
            return out.append("null");
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return out.append((long) v);
        }
        return out.append(String.format(Locale.ROOT, "%.10g", v).replaceAll("\\.?0+(e|$)", "$1"));
    }

    static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            switch (ch) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                default:
                    if (ch < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
            }
        }
        return out.append('"');
    }
}
