package io.arbiter.server.personalisation.reward;

import io.arbiter.bandits.unit.ClaimTable;

import java.time.Clock;
import java.util.Objects;

/**
 * The decisions that have been rewarded within the attribution window, so a second reward for the same decision and
 * metric is recognised. Keyed by a 64-bit hash of the decision's (nonce, issue time) pair and the metric (the primary
 * reward is metric ""; each guardrail metric may reward a decision once more), in an off-heap {@link ClaimTable} of
 * {@code decisions.duplicateClaimsLog2} slots: bounded memory, and a claim expires by itself at the end of the
 * window (the token check rejects the decision from then on). When a group of the table is full of live claims the
 * one that expires first is replaced ({@link #evicted()}): a duplicate of that reward is then taken in memory again
 * (Postgres still stores it once: see docs/api.md). Thread-safe, allocation-free. Rebuilt from Postgres at start:
 * the newest claims of the window, at most the table's {@link #capacity}.
 */
public final class DuplicateIndex {
    private final ClaimTable claims;
    private final long windowMillis;
    private final Clock clock;

    /**
     * @param slotsLog2    log2 of the table's 16-byte slots (seven claims in each eight)
     * @param windowMillis the attribution window: how long after its issue a decision can be rewarded
     */
    public DuplicateIndex(int slotsLog2, long windowMillis, Clock clock) {
        this.claims = new ClaimTable(slotsLog2);
        this.windowMillis = windowMillis;
        this.clock = Objects.requireNonNull(clock);
    }

    /** Claims the decision for its primary reward; false if it was already claimed. */
    public boolean claim(long nonce, long issuedAtMillis) {
        return claim(nonce, issuedAtMillis, "");
    }

    /** Gives a primary reward's claim back. */
    public void release(long nonce, long issuedAtMillis) {
        release(nonce, issuedAtMillis, "");
    }

    /** Claims the decision for one reward of {@code metric} ("" the primary one); false if already claimed. */
    public boolean claim(long nonce, long issuedAtMillis, String metric) {
        final long expiresAtSecond = Math.floorDiv(issuedAtMillis + windowMillis, 1000) + 1;
        return claims.claim(key(nonce, issuedAtMillis, metric), expiresAtSecond, Math.floorDiv(clock.millis(), 1000));
    }

    /** Gives a claim back (the reward could not be made durable, so the client may retry). */
    public void release(long nonce, long issuedAtMillis, String metric) {
        claims.release(key(nonce, issuedAtMillis, metric));
    }

    private static long key(long nonce, long issuedAtMillis, String metric) {
        long h = 0x2545F4914F6CDD1DL; // 64-bit FNV-style over the metric's characters, no allocation
        for (int i = 0; i < metric.length(); i++) {
            h = (h ^ metric.charAt(i)) * 0x100000001B3L;
        }
        return ClaimTable.key(nonce, issuedAtMillis, h);
    }

    /** Slots holding a claim (live, or expired and not reused yet). */
    public long size() {
        return claims.used();
    }

    /** Live claims replaced because their group of the table was full. */
    public long evicted() {
        return claims.evicted();
    }

    /** Claims the table can hold. */
    public long capacity() {
        return claims.capacity();
    }
}
