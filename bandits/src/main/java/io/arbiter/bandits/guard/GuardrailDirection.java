package io.arbiter.bandits.guard;

/** Which way a guardrail metric is good: the experiment definition's {@code "direction"}. */
public enum GuardrailDirection {
    /** {@code "lower"}: lower is better (unsubscribes, bounces, complaints); harm is a higher rate. */
    LOWER("lower"),
    /** {@code "higher"}: higher is better (retention, add-to-cart); harm is a lower rate. */
    HIGHER("higher");

    private final String wireName;

    GuardrailDirection(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the API ({@code "lower"}, {@code "higher"}). */
    public String wireName() {
        return wireName;
    }

    /** The direction with this API name, or {@code null} if there is none (the caller answers 400). */
    public static GuardrailDirection fromWireName(String name) {
        for (final GuardrailDirection direction : values()) {
            if (direction.wireName.equals(name)) {
                return direction;
            }
        }
        return null;
    }
}
