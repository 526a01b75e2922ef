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

    /**
     * The id built in place (digits appended, the signature encoded into the builder) is exactly the id of the
     * straightforward construction: the body from {@code Long.toString} and {@code toHexString}, signed by
     * {@link SignedTokens#sign}. 20,000 seeded cases: times, nonces (negative ones, 0, the extremes), every flag
     * combination, contexts of 0..40 extra bytes, and a non-ASCII variant (signed as '?', as before).
     */
    @Test
    void issuedIdsAreTheReferenceConstruction() {
        final SignedTokens signer = new SignedTokens("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8));
        final long seed = 20_261_206L;
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        final long[] nonces = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 15, 16};
        for (int i = 0; i < 20_000; i++) {
            final long millis = i < 3 ? i : random.nextLong(0, 4_000_000_000_000L);
            final long nonce = i < nonces.length ? nonces[i] : random.nextLong();
            final int flags = random.nextInt(DecisionFlags.ALL + 1) & DecisionFlags.ALL;
            final String variant = i % 97 == 0 ? "v\u00e4" : i % 89 == 0 ? "v\uD83D\uDE00w" : "v" + random.nextInt(100);
            ContextKey context = null;
            if (random.nextBoolean()) {
                context = new ContextKey().begin(ContextKey.SEGMENTS, random.nextInt());
                final int extra = random.nextInt(41);
                for (int k = 0; k < extra; k++) {
                    context.putShort(random.nextInt(65_536) - 32_768);
                }
            }
            final String expected = signer.sign("d2.hero." + variant + "." + Long.toString(millis, 36) + "."
                + Long.toHexString(nonce) + "." + Integer.toHexString(flags) + "."
                + (context == null ? "" : context.encoded()));
            assertEquals(expected, tokens.issue("hero", variant, millis, nonce, flags, context),
                "case " + i + " (seed " + seed + ")");
        }
    }

    /**
     * Issuing an id allocates the id and the HMAC's digest only: under 300 bytes per call for a 60-character id
     * (the id's string and array and the digest: 152 bytes measured); the construction through strings took
     * 834.
     */
    @Test
    void issuingAllocatesLittleBeyondTheId() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        final int calls = 20_000;
        long length = 0;
        long allocated = 0;
        for (int round = 0; round < 3; round++) { // the first rounds warm up (and let the JIT compile)
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < calls; i++) {
                length += tokens.issue("hero", "B", 1_700_000_000_123L + i, 0x9E37_79B9_7F4A_7C15L * i, 0, null)
                    .length();
            }
            allocated = threads.getThreadAllocatedBytes(me) - before;
        }
        final double perCall = allocated / (double) calls;
        System.out.println("issue: " + perCall + " bytes per call (ids of " + length / (3 * calls) + " characters)");
        assertTrue(perCall < 300, perCall + " bytes per call");
    }
}
