package io.arbiter.server.token;

import io.arbiter.server.api.ApiException;

import java.util.Objects;

/**
 * Decision ids. Attribution needs no lookup: a reward carries everything, and the HMAC makes it unforgeable.
 *
 * <ul>
 *   <li>{@code d2.<experiment>.<variant>.<issued ms, base 36>.<nonce, hex>.<flags, hex>.<context>.<signature>}, issued
 *       today: {@code flags} are {@link DecisionFlags}, {@code context} a {@link ContextKey} in base64url (empty for
 *       an experiment without context).</li>
 *   <li>{@code d1.<experiment>.<variant>.<issued ms, base 36>.<nonce, hex>.<signature>}, issued before; still verified
 *       (flags 0, no context), so rewards for them keep landing for the attribution window.</li>
 * </ul>
 *
 * The longest id: experiment and variant of 64 characters, a context of {@link ContextKey#MAX_BYTES} bytes: 871
 * characters, inside both {@link #MAX_LENGTH} and the outcome journal's 1,024 bytes per string.
 */
public final class DecisionTokens {
    /** Longest decision id accepted (characters). */
    public static final int MAX_LENGTH = 1024;

    private static final String VERSION_1 = "d1";
    private static final String VERSION_2 = "d2";

    private final SignedTokens signer;
    /** Each thread's builder for the id being issued (ids are issued on the event loops, a few long-lived threads). */
    private final ThreadLocal<StringBuilder> scratch = ThreadLocal.withInitial(() -> new StringBuilder(256));

    public DecisionTokens(SignedTokens signer) {
        this.signer = Objects.requireNonNull(signer);
    }

    /** A {@code d2} id without flags or context. */
    public String issue(String experiment, String variant, long issuedAtMillis, long nonce) {
        return issue(experiment, variant, issuedAtMillis, nonce, DecisionFlags.NONE, null);
    }

    /**
     * A {@code d2} id.
     *
     * @param flags   {@link DecisionFlags} bits (only those of {@link DecisionFlags#ALL})
     * @param context the decision's context, or null (or empty) for none
     */
    public String issue(String experiment, String variant, long issuedAtMillis, long nonce, int flags,
                        ContextKey context) {
        if ((flags & ~DecisionFlags.ALL) != 0) {
            throw new IllegalArgumentException("unknown decision flags " + Integer.toHexString(flags));
        }
        final StringBuilder body = scratch.get();
        body.setLength(0);
        body.append(VERSION_2).append('.').append(experiment).append('.').append(variant).append('.');
        appendBase36(body, issuedAtMillis).append('.');
        appendHex(body, nonce).append('.');
        appendHex(body, flags & 0xFFFF_FFFFL).append('.');
        if (context != null) {
            context.appendTo(body);
        }
        return signer.signInPlace(body).toString();
    }

    /** {@code Long.toString(value, 36)} appended without a string of its own. */
    static StringBuilder appendBase36(StringBuilder out, long value) {
        if (value < 0) {
            return out.append(Long.toString(value, 36)); // never for a clock after 1970
        }
        final int start = out.length();
        long rest = value;
        do {
            out.append(Character.forDigit((int) (rest % 36), 36));
            rest /= 36;
        } while (rest != 0);
        return reverseFrom(out, start);
    }

    /** {@code Long.toHexString(value)} (unsigned) appended without a string of its own. */
    static StringBuilder appendHex(StringBuilder out, long value) {
        final int start = out.length();
        long rest = value;
        do {
            out.append(Character.forDigit((int) (rest & 15), 16));
            rest >>>= 4;
        } while (rest != 0);
        return reverseFrom(out, start);
    }

    private static StringBuilder reverseFrom(StringBuilder out, int start) {
        for (int i = start, j = out.length() - 1; i < j; i++, j--) {
            final char c = out.charAt(i);
            out.setCharAt(i, out.charAt(j));
            out.setCharAt(j, c);
        }
        return out;
    }

    /** Verifies and decodes a decision id; 400 naming {@code field} when it is forged, tampered or malformed. */
    public DecisionToken parse(String decisionId, String field) {
        final String body = decisionId.length() > MAX_LENGTH ? null : signer.verify(decisionId);
        if (body == null) {
            throw ApiException.badField(field, "'" + field + "' is not a valid decision id (bad signature or format)");
        }
        final String[] parts = body.split("\\.", -1);
        final boolean v1 = parts.length == 5 && VERSION_1.equals(parts[0]);
        final boolean v2 = parts.length == 7 && VERSION_2.equals(parts[0]);
        if (!v1 && !v2) {
            throw unknownFormat(field);
        }
        try {
            final long issued = Long.parseLong(parts[3], 36);
            final long nonce = Long.parseUnsignedLong(parts[4], 16);
            if (v1) {
                return new DecisionToken(parts[1], parts[2], issued, nonce);
            }
            final int flags = Integer.parseUnsignedInt(parts[5], 16);
            if ((flags & ~DecisionFlags.ALL) != 0 || parts[6].length() > ContextKey.MAX_ENCODED_LENGTH) {
                throw unknownFormat(field);
            }
            return new DecisionToken(parts[1], parts[2], issued, nonce, flags, parts[6]);
        } catch (NumberFormatException e) {
            throw unknownFormat(field);
        }
    }

    private static ApiException unknownFormat(String field) {
        return ApiException.badField(field, "'" + field + "' has an unknown decision id format");
    }
}
