package io.arbiter.bandits.policy;

import java.util.Arrays;

/**
 * The positions (into an experiment's {@code arms} array) that one request may be answered with: stock, compliance,
 * what the page can render. Held as both a sorted positions array (for iterating) and a bit mask (for membership in
 * O(1)), so the eligible variants of a choice are visited without allocation and the answer is always one of them.
 *
 * <p><b>Single writer</b>: one per thread (each {@link Workspace} owns one, {@link Workspace#eligible()}), reset for
 * every request with {@link #all} or {@link #none} and then {@link #add}/{@link #remove}.
 */
public final class EligibleSet {
    private final int[] positions;
    private final long[] mask;
    private int count;
    private int arms;

    /**
     * @param maxArms the largest arms array this set will describe, at least 1
     */
    public EligibleSet(int maxArms) {
        if (maxArms <= 0) {
            throw new IllegalArgumentException("maxArms must be positive, was " + maxArms);
        }
        this.positions = new int[maxArms];
        this.mask = new long[(maxArms + 63) >>> 6];
    }

    /**
     * Makes every position of an arms array of length {@code arms} eligible.
     *
     * @param arms length of the arms array, 1..maxArms
     * @return this set
     */
    public EligibleSet all(int arms) {
        checkArms(arms);
        this.arms = arms;
        this.count = arms;
        for (int i = 0; i < arms; i++) {
            positions[i] = i;
        }
        final int words = (arms + 63) >>> 6;
        Arrays.fill(mask, 0L);
        for (int w = 0; w < words; w++) {
            final int bits = Math.min(64, arms - (w << 6));
            mask[w] = bits == 64 ? -1L : (1L << bits) - 1;
        }
        return this;
    }

    /**
     * Empties the set for an arms array of length {@code arms}; add the eligible positions next.
     *
     * @param arms length of the arms array, 1..maxArms
     * @return this set
     */
    public EligibleSet none(int arms) {
        checkArms(arms);
        this.arms = arms;
        this.count = 0;
        Arrays.fill(mask, 0L);
        return this;
    }

    /**
     * Adds {@code position}; adding a position twice changes nothing.
     *
     * @param position 0..arms-1
     * @return this set
     */
    public EligibleSet add(int position) {
        checkPosition(position);
        if (contains(position)) {
            return this;
        }
        mask[position >>> 6] |= 1L << position;
        int at = count;
        while (at > 0 && positions[at - 1] > position) { // keep ascending order: ties resolve the same whatever order
            positions[at] = positions[at - 1];
            at--;
        }
        positions[at] = position;
        count++;
        return this;
    }

    /**
     * Removes {@code position}; removing an absent position changes nothing.
     *
     * @param position 0..arms-1
     * @return this set
     */
    public EligibleSet remove(int position) {
        checkPosition(position);
        if (!contains(position)) {
            return this;
        }
        mask[position >>> 6] &= ~(1L << position);
        int at = 0;
        while (positions[at] != position) {
            at++;
        }
        System.arraycopy(positions, at + 1, positions, at, count - at - 1);
        count--;
        return this;
    }

    /** Whether {@code position} (any int) is eligible. */
    public boolean contains(int position) {
        return position >= 0 && position < arms && (mask[position >>> 6] & (1L << position)) != 0;
    }

    /** Number of eligible positions, 0..arms. */
    public int count() {
        return count;
    }

    /** Length of the arms array this set describes. */
    public int arms() {
        return arms;
    }

    /** Whether every position is eligible. */
    public boolean isAll() {
        return count == arms;
    }

    /**
     * The {@code i}-th eligible position, in ascending order.
     *
     * @param i 0..count-1
     */
    public int position(int i) {
        return positions[i];
    }

    /**
     * Bits 64w..64w+63 of the membership mask.
     *
     * @param w 0..(arms-1)/64
     */
    public long maskWord(int w) {
        return mask[w];
    }

    /** Number of mask words in use: {@code ceil(arms / 64)}. */
    public int maskWords() {
        return (arms + 63) >>> 6;
    }

    /**
     * Throws {@link IllegalArgumentException} unless this set describes an arms array of length {@code arms} and holds
     * at least one position (policies call it before choosing).
     */
    public void requireUsableFor(int arms) {
        if (this.arms != arms) {
            throw new IllegalArgumentException("eligible set describes " + this.arms + " arms, not " + arms);
        }
        if (count == 0) {
            throw new IllegalArgumentException("no eligible arm");
        }
    }

    private void checkArms(int arms) {
        if (arms <= 0 || arms > positions.length) {
            throw new IllegalArgumentException("arms must be in 1.." + positions.length + ", was " + arms);
        }
    }

    private void checkPosition(int position) {
        if (position < 0 || position >= arms) {
            throw new IndexOutOfBoundsException("position " + position + " outside 0.." + (arms - 1));
        }
    }
}
