package io.arbiter.server.token;

import io.arbiter.server.api.ApiException;

import java.util.Objects;

/**
 * Decision ids: {@code d1.<experiment>.<variant>.<issued ms, base 36>.<nonce, hex>.<signature>}. Attribution needs no
 * lookup: a reward carries everything, and the HMAC makes it unforgeable.
 */
public final class DecisionTokens {
    private static final String VERSION = "d1";

    private final SignedTokens signer;

    public DecisionTokens(SignedTokens signer) {
        this.signer = Objects.requireNonNull(signer);
    }

    public String issue(String experiment, String variant, long issuedAtMillis, long nonce) {
        final StringBuilder body = new StringBuilder(24 + experiment.length() + variant.length());
        body.append(VERSION).append('.').append(experiment).append('.').append(variant).append('.')
            .append(Long.toString(issuedAtMillis, 36)).append('.').append(Long.toHexString(nonce));
        return signer.sign(body.toString());
    }

    /** Verifies and decodes a decision id; 400 naming {@code field} when it is forged, tampered or malformed. */
    public DecisionToken parse(String decisionId, String field) {
        final String body = decisionId.length() > 512 ? null : signer.verify(decisionId);
        if (body == null) {
            throw ApiException.badField(field, "'" + field + "' is not a valid decision id (bad signature or format)");
        }
        final String[] parts = body.split("\\.", -1);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            throw ApiException.badField(field, "'" + field + "' has an unknown decision id format");
        }
        try {
            return new DecisionToken(parts[1], parts[2], Long.parseLong(parts[3], 36),
                Long.parseUnsignedLong(parts[4], 16));
        } catch (NumberFormatException e) {
            throw ApiException.badField(field, "'" + field + "' has an unknown decision id format");
        }
    }
}
