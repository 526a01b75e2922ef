package io.arbiter.bandits.context;

import io.arbiter.bandits.random.SplitMix64;

/**
 * The stable 64-bit hashes that name experiments, attribute values, levels and segments.
 *
 * <p>A <b>value hash</b> ({@link #valueHash}) is what a decision id carries per attribute, so that a reward finds
 * every segment its decision matched by recomputing the keys ({@link #segmentKey}) with no lookup table. A
 * <b>segment key</b> mixes the experiment's key, the level's key (its attribute <i>names</i>, sorted, so a segment
 * keeps its key when other attributes are declared or removed) and the level's value hashes in that order.
 *
 * <p>Every hash is FNV-1a over the UTF-16 code units with a per-purpose seed, finished with SplitMix64's mixer, and
 * combining steps are {@code mix(k + v * golden)} (a bijection in {@code v} for fixed {@code k}). They are stable
 * across processes and releases: segment keys are stored in the mapped segment file. For distinct inputs they behave
 * as independent uniform 64-bit values: among {@code n} segments the probability that any two share a key is about
 * {@code n^2 / 2^65} (3·10<sup>-9</sup> for a million segments); two values of one attribute share a value hash with
 * probability {@code v^2 / 2^65} among {@code v} values. They are not cryptographic: a client can construct colliding
 * values, which only merges its own traffic into another segment it could have named anyway.
 *
 * <p>0 is reserved ({@link #ABSENT}: no value; an empty index slot) and never returned.
 */
public final class ContextKeys {
    /** The value hash of an attribute the request does not carry. */
    public static final long ABSENT = 0L;

    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long VALUE_SEED = 0x5641_4C55_4531L;      // "VALUE1"
    private static final long NAME_SEED = 0x4E41_4D45_3131L;       // "NAME11"
    private static final long EXPERIMENT_SEED = 0x4558_5031_3131L; // "EXP111"
    private static final long LEVEL_SEED = 0x4C45_5645_4C31L;      // "LEVEL1"

    private ContextKeys() {
    }

    /**
     * The hash of an attribute value, as a decision id carries it. Allocation-free.
     *
     * @param value any characters (the empty string is a value, distinct from an absent one)
     * @return a non-zero hash
     */
    public static long valueHash(CharSequence value) {
        return hash(VALUE_SEED, value);
    }

    /** The key of an experiment, from its id: the first component of all its segment keys. Never 0. */
    public static long experimentKey(CharSequence experimentId) {
        return hash(EXPERIMENT_SEED, experimentId);
    }

    /** The hash of an attribute name. Never 0. */
    public static long nameHash(CharSequence name) {
        return hash(NAME_SEED, name);
    }

    /**
     * The key of a level from its attributes' name hashes, which must be given sorted by attribute name (as
     * {@link ContextSpec} does), so that the key depends on the set of names only.
     */
    static long levelKey(long[] sortedNameHashes) {
        long key = LEVEL_SEED;
        for (final long h : sortedNameHashes) {
            key = step(key, h);
        }
        return nonZero(key);
    }

    /**
     * The key of the segment of level {@code levelKey} whose attributes (the level's, in its sorted-name order) have
     * the given value hashes.
     *
     * @param valueHashes  per attribute of the spec, {@link #ABSENT} for a missing value
     * @param attributes   the level's attribute indices into {@code valueHashes}, in sorted-name order
     * @return a non-zero key
     */
    public static long segmentKey(long experimentKey, long levelKey, long[] valueHashes, int[] attributes) {
        return segmentKey(levelSeed(experimentKey, levelKey), valueHashes, attributes);
    }

    /** The part of a segment key shared by all segments of one level of one experiment (models precompute it). */
    static long levelSeed(long experimentKey, long levelKey) {
        return step(experimentKey, levelKey);
    }

    /** {@link #segmentKey(long, long, long[], int[])} from a precomputed {@link #levelSeed}. */
    static long segmentKey(long levelSeed, long[] valueHashes, int[] attributes) {
        long key = levelSeed;
        for (final int a : attributes) {
            key = step(key, valueHashes[a]);
        }
        return nonZero(key);
    }

    private static long step(long key, long value) {
        return SplitMix64.mix(key + value * GOLDEN);
    }

    private static long hash(long seed, CharSequence text) {
        long h = FNV_OFFSET ^ seed;
        final int length = text.length();
        for (int i = 0; i < length; i++) {
            h = (h ^ text.charAt(i)) * FNV_PRIME;
        }
        return nonZero(SplitMix64.mix(h + length));
    }

    private static long nonZero(long h) {
        return h == 0 ? 1 : h;
    }
}
