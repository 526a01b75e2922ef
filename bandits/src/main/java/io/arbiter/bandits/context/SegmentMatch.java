package io.arbiter.bandits.context;

import java.util.Arrays;

/**
 * One request's context as the segment model sees it: the value hash of each declared attribute (what a decision id
 * carries), and, once {@link SegmentedThompson#resolve resolved}, the segment matched on each level, the deciding
 * level and the back-off chain of the last choice. Reused from request to request, so nothing here allocates.
 *
 * <p><b>Single writer</b>: one per thread (per event loop), like a {@code Workspace}.
 */
public final class SegmentMatch {
    static final int MAX_LEVELS = 1 + ContextSpec.MAX_ATTRIBUTES + ContextSpec.MAX_INTERACTIONS;

    final long[] valueHashes = new long[ContextSpec.MAX_ATTRIBUTES];
    /** Per level: the slot of its matched, ready segment; -1 when none (level 0, the root, is always -1). */
    final int[] slots = new int[MAX_LEVELS];
    /** The back-off chain of the last choice: the deciding level first, the root last. */
    final int[] chain = new int[MAX_LEVELS];
    int chainLength;
    /** Per chain position: the segment's first block ({@code count << 32 | firstArm}), read once per request. */
    final long[] chainFirstBlock = new long[MAX_LEVELS];
    int decidingLevel;
    boolean fellBack;
    ContextSpec spec;
    SegmentedThompson resolvedFor;
    /** Scratch: the running (weight, sum, squares) of the back-off and one segment's own statistics. */
    final double[] statistics = new double[6];

    /**
     * Starts a request of an experiment with this spec: every attribute absent, nothing resolved.
     *
     * @return this match
     */
    public SegmentMatch reset(ContextSpec spec) {
        this.spec = spec;
        Arrays.fill(valueHashes, ContextKeys.ABSENT);
        resolvedFor = null;
        decidingLevel = 0;
        chainLength = 0;
        fellBack = false;
        return this;
    }

    /**
     * Sets an attribute's value (hashed here, allocation-free).
     *
     * @param attribute 0..spec.attributeCount()-1 ({@link ContextSpec#attributeIndex})
     */
    public SegmentMatch value(int attribute, CharSequence value) {
        return valueHash(attribute, ContextKeys.valueHash(value));
    }

    /**
     * Sets an attribute's value hash, as carried by a decision id ({@link ContextKeys#ABSENT} for no value).
     *
     * @param attribute 0..spec.attributeCount()-1
     */
    public SegmentMatch valueHash(int attribute, long hash) {
        if (spec == null || attribute < 0 || attribute >= spec.attributeCount()) {
            throw new IndexOutOfBoundsException("attribute " + attribute + " is not declared by the spec");
        }
        valueHashes[attribute] = hash;
        resolvedFor = null;
        return this;
    }

    /** The value hash of an attribute ({@link ContextKeys#ABSENT} when the request does not carry it). */
    public long valueHash(int attribute) {
        return valueHashes[attribute];
    }

    /** The spec this match was last reset for. */
    public ContextSpec spec() {
        return spec;
    }

    /** The level whose segment decides (0: the root); valid after {@link SegmentedThompson#resolve}. */
    public int decidingLevel() {
        return decidingLevel;
    }

    /** The slot of the segment matched on {@code level}, or -1 (not matched, not created, or not ready). */
    public int slot(int level) {
        return slots[level];
    }

    /** Whether the last {@link SegmentedThompson#resolve} could not create a matched segment (capacity). */
    public boolean fellBack() {
        return fellBack;
    }

    /** Levels in the back-off chain of the last choice, the deciding one first and the root last. */
    public int chainLength() {
        return chainLength;
    }

    /** @param i 0..chainLength()-1 */
    public int chainLevel(int i) {
        return chain[i];
    }
}
