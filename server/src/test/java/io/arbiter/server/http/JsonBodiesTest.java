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
}
