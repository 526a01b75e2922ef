package io.arbiter.server.token;

/**
 * What a decision id says once its signature checks out: which experiment and variant it was for, when it was
 * issued, a random nonce that makes it unique (the key for duplicate detection), its {@link DecisionFlags} and its
 * compact context key ({@link ContextKey}; empty when the decision had none, and for every {@code d1} id).
 */
public record DecisionToken(String experiment, String variant, long issuedAtMillis, long nonce, int flags,
                            String context) {

    /** A decision without flags or context (as every {@code d1} id). */
    public DecisionToken(String experiment, String variant, long issuedAtMillis, long nonce) {
        this(experiment, variant, issuedAtMillis, nonce, DecisionFlags.NONE, "");
    }

    /** True when every bit of {@code flag} is set. */
    public boolean has(int flag) {
        return DecisionFlags.has(flags, flag);
    }
}
