package io.arbiter.server.token;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Issues and verifies self-describing signed tokens: {@code <fields separated by '.'>.<signature>}, where the
 * signature is the first 16 bytes of HMAC-SHA256 over everything before it, base64url without padding. The fields
 * must not contain '.'; callers only put identifiers ([A-Za-z0-9_-]) and numbers in them.
 *
 * <p>A {@link Mac} is not thread-safe, so each thread gets its own (the event loops are few and long-lived).
 */
public final class SignedTokens {
    private static final int SIGNATURE_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final ThreadLocal<Mac> macs;

    public SignedTokens(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("token secret must be at least 16 bytes, was " + secret.length);
        }
        final byte[] key = secret.clone();
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                final Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
    }

    /** Appends the signature to {@code body} (which must not end with '.') and returns the token. */
    public String sign(String body) {
        final byte[] signature = signature(body.getBytes(StandardCharsets.US_ASCII));
        return body + '.' + ENCODER.encodeToString(signature);
    }

    /**
     * Returns the signed body of {@code token}, or null when the token is malformed or its signature does not match
     * (the comparison is constant-time).
     */
    public String verify(String token) {
        final int dot = token.lastIndexOf('.');
        if (dot <= 0 || dot == token.length() - 1) {
            return null;
        }
        final String body = token.substring(0, dot);
        final byte[] given;
        try {
            given = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        final byte[] expected = signature(body.getBytes(StandardCharsets.US_ASCII));
        return MessageDigest.isEqual(given, expected) ? body : null;
    }

    private byte[] signature(byte[] body) {
        final byte[] full = macs.get().doFinal(body);
        final byte[] truncated = new byte[SIGNATURE_BYTES];
        System.arraycopy(full, 0, truncated, 0, SIGNATURE_BYTES);
        return truncated;
    }
}
