package io.arbiter.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Reading bodies where they lie: the parser sees exactly the buffer's bytes, whatever view the buffer is. */
class JsonBodiesTest {
    private static String field(JsonParser parser) throws Exception {
        try (parser) {
            assertEquals(JsonToken.START_OBJECT, parser.nextToken());
            assertEquals(JsonToken.FIELD_NAME, parser.nextToken());
            parser.nextToken();
            final String value = parser.getText();
            assertEquals(JsonToken.END_OBJECT, parser.nextToken());
            assertNull(parser.nextToken());
            return value;
        }
    }

    @Test
    void aHeapBufferIsReadWithoutACopy() throws Exception {
        final Buffer body = Buffer.buffer("{\"a\":\"plain\"}");
        final io.netty.buffer.ByteBuf view = JsonBodies.heapBytes(body);
        assertNotNull(view);
        assertSame(((BufferInternal) body).getByteBuf().array(), view.array());
        assertEquals("plain", field(JsonBodies.parser(JsonBodies.FACTORY, body)));
    }

    @Test
    void aSliceIsReadWithinItsBoundsOnly() throws Exception {
        final Buffer whole = Buffer.buffer("xx{\"a\":\"inside\"}}}garbage");
        final Buffer slice = whole.slice(2, 2 + "{\"a\":\"inside\"}".length());
        assertEquals("inside", field(JsonBodies.parser(JsonBodies.FACTORY, slice)));
    }

    @Test
    void aDirectBufferIsCopiedAndStillRead() throws Exception {
        final byte[] json = "{\"a\":\"direct\"}".getBytes(StandardCharsets.UTF_8);
        final Buffer body = BufferInternal.buffer(Unpooled.directBuffer(json.length).writeBytes(json));
        assertNull(JsonBodies.heapBytes(body));
        assertEquals("direct", field(JsonBodies.parser(JsonBodies.FACTORY, body)));
    }

    /**
     * Numbers read by the body parser are exactly {@code Double.parseDouble}'s: 20,000 seeded values written as Java
     * writes them, with 17 significant digits, with few digits, and in exponent form.
     */
    @Test
    void numbersAreReadExactly() throws Exception {
        final long seed = 1_206L;
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < 20_000; i++) {
            final double value = switch (i % 4) {
                case 0 -> random.nextDouble() * 100;
                case 1 -> Double.longBitsToDouble(random.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL);
                case 2 -> random.nextInt(1000) / 100.0;
                default -> -random.nextDouble() * 1e-5;
            };
            final String text = switch (i % 3) {
                case 0 -> Double.toString(value);
                case 1 -> String.format(java.util.Locale.ROOT, "%.17g", value);
                default -> String.format(java.util.Locale.ROOT, "%.6e", value);
            };
            try (JsonParser parser = JsonBodies.openObject(Buffer.buffer("{\"x\":" + text + "}"))) {
                parser.nextToken();
                parser.nextToken();
                assertEquals(Double.parseDouble(text), parser.getDoubleValue(), "'" + text + "' (seed " + seed + ")");
            }
        }
    }

    /**
     * A body of 15 numeric features (a linear decide's) is parsed with at most 1,000 bytes allocated (742 measured;
     * 2,306 with Jackson's default number parsing, which builds a string and buffers per number).
     */
    @Test
    void numbersAreReadWithoutPerNumberGarbage() throws Exception {
        final StringBuilder body = new StringBuilder("{\"features\":{");
        for (int k = 0; k < 15; k++) {
            body.append(k == 0 ? "" : ",").append("\"f").append(k).append("\":").append((k * 7 + 3) % 11 / 10.0);
        }
        final Buffer buffer = Buffer.buffer(body.append("}}").toString());
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        final int calls = 20_000;
        double sum = 0;
        long allocated = 0;
        for (int round = 0; round < 3; round++) {
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < calls; i++) {
                try (JsonParser parser = JsonBodies.openObject(buffer)) {
                    JsonToken token;
                    while ((token = parser.nextToken()) != null) {
                        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                            sum += parser.getDoubleValue();
                        }
                    }
                }
            }
            allocated = threads.getThreadAllocatedBytes(me) - before;
        }
        final double perCall = allocated / (double) calls;
        System.out.println("15 features: " + perCall + " bytes per parse (sum " + sum + ")");
        org.junit.jupiter.api.Assertions.assertTrue(perCall < 1_000, perCall + " bytes per parse");
    }
}
