package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.linear.LinearModelDescriptor;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How an experiment uses the request's context (its {@code context} member), validated strictly: every problem is a
 * 400 naming the field ({@code context} or {@code context.<member>}), and unknown members are refused.
 *
 * <pre>
 * {"model": "segments", "attributes": ["device", "country", "visitor"], "interactions": [["device", "visitor"]],
 *  "priorStrength": 50, "maxSegments": 10000}
 * {"model": "linear", "features": ["recency_days", "pages_viewed"], "attributes": ["device"], "buckets": 8,
 *  "lambda": 1, "noiseVariance": 0.25, "variantCapacity": 64}
 * </pre>
 *
 * @param model         {@link #NONE}, {@link #SEGMENTS} or {@link #LINEAR}
 * @param attributes    categorical attributes (segments: their levels; linear: one-hot encoded into buckets)
 * @param interactions  segments only: sets of 2 or more declared attributes
 * @param priorStrength segments only: the back-off prior's cap in pseudo-observations
 * @param maxSegments   segments only: most segments of this experiment
 * @param features      linear only: numeric features, in order
 * @param buckets       linear only: one-hot entries per attribute
 * @param lambda        linear only: ridge prior precision
 * @param noiseVariance linear only: the reward noise variance
 * @param variantCapacity linear only: variants (retired ones included) the model has room for, 0 when not given yet;
 *                        the registry fixes it when the experiment is created and keeps it for the experiment's life,
 *                        so every node creates its model file of the same size
 */
public record ContextDefinition(String model, List<String> attributes, List<List<String>> interactions,
                                double priorStrength, int maxSegments, List<String> features, int buckets,
                                double lambda, double noiseVariance, int variantCapacity) {
    public static final String NONE = "none";
    public static final String SEGMENTS = "segments";
    public static final String LINEAR = "linear";
    public static final ContextDefinition ABSENT = new ContextDefinition(NONE, List.of(), List.of(), 0, 0, List.of(),
        0, 0, 0, 0);

    private static final Set<String> SEGMENT_MEMBERS =
        Set.of("model", "attributes", "interactions", "priorStrength", "maxSegments");
    private static final Set<String> LINEAR_MEMBERS =
        Set.of("model", "features", "attributes", "buckets", "lambda", "noiseVariance", "variantCapacity");

    /** The largest {@code variantCapacity} (the most variants {@code decisions.maxVariants} allows). */
    public static final int MAX_VARIANT_CAPACITY = 10_000;

    public boolean isSegments() {
        return SEGMENTS.equals(model);
    }

    public boolean isLinear() {
        return LINEAR.equals(model);
    }

    /** Parses the {@code context} member (null: none). */
    public static ContextDefinition fromJson(Object raw) {
        if (raw == null) {
            return ABSENT;
        }
        if (!(raw instanceof JsonObject json)) {
            throw ApiException.badField("context", "'context' must be an object");
        }
        final Object model = json.getValue("model");
        if (SEGMENTS.equals(model)) {
            checkMembers(json, SEGMENT_MEMBERS);
            final List<String> attributes = names(json.getValue("attributes"), "context.attributes", true);
            final List<List<String>> interactions = interactions(json.getValue("interactions"), attributes);
            final double strength = number(json, "priorStrength", 50, 0, 1e9);
            final int maxSegments = (int) number(json, "maxSegments", 10_000, 0, 4_000_000);
            if (maxSegments != number(json, "maxSegments", 10_000, 0, 4_000_000)) {
                throw ApiException.badField("context.maxSegments", "'context.maxSegments' must be an integer");
            }
            final ContextDefinition definition = new ContextDefinition(SEGMENTS, attributes, interactions, strength,
                maxSegments, List.of(), 0, 0, 0, 0);
            definition.segmentSpec(); // the learning core's own checks, as a 400
            return definition;
        }
        if (LINEAR.equals(model)) {
            checkMembers(json, LINEAR_MEMBERS);
            final List<String> features = names(json.getValue("features"), "context.features", false);
            final List<String> attributes = names(json.getValue("attributes"), "context.attributes", false);
            if (features.isEmpty() && attributes.isEmpty()) {
                throw ApiException.badField("context.features", "a linear context needs features or attributes");
            }
            final double bucketsValue = number(json, "buckets", 8, 1, LinearModelDescriptor.MAX_DIMENSION);
            if (bucketsValue != Math.rint(bucketsValue)) {
                throw ApiException.badField("context.buckets", "'context.buckets' must be an integer");
            }
            final double capacityValue = number(json, "variantCapacity", 0, 0, MAX_VARIANT_CAPACITY);
            if (capacityValue != Math.rint(capacityValue)) {
                throw ApiException.badField("context.variantCapacity", "'context.variantCapacity' must be an integer");
            }
            final ContextDefinition definition = new ContextDefinition(LINEAR, attributes, List.of(), 0, 0, features,
                (int) bucketsValue, number(json, "lambda", 1.0, 1e-9, 1e9), number(json, "noiseVariance", 0.25,
                1e-9, 1e9), (int) capacityValue);
            definition.linearSpec();
            return definition;
        }
        throw ApiException.badField("context.model", "'context.model' must be \"segments\" or \"linear\"");
    }

    /** The segment levels (none without a segment context). */
    public ContextSpec segmentSpec() {
        if (!isSegments()) {
            return ContextSpec.none();
        }
        try {
            final ContextSpec.Builder builder = ContextSpec.builder().attributes(attributes.toArray(new String[0]))
                .priorStrength(priorStrength).maxSegments(maxSegments);
            for (final List<String> interaction : interactions) {
                builder.interaction(interaction.toArray(new String[0]));
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("context", "'context': " + e.getMessage());
        }
    }

    /** The linear model's features (only for a linear context). */
    public LinearSpec linearSpec() {
        try {
            return LinearSpec.of(features, attributes, buckets);
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("context", "'context': " + e.getMessage());
        }
    }

    /**
     * A 32-bit fingerprint of the definition's inputs (model, attributes, features, buckets): a decision id made under
     * another one is attributed to the root only (segments) or not to the linear model.
     */
    public int fingerprint() {
        if (isSegments()) {
            return (int) segmentSpec().fingerprint();
        }
        return (int) ContextKeys.nameHash(model + "|" + String.join(",", features) + "|"
            + String.join(",", attributes) + "|" + buckets);
    }

    public JsonObject toJson() {
        final JsonObject json = new JsonObject().put("model", model).put("attributes", new JsonArray(attributes));
        if (isSegments()) {
            final JsonArray list = new JsonArray();
            for (final List<String> interaction : interactions) {
                list.add(new JsonArray(interaction));
            }
            return json.put("interactions", list).put("priorStrength", priorStrength).put("maxSegments", maxSegments);
        }
        json.put("features", new JsonArray(features)).put("buckets", buckets).put("lambda", lambda)
            .put("noiseVariance", noiseVariance);
        return variantCapacity > 0 ? json.put("variantCapacity", variantCapacity) : json;
    }

    /** This linear context with its model's variant capacity fixed at {@code capacity}. */
    public ContextDefinition withVariantCapacity(int capacity) {
        return new ContextDefinition(model, attributes, interactions, priorStrength, maxSegments, features, buckets,
            lambda, noiseVariance, capacity);
    }

    private static void checkMembers(JsonObject json, Set<String> allowed) {
        for (final String member : json.fieldNames()) {
            if (!allowed.contains(member)) {
                throw ApiException.badField("context." + member, "'context." + member + "' is not a member of a "
                    + json.getValue("model") + " context");
            }
        }
    }

    private static List<String> names(Object raw, String field, boolean required) {
        if (raw == null && !required) {
            return List.of();
        }
        if (!(raw instanceof JsonArray array) || (required && array.isEmpty())) {
            throw ApiException.badField(field, "'" + field + "' must be a" + (required ? " non-empty" : "n")
                + " array of names");
        }
        final List<String> names = new ArrayList<>(array.size());
        final Set<String> seen = new HashSet<>();
        for (final Object name : array) {
            if (!(name instanceof String s) || !ExperimentSpec.ID.matcher(s).matches()) {
                throw ApiException.badField(field, "'" + field + "' names must be 1 to 64 characters of "
                    + "A-Z a-z 0-9 _ -");
            }
            if (!seen.add(s)) {
                throw ApiException.badField(field, "'" + field + "' names '" + s + "' twice");
            }
            names.add(s);
        }
        return List.copyOf(names);
    }

    private static List<List<String>> interactions(Object raw, List<String> attributes) {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof JsonArray array)) {
            throw ApiException.badField("context.interactions", "'context.interactions' must be an array of arrays");
        }
        final List<List<String>> interactions = new ArrayList<>();
        for (final Object item : array) {
            final List<String> names = names(item, "context.interactions", true);
            if (names.size() < 2 || !attributes.containsAll(names)) {
                throw ApiException.badField("context.interactions", "an interaction names 2 or more declared "
                    + "attributes");
            }
            interactions.add(names);
        }
        return List.copyOf(interactions);
    }

    private static double number(JsonObject json, String member, double fallback, double min, double max) {
        final Object raw = json.getValue(member, fallback);
        if (!(raw instanceof Number n) || !(n.doubleValue() >= min) || !(n.doubleValue() <= max)) {
            throw ApiException.badField("context." + member, "'context." + member + "' must be a number in " + min
                + ".." + max);
        }
        return n.doubleValue();
    }
}
