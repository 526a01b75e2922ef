package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.token.SignedTokens;

import java.util.Objects;

/**
 * Bid ids that notices carry back: {@code n2.<campaign>.<creative>.<reserved micros, base 36>.<issued ms, base 36>.
 * <nonce, hex>.<response currency>.<frequency cell, base 36 or -1>.<shading context, hex>.<signature>}. A notice needs
 * no lookup to be attributed and charged, and the HMAC (see {@link SignedTokens}) makes it unforgeable: nobody can
 * invent a win, a click or a bigger reservation. Tokens of the previous format {@code n1} (no shading context) are
 * still accepted, with {@link WinRateCurve#NO_CONTEXT}, so bids made before an upgrade can still be charged.
 */
public final class NoticeTokens {
    private static final String VERSION = "n2";
    private static final String VERSION_1 = "n1";
    private static final int MAX_LENGTH = 512;

    private final SignedTokens signer;

    /** A verified notice token. */
    public record NoticeToken(String campaign, String creative, long reservedMicros, long issuedAtMillis, long nonce,
                              String currency, int frequencyCell, long shadingContext) {
    }

    public NoticeTokens(SignedTokens signer) {
        this.signer = Objects.requireNonNull(signer);
    }

    public String issue(String campaign, String creative, long reservedMicros, long issuedAtMillis, long nonce,
                        String currency, int frequencyCell, long shadingContext, StringBuilder scratch) {
        scratch.setLength(0);
        scratch.append(VERSION).append('.').append(campaign).append('.').append(creative).append('.')
            .append(Long.toString(reservedMicros, 36)).append('.').append(Long.toString(issuedAtMillis, 36))
            .append('.').append(Long.toHexString(nonce)).append('.').append(currency)
            .append('.').append(Integer.toString(frequencyCell, 36))
            .append('.').append(Long.toHexString(shadingContext));
        return signer.sign(scratch.toString());
    }

    /** Verifies and decodes; 400 naming {@code field} when forged, tampered or malformed. */
    public NoticeToken parse(String token, String field) {
        if (token == null) {
            throw ApiException.badField(field, "'" + field + "' is required");
        }
        final String body = token.length() > MAX_LENGTH ? null : signer.verify(token);
        if (body == null) {
            throw ApiException.badField(field, "'" + field + "' is not a valid bid token (bad signature or format)");
        }
        final String[] parts = body.split("\\.", -1);
        final boolean current = parts.length == 9 && VERSION.equals(parts[0]);
        if (!current && !(parts.length == 8 && VERSION_1.equals(parts[0]))) {
            throw ApiException.badField(field, "'" + field + "' has an unknown bid token format");
        }
        try {
            return new NoticeToken(parts[1], parts[2], Long.parseLong(parts[3], 36), Long.parseLong(parts[4], 36),
                Long.parseUnsignedLong(parts[5], 16), parts[6], Integer.parseInt(parts[7], 36),
                current ? Long.parseUnsignedLong(parts[8], 16) : WinRateCurve.NO_CONTEXT);
        } catch (NumberFormatException e) {
            throw ApiException.badField(field, "'" + field + "' has an unknown bid token format");
        }
    }
}
