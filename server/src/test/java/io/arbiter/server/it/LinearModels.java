package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A node's linear model as its experiment stats show it, compared across nodes by the multi-node tests. */
final class LinearModels {
    private LinearModels() {
    }

    /** Per variant of the stats' linear section: its observations and its coefficients' mean, as text to compare. */
    static Map<String, String> of(JsonObject stats) {
        final Map<String, String> model = new HashMap<>();
        for (final Object v : stats.getJsonObject("linear").getJsonArray("variants")) {
            final JsonObject variant = (JsonObject) v;
            final StringBuilder mean = new StringBuilder();
            for (final Object m : variant.getJsonArray("mean")) {
                mean.append(String.format(Locale.ROOT, " %.9f", ((Number) m).doubleValue()));
            }
            model.put(variant.getString("variant"), variant.getLong("observations") + mean.toString());
        }
        return model;
    }

    /** The observations of every variant of {@link #of}'s model, together. */
    static long observations(Map<String, String> model) {
        return model.values().stream().mapToLong(m -> Long.parseLong(m.split(" ")[0])).sum();
    }

    /**
     * Reads the model every 50 ms until it holds {@code n} observations in all (a node's applier runs every 100 ms) or
     * {@code deadline} has passed; asserts it does and answers the last reading.
     */
    static Map<String, String> awaitObservations(Callable<Map<String, String>> read, long n, Duration deadline,
                                                 String what) throws Exception {
        final long until = System.nanoTime() + deadline.toNanos();
        Map<String, String> model = read.call();
        while (observations(model) != n && System.nanoTime() < until) {
            Thread.sleep(50);
            model = read.call();
        }
        assertEquals(n, observations(model), what + ": " + model);
        return model;
    }
}
