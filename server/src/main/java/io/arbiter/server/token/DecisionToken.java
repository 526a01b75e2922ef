package io.arbiter.server.token;

/**
 * What a decision id says once its signature checks out: which experiment and variant it was for, when it was
 * issued, and a random nonce that makes it unique (the key for duplicate detection).
 */
public record DecisionToken(String experiment, String variant, long issuedAtMillis, long nonce) {
}
