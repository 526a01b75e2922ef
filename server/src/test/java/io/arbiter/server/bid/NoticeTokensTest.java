package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.token.SignedTokens;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoticeTokensTest {
    private final SignedTokens signer =
        new SignedTokens("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    private final NoticeTokens tokens = new NoticeTokens(signer);

    @Test
    void roundTripCarriesEveryFieldIncludingTheShadingContext() {
        final long context = WinRateCurve.context(false, "news.example", 300, 250, 1);
        final String token = tokens.issue("spring-sale", "c1", 4_321, 1_795_392_000_123L, 0xFEDCBA9876543210L, "EUR",
            77, context, 4, 13, new StringBuilder());
        assertTrue(signer.verify(token).startsWith("n3."), token);
        assertEquals(new NoticeTokens.NoticeToken("spring-sale", "c1", 4_321, 1_795_392_000_123L, 0xFEDCBA9876543210L,
            "EUR", 77, context, 4, 13), tokens.parse(token, "t"));
    }

    @Test
    void aContextWithTheTopBitSetRoundTrips() {
        final String token = tokens.issue("a", "c", 1, 1L, 1L, "USD", -1, -1L, 0, 0, new StringBuilder());
        assertEquals(-1L, tokens.parse(token, "t").shadingContext());
        final String other = tokens.issue("a", "c", 1, 1L, 1L, "USD", -1, Long.MIN_VALUE, 0, 0, new StringBuilder());
        assertEquals(Long.MIN_VALUE, tokens.parse(other, "t").shadingContext());
    }

    @Test
    void tokensOfTheEarlierFormatAreStillAcceptedWithoutAContext() {
        final String n1 = signer.sign("n1.spring-sale.c1." + Long.toString(4_321, 36) + "."
            + Long.toString(1_795_392_000_123L, 36) + ".2a.USD." + Integer.toString(-1, 36));
        assertEquals(new NoticeTokens.NoticeToken("spring-sale", "c1", 4_321, 1_795_392_000_123L, 42, "USD", -1,
            WinRateCurve.NO_CONTEXT, -1, -1), tokens.parse(n1, "t"));
        final String n2 = signer.sign("n2.spring-sale.c1." + Long.toString(4_321, 36) + "."
            + Long.toString(1_795_392_000_123L, 36) + ".2a.USD." + Integer.toString(-1, 36) + ".ff");
        assertEquals(new NoticeTokens.NoticeToken("spring-sale", "c1", 4_321, 1_795_392_000_123L, 42, "USD", -1,
            0xff, -1, -1), tokens.parse(n2, "t"), "n2: a context, no device type or hour");
    }

    @Test
    void aVersionWithTheWrongNumberOfFieldsIsRefused() {
        final String shortN2 = signer.sign("n2.spring-sale.c1.1.1.2a.USD.-1");
        final String longN1 = signer.sign("n1.spring-sale.c1.1.1.2a.USD.-1.ff");
        final String shortN3 = signer.sign("n3.spring-sale.c1.1.1.2a.USD.-1.ff.4");
        assertEquals(400, assertThrows(ApiException.class, () -> tokens.parse(shortN3, "t")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> tokens.parse(shortN2, "t")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> tokens.parse(longN1, "t")).status());
    }
}
