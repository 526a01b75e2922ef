package io.arbiter.server.personalisation.reward;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The decisions that have been rewarded within the attribution window, so a second reward for the same decision and
 * metric is recognised. Keyed by the decision's (nonce, issue time) pair, 128 bits, and the metric (the primary reward
 * is metric ""; each guardrail metric may reward a decision once more), so two distinct decisions never collide in
 * practice. Thread-safe and lock-free for readers; memory is proportional to the rewards taken within the window
 * (about 100 bytes each), and {@link #expire} drops entries older than the window, which the token check rejects
 * anyway. Rebuilt from Postgres at start.
 */
public final class DuplicateIndex {
    private record Key(long nonce, long issuedAtMillis, String metric) {
    }

    private final ConcurrentHashMap<Key, Boolean> rewarded = new ConcurrentHashMap<>();

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
        return rewarded.putIfAbsent(new Key(nonce, issuedAtMillis, metric), Boolean.TRUE) == null;
    }

    /** Gives a claim back (the reward could not be made durable, so the client may retry). */
    public void release(long nonce, long issuedAtMillis, String metric) {
        rewarded.remove(new Key(nonce, issuedAtMillis, metric));
    }

    /** Forgets decisions issued before {@code oldestMillis}. */
    public void expire(long oldestMillis) {
        rewarded.keySet().removeIf(key -> key.issuedAtMillis() < oldestMillis);
    }

    public int size() {
        return rewarded.size();
    }
}
