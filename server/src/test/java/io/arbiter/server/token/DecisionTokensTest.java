package io.arbiter.server.token;

import io.arbiter.server.api.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecisionTokensTest {
    private final DecisionTokens tokens =
        new DecisionTokens(new SignedTokens("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8)));

    @Test
    void roundTripsEveryField() {
        final String id = tokens.issue("hero", "B", 1_700_000_000_123L, 0xFEDCBA9876543210L);
        final DecisionToken token = tokens.parse(id, "decisionId");
        assertEquals("hero", token.experiment());
        assertEquals("B", token.variant());
        assertEquals(1_700_000_000_123L, token.issuedAtMillis());
        assertEquals(0xFEDCBA9876543210L, token.nonce());
    }

    @Test
    void rejectsEverySingleCharacterTamperingOfTheBody() {
        final String id = tokens.issue("hero", "B", 1_700_000_000_123L, 42L);
        final int signatureStart = id.lastIndexOf('.');
        for (int i = 0; i < signatureStart; i++) {
            final char replacement = id.charAt(i) == 'x' ? 'y' : 'x';
            final String forged = id.substring(0, i) + replacement + id.substring(i + 1);
            final ApiException e = assertThrows(ApiException.class, () -> tokens.parse(forged, "decisionId"),
                "tampered at " + i + ": " + forged);
            assertEquals(400, e.status());
            assertEquals("decisionId", e.field());
        }
    }

    @Test
    void rejectsTokensSignedWithAnotherSecret() {
        final DecisionTokens other =
            new DecisionTokens(new SignedTokens("another-secret-of-16+".getBytes(StandardCharsets.UTF_8)));
        final String id = other.issue("hero", "A", 1L, 1L);
        assertThrows(ApiException.class, () -> tokens.parse(id, "decisionId"));
    }

    @Test
    void rejectsGarbage() {
        for (final String garbage : new String[] {"", ".", "abc", "d1.hero.B.1.1", "d1.hero.B.1.1.", "....."}) {
            assertThrows(ApiException.class, () -> tokens.parse(garbage, "decisionId"), garbage);
        }
    }

    @Test
    void distinctNoncesGiveDistinctIds() {
        assertNotEquals(tokens.issue("hero", "A", 5L, 1L), tokens.issue("hero", "A", 5L, 2L));
    }
}
