package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Reads request bodies for every endpoint, the hot routes and the router alike: at most {@code maxBodyBytes} on the
 * wire and again after decompression (413 otherwise), {@code Content-Encoding} {@code gzip}, {@code x-gzip},
 * {@code deflate} (zlib or raw) or {@code identity} (415 for any other), and a body that does not decompress is a
 * 400 naming the problem. The HTTP server itself does not decompress: its decompressor answers a broken gzip body
 * by closing the connection, which tells an exchange nothing. {@code Expect: 100-continue} gets its
 * {@code 100 Continue} once the headers pass these checks (a refusal is sent instead, before the body); any other
 * expectation is a 417.
 *
 * <p>An identity body that arrived in one chunk is handed over as it came, without a copy.
 */
public final class RequestBodies {
    private static final Buffer EMPTY = Buffer.buffer(0);

    private final ErrorMapper errors;
    private final int maxBodyBytes;

    public RequestBodies(ErrorMapper errors, int maxBodyBytes) {
        this.errors = Objects.requireNonNull(errors);
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive");
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Reads {@code request}'s body and gives it, decoded, with the request to {@code onBody}; a body that cannot be
     * taken is answered here (413, 415, 417, 400) and {@code onBody} is not called.
     */
    public void read(HttpServerRequest request, BodyEndpoint onBody) {
        // RFC 9110 10.1.1: HTTP/1.0 requests' expectations are ignored
        final String expect = request.version() == HttpVersion.HTTP_1_0 ? null : request.getHeader(HttpHeaders.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            errors.respond(request, new ApiException(417, "unsupported Expect '" + expect
                + "': only 100-continue is supported"));
            return;
        }
        final String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        final Coding coding = Coding.of(encoding);
        if (coding == null) {
            errors.respond(request, new ApiException(415, "unsupported Content-Encoding '" + encoding
                + "': send the body as identity, gzip or deflate"));
            return;
        }
        final String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
            tooLarge(request);
            return;
        }
        if (expect != null) {
            // the headers pass: ask for the body (a refusal above went out instead, so the body need not be sent)
            request.response().writeContinue();
        }
        new Reader(request, coding, onBody).start();
    }

    /** The router's body handler: the same reading, the body set on the context for the routes after it. */
    public Handler<RoutingContext> routerHandler() {
        return ctx -> {
            final RoutingContextInternal internal = (RoutingContextInternal) ctx;
            if (internal.seenHandler(RoutingContextInternal.BODY_HANDLER)) {
                ctx.next(); // re-routed: the body was read the first time
                return;
            }
            internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
            read(ctx.request(), (request, body) -> {
                internal.setBody(body);
                ctx.next();
            });
        };
    }

    private boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // Netty's decoder has already refused a malformed length
        }
    }

    private void tooLarge(HttpServerRequest request) {
        errors.respond(request, new ApiException(413, "request body too large: at most " + maxBodyBytes
            + " bytes"));
    }

    /** The content codings taken. */
    enum Coding {
        IDENTITY, GZIP, DEFLATE;

        /** The coding a Content-Encoding header names, or null if it is not one of these. */
        static Coding of(String header) {
            if (header == null) {
                return IDENTITY;
            }
            return switch (header.trim().toLowerCase(Locale.ROOT)) {
                case "", "identity" -> IDENTITY;
                case "gzip", "x-gzip" -> GZIP;
                case "deflate" -> DEFLATE;
                default -> null;
            };
        }
    }

    /** Decodes {@code body} per {@code coding}, at most {@code max} bytes out. */
    static Buffer decode(Buffer body, Coding coding, int max) {
        if (coding == Coding.IDENTITY || body.length() == 0) {
            return body;
        }
        final ByteBuf heap = JsonBodies.heapBytes(body);
        final ByteArrayInputStream raw = heap != null
            ? new ByteArrayInputStream(heap.array(), heap.arrayOffset() + heap.readerIndex(), heap.readableBytes())
            : new ByteArrayInputStream(body.getBytes());
        Inflater inflater = null;
        try {
            final InputStream in;
            if (coding == Coding.GZIP) {
                in = new GZIPInputStream(raw, 4096);
            } else {
                // "deflate" means zlib-wrapped (RFC 9110), but some clients send raw deflate: take both.
                final int b0 = body.getUnsignedByte(0);
                final int b1 = body.length() > 1 ? body.getUnsignedByte(1) : 0;
                final boolean zlib = (b0 & 0x0F) == 8 && ((b0 << 8) | b1) % 31 == 0;
                inflater = new Inflater(!zlib);
                in = new InflaterInputStream(raw, inflater, 4096);
            }
            try (in) {
                final Buffer out = Buffer.buffer(Math.min(max, Math.max(256, body.length() * 4)));
                final byte[] chunk = new byte[4096];
                int n;
                while ((n = in.read(chunk)) > 0) {
                    if (out.length() + n > max) {
                        throw new ApiException(413, "request body too large: at most " + max
                            + " bytes after decompression");
                    }
                    out.appendBytes(chunk, 0, n);
                }
                return out;
            }
        } catch (IOException e) {
            throw new ApiException(400, "request body is not valid " + coding.name().toLowerCase(Locale.ROOT)
                + " data (Content-Encoding): " + e.getMessage());
        } finally {
            if (inflater != null) {
                inflater.end();
            }
        }
    }

    /** One request's body: the first chunk as it came, a copy only when a second arrives. */
    private final class Reader implements Handler<Buffer> {
        private final HttpServerRequest request;
        private final Coding coding;
        private final BodyEndpoint onBody;
        private Buffer first;
        private Buffer joined;
        private long size;
        private boolean refused;

        Reader(HttpServerRequest request, Coding coding, BodyEndpoint onBody) {
            this.request = request;
            this.coding = coding;
            this.onBody = onBody;
        }

        void start() {
            request.handler(this);
            request.endHandler(ignored -> end());
            request.exceptionHandler(this::failed);
        }

        @Override
        public void handle(Buffer chunk) {
            if (refused) {
                return; // the rest of a refused body is read and dropped, so the connection stays usable
            }
            size += chunk.length();
            if (size > maxBodyBytes) {
                refuse();
                tooLarge(request);
                return;
            }
            if (first == null) {
                first = chunk;
            } else {
                if (joined == null) {
                    joined = Buffer.buffer((int) Math.min(maxBodyBytes, 2L * size)).appendBuffer(first);
                }
                joined.appendBuffer(chunk);
            }
        }

        private void refuse() {
            refused = true;
            first = null;
            joined = null;
        }

        /** The body could not be read. A client that went away is not an error; anything else is answered. */
        private void failed(Throwable failure) {
            if (refused) {
                return;
            }
            refuse();
            if (!(failure instanceof HttpClosedException)) {
                errors.respond(request, failure);
            }
        }

        private void end() {
            if (refused) {
                return;
            }
            final Buffer body;
            try {
                body = decode(joined != null ? joined : first != null ? first : EMPTY, coding, maxBodyBytes);
            } catch (ApiException e) {
                refuse();
                errors.respond(request, e);
                return;
            }
            refuse(); // from here the endpoint owns the answer: a later stream error must not answer too
            try {
                onBody.handle(request, body);
            } catch (RuntimeException failure) { // endpoints answer their own failures; this is the backstop
                errors.respond(request, failure);
            }
        }
    }
}
