package io.arbiter.server.token;

import io.arbiter.server.api.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void d2CarriesFlagsAndContext() {
        final ContextKey context = new ContextKey().begin(ContextKey.SEGMENTS, 0xCAFEBABE)
            .putLong(0x1234_5678_9ABC_DEF0L).putLong(0).putLong(-1L);
        final int flags = DecisionFlags.withPolicyVersion(DecisionFlags.HOLDOUT | DecisionFlags.STICKY, 7);
        final String id = tokens.issue("hero", "B", 1_700_000_000_123L, 9L, flags, context);
        assertTrue(id.startsWith("d2.hero.B."), id);
        final DecisionToken token = tokens.parse(id, "decisionId");
        assertEquals(flags, token.flags());
        assertTrue(token.has(DecisionFlags.HOLDOUT));
        assertTrue(token.has(DecisionFlags.STICKY));
        assertFalse(token.has(DecisionFlags.BURN_IN));
        assertEquals(7, DecisionFlags.policyVersion(token.flags()));
        final ContextKey read = new ContextKey();
        assertTrue(read.decode(token.context()));
        assertEquals(ContextKey.SEGMENTS, read.model());
        assertEquals(0xCAFEBABE, read.fingerprint());
        assertEquals(0x1234_5678_9ABC_DEF0L, read.getLong());
        assertEquals(0L, read.getLong());
        assertEquals(-1L, read.getLong());
        assertEquals(0, read.remaining());
    }

    @Test
    void d1IdsStillVerify() {
        final SignedTokens signer = new SignedTokens("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8));
        final String d1 = signer.sign("d1.hero.B." + Long.toString(1_700_000_000_123L, 36) + ".2a");
        final DecisionToken token = tokens.parse(d1, "decisionId");
        assertEquals("hero", token.experiment());
        assertEquals("B", token.variant());
        assertEquals(1_700_000_000_123L, token.issuedAtMillis());
        assertEquals(42L, token.nonce());
        assertEquals(DecisionFlags.NONE, token.flags());
        assertEquals("", token.context());
    }

    @Test
    void theLargestContextFitsTheJournalsStringLimit() {
        final ContextKey context = new ContextKey().begin(ContextKey.LINEAR, 1);
        while (context.length() + 4 <= ContextKey.MAX_BYTES) {
            context.putFloat(1.5f);
        }
        final String name = "x".repeat(64);
        final String id = tokens.issue(name, name, Long.MAX_VALUE / 2, -1L, DecisionFlags.ALL, context);
        assertTrue(id.length() <= DecisionTokens.MAX_LENGTH, "id of " + id.length() + " characters");
        assertTrue(id.length() <= 1024, "the journal stores ids of at most 1024 bytes");
        assertEquals(DecisionFlags.ALL, tokens.parse(id, "decisionId").flags());
        assertThrows(IllegalStateException.class, () -> context.putLong(1L));
    }

    @Test
    void refusesUnknownFlags() {
        assertThrows(IllegalArgumentException.class,
            () -> tokens.issue("hero", "B", 1L, 1L, 1 << 5, null));
        final SignedTokens signer = new SignedTokens("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8));
        final String forgedFlags = signer.sign("d2.hero.B.1.1.20.");
        assertThrows(ApiException.class, () -> tokens.parse(forgedFlags, "decisionId"));
    }

    @Test
    void contextKeyRoundTripsEveryLength() {
        for (int extra = 0; extra < 12; extra++) {
            final ContextKey key = new ContextKey().begin(ContextKey.LINEAR, -5);
            for (int i = 0; i < extra; i++) {
                key.putShort(i - 3);
            }
            final ContextKey read = new ContextKey();
            assertTrue(read.decode(key.encoded()), "extra " + extra);
            assertEquals(-5, read.fingerprint());
            for (int i = 0; i < extra; i++) {
                assertEquals(i - 3, read.getShort());
            }
            assertEquals(0, read.remaining());
        }
        final ContextKey read = new ContextKey();
        assertFalse(read.decode("AB.C"));
        assertFalse(read.decode("A"));
        assertTrue(read.decode(""));
        assertTrue(read.isEmpty());
    }
}
