package io.arbiter.bandits.linear;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * How a linear experiment turns a request into its feature vector {@code x}: an intercept (always 1), the declared
 * numeric features in declared order, then each declared categorical attribute one-hot encoded into
 * {@code buckets} entries. {@code d = 1 + features + attributes x buckets}, at most 64. Immutable, validated once.
 *
 * <p>Attribute values are not declared up front: a value's bucket is its value hash modulo the buckets (the hashing
 * trick), so two values of one attribute share a coefficient when they share a bucket: with {@code v} values in
 * {@code b} buckets, a given value shares its bucket with another with probability {@code 1 - (1 - 1/b)^(v-1)}.
 * Declare {@code buckets} at least the number of values that matter. Numeric features are used as given: scale them to
 * about unit size, since the ridge prior treats every coefficient alike.
 */
public final class LinearSpec {
    private final String[] features;
    private final String[] attributes;
    private final Map<String, Integer> featureIndex = new HashMap<>();
    private final Map<String, Integer> attributeIndex = new HashMap<>();
    private final int buckets;
    private final int dimension;

    private LinearSpec(List<String> features, List<String> attributes, int buckets) {
        this.features = features.toArray(new String[0]);
        this.attributes = attributes.toArray(new String[0]);
        this.buckets = buckets;
        for (int i = 0; i < this.features.length; i++) {
            featureIndex.put(this.features[i], 1 + i);
        }
        for (int i = 0; i < this.attributes.length; i++) {
            attributeIndex.put(this.attributes[i], i);
        }
        this.dimension = 1 + this.features.length + this.attributes.length * buckets;
    }

    /**
     * @param features   numeric feature names, distinct
     * @param attributes categorical attribute names, distinct
     * @param buckets    one-hot entries per attribute, 1..64 (ignored without attributes)
     */
    public static LinearSpec of(List<String> features, List<String> attributes, int buckets) {
        if (new LinkedHashSet<>(features).size() != features.size()
            || new LinkedHashSet<>(attributes).size() != attributes.size()) {
            throw new IllegalArgumentException("feature and attribute names must be distinct");
        }
        if (buckets < 1 || buckets > LinearModelDescriptor.MAX_DIMENSION) {
            throw new IllegalArgumentException("buckets must be in 1..64, was " + buckets);
        }
        final int d = 1 + features.size() + attributes.size() * buckets;
        if (d > LinearModelDescriptor.MAX_DIMENSION) {
            throw new IllegalArgumentException("1 + features + attributes x buckets must be at most "
                + LinearModelDescriptor.MAX_DIMENSION + ", was " + d);
        }
        return new LinearSpec(new ArrayList<>(features), new ArrayList<>(attributes), buckets);
    }

    /** d: the length of the feature vector. */
    public int dimension() {
        return dimension;
    }

    public int buckets() {
        return buckets;
    }

    public int featureCount() {
        return features.length;
    }

    public int attributeCount() {
        return attributes.length;
    }

    /** Index in {@code x} of a declared numeric feature, or -1 (unknown features are ignored). */
    public int featureIndex(String name) {
        final Integer index = featureIndex.get(name);
        return index == null ? -1 : index;
    }

    /** Ordinal of a declared attribute, or -1 (unknown attributes are ignored). */
    public int attributeIndex(String name) {
        final Integer index = attributeIndex.get(name);
        return index == null ? -1 : index;
    }

    /**
     * Index in {@code x} of the one-hot entry of an attribute value.
     *
     * @param attribute 0..attributeCount-1
     * @param valueHash the value's hash ({@code ContextKeys.valueHash})
     */
    public int bucketIndex(int attribute, long valueHash) {
        if (attribute < 0 || attribute >= attributes.length) {
            throw new IndexOutOfBoundsException("attribute " + attribute + " is not declared");
        }
        return 1 + features.length + attribute * buckets + (int) Long.remainderUnsigned(valueHash, buckets);
    }

    /**
     * Starts a request: clears {@code x} to this spec's dimension and sets the intercept; then set the features and
     * one-hot entries.
     *
     * @return {@code x}
     */
    public FeatureVector begin(FeatureVector x) {
        return x.clear(dimension).set(0, 1.0);
    }
}
