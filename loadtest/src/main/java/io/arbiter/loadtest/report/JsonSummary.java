package io.arbiter.loadtest.report;

import io.arbiter.loadtest.run.Counter;
import io.arbiter.loadtest.run.IntervalRow;
import io.arbiter.loadtest.run.RunResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/** The machine-readable summary ({@code summary.json}); latencies in milliseconds. */
public final class JsonSummary {
    private JsonSummary() {
    }

    public static JsonObject of(RunResult r) {
        final JsonObject config = new JsonObject()
                .put("url", r.config().url().toString())
                .put("scenario", r.config().scenario().name())
                .put("rate", r.config().rate())
                .put("durationSeconds", r.measuredSeconds())
                .put("warmupSeconds", r.config().warmupNanos() / 1e9)
                .put("connections", r.config().connections())
                .put("threads", r.config().threads())
                .put("maxInFlight", r.config().maxInFlight())
                .put("http2", r.config().http2())
                .put("arrival", r.config().arrival().name().toLowerCase(Locale.ROOT))
                .put("seed", r.config().seed())
                .put("nativeTransport", r.nativeTransport());
        final JsonObject counters = new JsonObject();
        for (final Counter c : Counter.values()) {
            counters.put(c.name().toLowerCase(Locale.ROOT), r.count(c));
        }
        final JsonObject statuses = new JsonObject();
        r.statuses().forEach((status, n) -> statuses.put(Integer.toString(status), n));
        final JsonObject errors = new JsonObject();
        r.errorsByKind().forEach(errors::put);
        final JsonObject byKind = new JsonObject();
        r.correctedByKind().forEach((kind, h) -> byKind.put(kind.label(), latency(h)));
        final JsonArray intervals = new JsonArray();
        for (final IntervalRow row : r.intervals()) {
            intervals.add(new JsonObject()
                    .put("endSeconds", row.endSeconds()).put("throughput", row.throughput())
                    .put("responses", row.responses()).put("errors", row.errors())
                    .put("p50Ms", row.p50() / 1000).put("p90Ms", row.p90() / 1000).put("p99Ms", row.p99() / 1000)
                    .put("p999Ms", row.p999() / 1000).put("maxMs", row.max() / 1000)
                    .put("serviceP50Ms", row.serviceP50() / 1000).put("serviceP99Ms", row.serviceP99() / 1000)
                    .put("backlog", row.backlogDepth()));
        }
        return new JsonObject()
                .put("config", config)
                .put("throughput", r.throughput())
                .put("targetRate", r.config().rate())
                .put("sendRate", r.sendRate())
                .put("planKept", r.planKept())
                .put("warnings", new JsonArray(r.warnings()))
                .put("corrected", latency(r.corrected()))
                .put("uncorrected", latency(r.service()))
                .put("sendLag", latency(r.sendLag()))
                .put("correctedByKind", byKind)
                .put("counters", counters)
                .put("statuses", statuses)
                .put("errors", r.errors())
                .put("errorsByKind", errors)
                .put("intervals", intervals);
    }

    static JsonObject latency(Histogram h) {
        final JsonObject out = new JsonObject().put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return out;
        }
        return out.put("p50Ms", ms(h.getValueAtPercentile(50)))
                .put("p90Ms", ms(h.getValueAtPercentile(90)))
                .put("p99Ms", ms(h.getValueAtPercentile(99)))
                .put("p999Ms", ms(h.getValueAtPercentile(99.9)))
                .put("p9999Ms", ms(h.getValueAtPercentile(99.99)))
                .put("maxMs", ms(h.getMaxValue()))
                .put("meanMs", h.getMean() / 1000);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
