package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.SegmentMatch;

/**
 * A contextual challenger's memory of the decisions it agreed with: the decision id's nonce mapped to the request's
 * attribute value hashes, so the reward, which carries only the champion's context, can teach the challenger's
 * segments. Fixed size: the entry is chosen by the nonce's bits; a newer agreement that maps to the same entry
 * replaces the older one, whose reward then finds nothing. Allocation-free; a striped lock per entry group (the
 * decide loops write, the reward path reads and clears).
 */
final class ContextMemo {
    private static final int STRIPES = 64;
    private final int mask;
    private final int width;
    private final long[] nonces;
    private final long[] hashes;
    private final Object[] locks = new Object[STRIPES];

    /**
     * @param entries    a power of two
     * @param attributes value hashes per entry
     */
    ContextMemo(int entries, int attributes) {
        if (Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries must be a power of two: " + entries);
        }
        this.mask = entries - 1;
        this.width = attributes;
        this.nonces = new long[entries];
        this.hashes = new long[entries * attributes];
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    private int index(long nonce) {
        return (int) (nonce ^ (nonce >>> 32)) & mask;
    }

    /** Remembers {@code match}'s value hashes under {@code nonce} (0 is never found). */
    void put(long nonce, SegmentMatch match) {
        final int i = index(nonce);
        synchronized (locks[i & (STRIPES - 1)]) {
            nonces[i] = nonce;
            for (int a = 0; a < width; a++) {
                hashes[i * width + a] = match.valueHash(a);
            }
        }
    }

    /** Writes the value hashes remembered under {@code nonce} into {@code into} and forgets them; false if gone. */
    boolean take(long nonce, SegmentMatch into) {
        if (nonce == 0) {
            return false;
        }
        final int i = index(nonce);
        synchronized (locks[i & (STRIPES - 1)]) {
            if (nonces[i] != nonce) {
                return false;
            }
            nonces[i] = 0;
            for (int a = 0; a < width; a++) {
                into.valueHash(a, hashes[i * width + a]);
            }
            return true;
        }
    }
}
