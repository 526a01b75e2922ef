package io.arbiter.loadtest.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * What a decide request carries besides experiment and unit: categorical attributes, each with a number of values
 * ({@code v0}, {@code v1}, ... drawn uniformly), and numeric features {@code f0}, {@code f1}, ... (uniform in [0, 1)).
 * Parsed from {@code --context device=4,country=5} and {@code --features 15}.
 *
 * @param names    attribute names
 * @param values   values per attribute, parallel to {@code names}
 * @param features how many numeric features
 */
public record DecideContext(List<String> names, List<Integer> values, int features) {
    public static final DecideContext NONE = new DecideContext(List.of(), List.of(), 0);

    public DecideContext {
        names = List.copyOf(names);
        values = List.copyOf(values);
        if (names.size() != values.size() || features < 0 || features > 1024) {
            throw new IllegalArgumentException("one value count per attribute; features 0..1024");
        }
    }

    public boolean isEmpty() {
        return names.isEmpty() && features == 0;
    }

    /** Parses {@code name=values,name=values} (empty or null: no attributes) and a feature count. */
    public static DecideContext parse(String attributes, int features) {
        final List<String> names = new ArrayList<>();
        final List<Integer> values = new ArrayList<>();
        if (attributes != null && !attributes.isBlank()) {
            for (final String part : attributes.split(",")) {
                final String[] kv = part.trim().split("=");
                final int count;
                try {
                    count = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--context wants name=values pairs, got '" + part + "'");
                }
                if (count < 1 || kv[0].isBlank() || !kv[0].trim().matches("[A-Za-z0-9_-]+")) {
                    throw new IllegalArgumentException("--context wants name=values pairs (values >= 1), got '" + part
                        + "'");
                }
                names.add(kv[0].trim());
                values.add(count);
            }
        }
        return new DecideContext(names, values, features);
    }
}
