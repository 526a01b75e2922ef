package io.arbiter.server.personalisation.guard;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an experiment's safeguards have learned and decided, kept across the experiment's versions (an admin change
 * builds a new experiment; this stays): the lift's and guardrails' counters and the suspended variants. The
 * suspensions are an immutable map swapped whole (rare changes; readers take one volatile load).
 */
public final class GuardState {
    private final GuardCounters counters;
    private volatile Map<String, Suspension> suspended = Map.of();
    private volatile Map<String, Baseline> baselines = Map.of();

    /**
     * The counts a resumed variant was resumed at: its guardrails watch it afresh from there (a new sequential test,
     * with its own error budget), so a harm that is still there is found again on new evidence.
     *
     * @param decisions the variant's decisions then
     * @param events    its events then, by guardrail metric
     */
    public record Baseline(long decisions, Map<String, Long> events) {
        public long events(String metric) {
            final Long n = events.get(metric);
            return n == null ? 0 : n;
        }

        public JsonObject toJson() {
            final JsonObject json = new JsonObject();
            events.forEach(json::put);
            return new JsonObject().put("decisions", decisions).put("events", json);
        }

        public static Baseline fromJson(JsonObject json) {
            final Map<String, Long> events = new HashMap<>();
            final JsonObject raw = json.getJsonObject("events", new JsonObject());
            for (final String metric : raw.fieldNames()) {
                events.put(metric, raw.getLong(metric));
            }
            return new Baseline(json.getLong("decisions", 0L), Map.copyOf(events));
        }
    }

    public GuardState(String experiment) {
        this.counters = new GuardCounters(Objects.requireNonNull(experiment));
    }

    public GuardCounters counters() {
        return counters;
    }

    /** The suspended variants by id. */
    public Map<String, Suspension> suspended() {
        return suspended;
    }

    public boolean isSuspended(String variant) {
        return suspended.containsKey(variant);
    }

    /** Records a suspension; false if the variant was already suspended. */
    public synchronized boolean suspend(Suspension suspension) {
        if (suspended.containsKey(suspension.variant())) {
            return false;
        }
        final Map<String, Suspension> next = new HashMap<>(suspended);
        next.put(suspension.variant(), suspension);
        suspended = Map.copyOf(next);
        return true;
    }

    /** Lifts a suspension, watching the variant afresh from {@code baseline}; false if it was not suspended. */
    public synchronized boolean resume(String variant, Baseline baseline) {
        if (!suspended.containsKey(variant)) {
            return false;
        }
        final Map<String, Suspension> next = new HashMap<>(suspended);
        next.remove(variant);
        suspended = Map.copyOf(next);
        if (baseline != null) {
            restoreBaseline(variant, baseline);
        }
        return true;
    }

    /** Sets the counts the variant's guardrails start from (a resume, or one restored at start). */
    public synchronized void restoreBaseline(String variant, Baseline baseline) {
        final Map<String, Baseline> next = new HashMap<>(baselines);
        next.put(variant, baseline);
        baselines = Map.copyOf(next);
    }

    /** The counts the variant's guardrails start from, or null (from the beginning). */
    public Baseline baseline(String variant) {
        return baselines.get(variant);
    }
}
