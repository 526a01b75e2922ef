package io.arbiter.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.arbiter.server.api.ApiException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;

/**
 * Streaming JSON reading for request bodies: only the fields a handler needs are read, unknown fields are skipped,
 * and every type mistake names the field. Built on Jackson's streaming parser (no tree, no data binding).
 */
public final class JsonBodies {
    /**
     * Numbers are read with Jackson's fast double parser (correctly rounded, as {@code Double.parseDouble}, and
     * without its intermediate strings and buffers: a decide with 15 features allocates less).
     */
    public static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        .build();

    private JsonBodies() {
    }

    /** 415 unless the request says it is JSON. */
    public static void requireJson(RoutingContext ctx) {
        requireJson(ctx.request());
    }

    /** 415 unless the request says it is JSON. */
    public static void requireJson(HttpServerRequest request) {
        final String type = request.getHeader("Content-Type");
        if (type == null || !isJson(type)) {
            throw new ApiException(415, "unsupported media type " + (type == null ? "(none)" : "'" + type + "'")
                + ": send Content-Type: application/json");
        }
    }

    /**
     * 415 unless the request says it is JSON or plain text: a page's {@code navigator.sendBeacon} can send a string
     * to another origin only as {@code text/plain} (a CORS-safelisted type, so no preflight), so the reward endpoints
     * read such a body as the JSON it is.
     */
    public static void requireJsonOrText(HttpServerRequest request) {
        final String type = request.getHeader("Content-Type");
        if (type == null || !(isJson(type) || isMedia(type, "text/plain"))) {
            throw new ApiException(415, "unsupported media type " + (type == null ? "(none)" : "'" + type + "'")
                + ": send Content-Type: application/json (or text/plain with a JSON body, as sendBeacon does)");
        }
    }

    private static boolean isMedia(String type, String media) {
        final int semicolon = type.indexOf(';');
        final int end = semicolon < 0 ? type.length() : semicolon;
        int from = 0;
        while (from < end && type.charAt(from) == ' ') {
            from++;
        }
        int to = end;
        while (to > from && type.charAt(to - 1) == ' ') {
            to--;
        }
        return to - from == media.length() && type.regionMatches(true, from, media, 0, media.length());
    }

    private static boolean isJson(String type) {
        final int semicolon = type.indexOf(';');
        final String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        return media.equalsIgnoreCase("application/json") || media.regionMatches(true, media.length() - 5, "+json", 0,
                5);
    }

    /** A router request's body as a JSON object: 415 unless JSON, 400 naming {@code what} was expected if not one. */
    public static JsonObject objectBody(RoutingContext ctx, String what) {
        requireJson(ctx);
        final JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw new ApiException(400, "malformed JSON: expected " + what);
        }
        if (body == null) {
            throw new ApiException(400, "request body is empty: expected " + what);
        }
        return body;
    }

    /** A parser over the body, positioned on the opening brace of the top-level object. */
    public static JsonParser openObject(Buffer body) throws IOException {
        if (body == null || body.length() == 0) {
            throw new ApiException(400, "request body is empty: expected a JSON object");
        }
        final JsonParser parser = parser(FACTORY, body);
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new ApiException(400, "request body must be a JSON object");
        }
        return parser;
    }

    /**
     * A parser over the body's bytes where they lie when the buffer is on the heap (as Vert.x hands request bodies
     * over), else over a copy. The parser must be used before the buffer is released or changed.
     */
    public static JsonParser parser(JsonFactory factory, Buffer body) throws IOException {
        final ByteBuf bytes = heapBytes(body);
        return bytes != null
            ? factory.createParser(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes())
            : factory.createParser(body.getBytes());
    }

    /** The buffer's bytes as a heap {@link ByteBuf} sharing its array (a view, no copy), or null if not on heap. */
    public static ByteBuf heapBytes(Buffer body) {
        if (body instanceof BufferInternal internal) {
            final ByteBuf bytes = internal.getByteBuf();
            return bytes.hasArray() ? bytes : null;
        }
        return null;
    }

    /** After the parser's current token is a field's value: reads it as a string or fails naming the field. */
    public static String string(JsonParser parser, String field) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw ApiException.badField(field, "'" + field + "' must be a string");
        }
        return parser.getText();
    }

    /** Reads the current value as an int within [min, max]. */
    public static int integer(JsonParser parser, String field, int min, int max) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw ApiException.badField(field, "'" + field + "' must be an integer");
        }
        final long value = parser.getLongValue();
        if (value < min || value > max) {
            throw ApiException.badField(field, "'" + field + "' must be between " + min + " and " + max);
        }
        return (int) value;
    }

    /** Reads the current value as a finite number. */
    public static double finiteNumber(JsonParser parser, String field) throws IOException {
        final JsonToken token = parser.currentToken();
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            throw ApiException.badField(field, "'" + field + "' must be a number");
        }
        final double value = parser.getDoubleValue();
        if (!Double.isFinite(value)) {
            throw ApiException.badField(field, "'" + field + "' must be finite");
        }
        return value;
    }

    /** Checks that nothing but whitespace follows the top-level object. */
    public static void requireEnd(JsonParser parser) throws IOException {
        if (parser.nextToken() != null) {
            throw new ApiException(400, "unexpected content after the JSON object");
        }
    }

    /** Fails for a required field that was absent. */
    public static <T> T required(T value, String field) {
        if (value == null) {
            throw ApiException.badField(field, "'" + field + "' is required");
        }
        return value;
    }
}
