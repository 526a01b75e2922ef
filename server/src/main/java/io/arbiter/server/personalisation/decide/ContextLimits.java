package io.arbiter.server.personalisation.decide;

/**
 * Bounds of a decide request's context ({@code decisions.context.*} in the configuration); exceeding one is a 400
 * naming the field.
 *
 * @param maxAttributes  most entries in {@code context}
 * @param maxFeatures    most entries in {@code features}
 * @param maxValueLength longest attribute value and longest attribute or feature name (characters)
 */
public record ContextLimits(int maxAttributes, int maxFeatures, int maxValueLength) {
    public static final ContextLimits DEFAULTS = new ContextLimits(32, 64, 128);

    public ContextLimits {
        if (maxAttributes < 1 || maxFeatures < 1 || maxValueLength < 1) {
            throw new IllegalArgumentException("context limits must be positive");
        }
    }
}
