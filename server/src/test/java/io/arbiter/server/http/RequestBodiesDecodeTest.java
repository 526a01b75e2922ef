package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link RequestBodies#decode}: exact round trips, the output bound, and a seeded fuzz over mutated and random
 * compressed bodies that may only ever decode or be refused with 400/413, never fail otherwise.
 */
class RequestBodiesDecodeTest {
    private static byte[] gzip(byte[] plain) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] deflate(byte[] plain, boolean raw) {
        final Deflater deflater = new Deflater(6, raw);
        deflater.setInput(plain);
        deflater.finish();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[512];
        while (!deflater.finished()) {
            out.write(chunk, 0, deflater.deflate(chunk));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static byte[] text(SplittableRandom random, int length) {
        final byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) ('a' + random.nextInt(6));
        }
        return out;
    }

    @Test
    void codingsAreNamedAsHttpNamesThem() {
        assertSame(RequestBodies.Coding.IDENTITY, RequestBodies.Coding.of(null));
        assertSame(RequestBodies.Coding.IDENTITY, RequestBodies.Coding.of(" Identity "));
        assertSame(RequestBodies.Coding.GZIP, RequestBodies.Coding.of("GZIP"));
        assertSame(RequestBodies.Coding.GZIP, RequestBodies.Coding.of("x-gzip"));
        assertSame(RequestBodies.Coding.DEFLATE, RequestBodies.Coding.of("deflate"));
        assertNull(RequestBodies.Coding.of("br"));
        assertNull(RequestBodies.Coding.of("gzip, br"));
    }

    @Test
    void roundTripsAndTheBound() throws Exception {
        final SplittableRandom random = new SplittableRandom(7);
        final byte[] plain = text(random, 5000);
        assertArrayEquals(plain, RequestBodies.decode(Buffer.buffer(gzip(plain)), RequestBodies.Coding.GZIP, 5000)
            .getBytes());
        assertArrayEquals(plain, RequestBodies.decode(Buffer.buffer(deflate(plain, false)),
            RequestBodies.Coding.DEFLATE, 5000).getBytes());
        assertArrayEquals(plain, RequestBodies.decode(Buffer.buffer(deflate(plain, true)),
            RequestBodies.Coding.DEFLATE, 5000).getBytes());
        final byte[] zipped = gzip(plain);
        final ApiException over = expectRefusal(() -> RequestBodies.decode(Buffer.buffer(zipped),
            RequestBodies.Coding.GZIP, 4999));
        assertEquals(413, over.status());
        final Buffer identity = Buffer.buffer(plain);
        assertSame(identity, RequestBodies.decode(identity, RequestBodies.Coding.IDENTITY, 1));
    }

    private static ApiException expectRefusal(Runnable decode) {
        try {
            decode.run();
        } catch (ApiException e) {
            return e;
        }
        return fail("expected a refusal");
    }

    @Test
    void mutatedAndRandomBodiesDecodeOrAreRefusedWith400Or413() throws Exception {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        int decoded = 0;
        int refused = 0;
        for (int round = 0; round < 3000; round++) {
            final RequestBodies.Coding coding = random.nextBoolean() ? RequestBodies.Coding.GZIP
                : RequestBodies.Coding.DEFLATE;
            final byte[] plain = text(random, 1 + random.nextInt(3000));
            byte[] body = coding == RequestBodies.Coding.GZIP ? gzip(plain) : deflate(plain, random.nextBoolean());
            switch (random.nextInt(4)) {
                case 0 -> body[random.nextInt(body.length)] ^= (byte) (1 + random.nextInt(255)); // flip a byte
                case 1 -> body = java.util.Arrays.copyOf(body, random.nextInt(body.length)); // truncate
                case 2 -> random.nextBytes(body); // noise
                default -> { } // intact
            }
            try {
                final Buffer out = RequestBodies.decode(Buffer.buffer(body), coding, 2048);
                assertTrue(out.length() <= 2048, "seed " + seed + " round " + round);
                decoded++;
            } catch (ApiException e) {
                assertTrue(e.status() == 400 || e.status() == 413, "seed " + seed + " round " + round + ": "
                    + e.status());
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " round " + round + ": " + e, e);
            }
        }
        assertTrue(decoded > 100 && refused > 100, "seed " + seed + ": " + decoded + " decoded, " + refused
            + " refused");
    }
}
