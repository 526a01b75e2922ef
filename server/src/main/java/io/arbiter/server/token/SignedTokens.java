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

    private static final char[] ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final ThreadLocal<Mac> macs;
    /** Each thread's scratch for {@link #signInPlace}: the body's bytes. */
    private final ThreadLocal<byte[][]> bodies = ThreadLocal.withInitial(() -> new byte[][] {new byte[256]});

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
     * Appends {@code '.'} and the signature to the body in {@code token} (which must not end with '.'): the same token
     * as {@link #sign(String)}, built in the caller's builder, so that issuing allocates only the HMAC's digest and the
     * caller's final string. The body is signed as US-ASCII, as {@code sign} does (a character above 127 signs as
     * {@code '?'}, a pair of surrogates as one), from a scratch array of the thread's own.
     */
    public StringBuilder signInPlace(StringBuilder token) {
        final int length = token.length();
        final byte[][] holder = bodies.get();
        if (holder[0].length < length) {
            holder[0] = new byte[Math.max(length, 2 * holder[0].length)];
        }
        final byte[] body = holder[0];
        int n = 0;
        for (int i = 0; i < length; i++) {
            final char c = token.charAt(i);
            body[n++] = c < 128 ? (byte) c : (byte) '?';
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(token.charAt(i + 1))) {
                i++; // one '?' for a character outside the BMP, as the US-ASCII encoder writes
            }
        }
        final Mac mac = macs.get();
        mac.update(body, 0, n);
        final byte[] full = mac.doFinal();
        token.append('.');
        int i = 0;
        for (; i + 3 <= SIGNATURE_BYTES; i += 3) {
            final int v = (full[i] & 0xFF) << 16 | (full[i + 1] & 0xFF) << 8 | (full[i + 2] & 0xFF);
            token.append(ALPHABET[v >>> 18]).append(ALPHABET[(v >>> 12) & 63]).append(ALPHABET[(v >>> 6) & 63])
                .append(ALPHABET[v & 63]);
        }
        final int v = (full[i] & 0xFF) << 16; // 16 bytes: five groups of three and one byte left
        return token.append(ALPHABET[v >>> 18]).append(ALPHABET[(v >>> 12) & 63]);
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
