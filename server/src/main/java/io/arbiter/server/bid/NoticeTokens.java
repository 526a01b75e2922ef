package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.token.SignedTokens;

import java.util.Objects;

/**
 * Bid ids that notices carry back: {@code n3.<campaign>.<creative>.<reserved micros, base 36>.<issued ms, base 36>.
 * <nonce, hex>.<response currency>.<frequency cell, base 36 or -1>.<shading context, hex>.<device type>.<hour>.
 * <signature>}. A notice needs no lookup to be attributed and charged, and the HMAC (see {@link SignedTokens}) makes it
 * unforgeable: nobody can invent a win, a click or a bigger reservation. Tokens of the previous formats are still
 * accepted (bids made before an upgrade are charged within the notice window): {@code n2} without device type and
 * hour (-1: only the publisher x format curve learns), {@code n1} without a shading context either
 * ({@link WinRateCurve#NO_CONTEXT}).
 */
public final class NoticeTokens {
    private static final String VERSION = "n3";
    private static final String VERSION_2 = "n2";
    private static final String VERSION_1 = "n1";
    private static final int MAX_LENGTH = 512;

    private final SignedTokens signer;

    /** A verified notice token. */
    public record NoticeToken(String campaign, String creative, long reservedMicros, long issuedAtMillis, long nonce,
                              String currency, int frequencyCell, long shadingContext, int deviceType, int hour) {
    }

    public NoticeTokens(SignedTokens signer) {
        this.signer = Objects.requireNonNull(signer);
    }

    public String issue(String campaign, String creative, long reservedMicros, long issuedAtMillis, long nonce,
                        String currency, int frequencyCell, long shadingContext, int deviceType, int hour,
                        StringBuilder scratch) {
        scratch.setLength(0);
        scratch.append(VERSION).append('.').append(campaign).append('.').append(creative).append('.')
            .append(Long.toString(reservedMicros, 36)).append('.').append(Long.toString(issuedAtMillis, 36))
            .append('.').append(Long.toHexString(nonce)).append('.').append(currency)
            .append('.').append(Integer.toString(frequencyCell, 36))
            .append('.').append(Long.toHexString(shadingContext))
            .append('.').append(deviceType).append('.').append(hour);
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
        final int version = parts.length == 11 && VERSION.equals(parts[0]) ? 3
            : parts.length == 9 && VERSION_2.equals(parts[0]) ? 2
            : parts.length == 8 && VERSION_1.equals(parts[0]) ? 1 : 0;
        if (version == 0) {
            throw ApiException.badField(field, "'" + field + "' has an unknown bid token format");
        }
        try {
            return new NoticeToken(parts[1], parts[2], Long.parseLong(parts[3], 36), Long.parseLong(parts[4], 36),
                Long.parseUnsignedLong(parts[5], 16), parts[6], Integer.parseInt(parts[7], 36),
                version >= 2 ? Long.parseUnsignedLong(parts[8], 16) : WinRateCurve.NO_CONTEXT,
                version == 3 ? Integer.parseInt(parts[9]) : -1, version == 3 ? Integer.parseInt(parts[10]) : -1);
        } catch (NumberFormatException e) {
            throw ApiException.badField(field, "'" + field + "' has an unknown bid token format");
        }
    }
}
