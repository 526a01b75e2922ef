package io.arbiter.bandits.guard;

/**
 * Why a set of share bounds cannot be met, for a 400 answer that names the field.
 *
 * @param variant the variant's position in the definition, or -1 when the problem is the set as a whole
 * @param field   {@code "min"} or {@code "max"} (of that variant), or {@code "shares"} (the set)
 * @param message a sentence for the {@code error} member of the answer
 */
public record BoundsProblem(int variant, String field, String message) {
}
