package io.arbiter.server.http;

import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HotRoutes} in front of a real Vert.x HTTP server, driven by a real client: bodies arrive whole however they
 * are chunked, the size limit holds for declared, chunked and compressed bodies (and the connection stays usable
 * after a refusal), and everything that is not a hot {@code POST} reaches the fallback untouched.
 */
class HotRoutesTest {
    private static final int LIMIT = 4096;

    private Vertx vertx;
    private HttpServer server;
    private java.net.http.HttpClient client;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final List<String> fallbackSaw = new CopyOnWriteArrayList<>();
    private final Metrics metrics = new Metrics();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        final ErrorMapper errors = new ErrorMapper(metrics);
        final io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
        router.route().handler(new RequestBodies(errors, LIMIT).routerHandler());
        router.put("/routed").handler(ctx -> ctx.response().setStatusCode(201)
            .end(ctx.body().asJsonObject().getString("name")));
        final HotRoutes routes = new HotRoutes(new RequestBodies(errors, LIMIT))
            .post("/echo", (request, body) -> {
                received.add(body.getBytes());
                request.response().end(Buffer.buffer().appendInt(body.length()).appendBuffer(body));
            })
            .fallback(request -> {
                if (request.path().equals("/routed")) {
                    router.handle(request);
                    return;
                }
                fallbackSaw.add(request.method() + " " + request.uri());
                // reads the body first, as the application's fallback (the router's body handler) does
                request.body().onComplete(body -> request.response().setStatusCode(299).end("fallback"));
            });
        server = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(routes).listen());
        client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    private record Answer(int status, Buffer body) {
    }

    /**
     * Sends {@code chunks} with the JDK's client (keep-alive, HTTP/1.1, independent of the server's stack): as a
     * chunked body of one HTTP chunk each, or with a Content-Length when not chunked.
     */
    private Answer send(HttpMethod method, String uri, boolean chunked, String encoding, byte[]... chunks)
        throws Exception {
        final java.net.http.HttpRequest.BodyPublisher publisher;
        if (chunks.length == 0) {
            publisher = java.net.http.HttpRequest.BodyPublishers.noBody();
        } else if (chunked) {
            // an unknown length makes the client send each array as its own chunk
            publisher = java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                java.net.http.HttpRequest.BodyPublishers.ofByteArrays(List.of(chunks)));
        } else {
            final ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (final byte[] chunk : chunks) {
                all.write(chunk);
            }
            publisher = java.net.http.HttpRequest.BodyPublishers.ofByteArray(all.toByteArray());
        }
        final java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.actualPort() + uri))
            .timeout(java.time.Duration.ofSeconds(10))
            .method(method.name(), publisher);
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        final java.net.http.HttpResponse<byte[]> response = client.send(request.build(),
            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), Buffer.buffer(response.body()));
    }

    private static byte[] bytes(int length, long seed) {
        final byte[] out = new byte[length];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            out[i] = (byte) random.nextInt(256);
        }
        return out;
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] echoed(Answer answer) {
        assertEquals(200, answer.status(), () -> answer.body().toString());
        final int length = answer.body().getInt(0);
        assertEquals(answer.body().length() - 4, length);
        return answer.body().getBytes(4, answer.body().length());
    }

    @Test
    void aBodyInOneWriteArrivesWhole() throws Exception {
        final byte[] body = bytes(1000, 1);
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", false, null, body)));
        assertEquals(1, received.size());
    }

    @Test
    void aBodyInManyChunksIsJoinedInOrder() throws Exception {
        final byte[] a = bytes(1500, 2);
        final byte[] b = bytes(1, 3);
        final byte[] c = bytes(2500, 4);
        final byte[] whole = Buffer.buffer(a).appendBytes(b).appendBytes(c).getBytes();
        assertArrayEquals(whole, echoed(send(HttpMethod.POST, "/echo", true, null, a, b, c)));
    }

    @Test
    void aBodyOfExactlyTheLimitIsTaken() throws Exception {
        final byte[] body = bytes(LIMIT, 5);
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", true, null,
            java.util.Arrays.copyOf(body, 100), java.util.Arrays.copyOfRange(body, 100, LIMIT))));
    }

    @Test
    void noBodyIsAnEmptyBuffer() throws Exception {
        assertEquals(0, echoed(send(HttpMethod.POST, "/echo", false, null)).length);
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413AndTheEndpointNeverRuns() throws Exception {
        final Answer answer = send(HttpMethod.POST, "/echo", false, null, bytes(LIMIT + 1, 6));
        assertEquals(413, answer.status());
        assertTrue(new JsonObject(answer.body()).getString("error").contains("too large"), answer.body()::toString);
        assertTrue(received.isEmpty());
    }

    @Test
    void refusalsBeforeTheBodyIsReadDoNotDisturbTheNextRequest() throws Exception {
        // the 413 goes out on the headers alone; the unread body must not leak into the next request on the connection
        for (int i = 0; i < 50; i++) {
            assertEquals(413, send(HttpMethod.POST, "/echo", false, null, bytes(LIMIT + 1 + i * 97, 100 + i)).status());
            final byte[] next = bytes(1 + i, 200 + i);
            assertArrayEquals(next, echoed(send(HttpMethod.POST, "/echo", false, null, next)), "round " + i);
        }
        assertEquals(50, received.size());
    }

    @Test
    void aChunkedBodyThatGrowsOverTheLimitIs413AndTheConnectionStaysUsable() throws Exception {
        final Answer refused = send(HttpMethod.POST, "/echo", true, null, bytes(3000, 7), bytes(3000, 8),
            bytes(3000, 9));
        assertEquals(413, refused.status());
        assertTrue(received.isEmpty());
        final byte[] next = bytes(10, 10);
        assertArrayEquals(next, echoed(send(HttpMethod.POST, "/echo", false, null, next)));
    }

    @Test
    void theLimitAppliesToTheDecompressedBody() throws Exception {
        final byte[] small = new byte[LIMIT]; // exactly the limit once decompressed
        for (int i = 0; i < small.length; i++) {
            small[i] = (byte) ('a' + i % 7);
        }
        assertArrayEquals(small, echoed(send(HttpMethod.POST, "/echo", false, "gzip", gzip(small))));
        final byte[] zeros = new byte[LIMIT * 10]; // compresses to far below the limit
        final byte[] compressed = gzip(zeros);
        assertTrue(compressed.length < LIMIT);
        assertEquals(413, send(HttpMethod.POST, "/echo", false, "gzip", compressed).status());
        assertEquals(1, received.size());
    }

    @Test
    void everythingElseGoesToTheFallback() throws Exception {
        assertEquals(299, send(HttpMethod.GET, "/echo", false, null).status());
        assertEquals(299, send(HttpMethod.POST, "/echo/more", false, null, bytes(5, 12)).status());
        assertEquals(299, send(HttpMethod.PUT, "/echo", false, null, bytes(5, 13)).status());
        assertEquals(List.of("GET /echo", "POST /echo/more", "PUT /echo"), fallbackSaw);
        assertTrue(received.isEmpty());
    }

    @Test
    void aQueryStringDoesNotChangeTheRoute() throws Exception {
        final byte[] body = bytes(20, 14);
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo?x=1&y=2", false, null, body)));
        assertTrue(fallbackSaw.isEmpty());
    }

    @Test
    void aPathIsRoutedOnce() {
        final HotRoutes routes = new HotRoutes(new RequestBodies(new ErrorMapper(new Metrics()), LIMIT));
        routes.post("/a", (request, body) -> request.response().end());
        assertThrows(IllegalStateException.class, () -> routes.post("/a", (request, body) -> { }));
        assertThrows(IllegalArgumentException.class, () -> new RequestBodies(new ErrorMapper(new Metrics()), 0));
    }

    private static byte[] deflate(byte[] plain, boolean zlibWrapped) {
        return RequestBodiesDecodeTest.deflate(plain, !zlibWrapped);
    }

    @Test
    void deflateBodiesAreTakenZlibWrappedOrRaw() throws Exception {
        final byte[] body = bytes(3000, 15);
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", false, "deflate", deflate(body, true))));
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", false, "Deflate", deflate(body, false))));
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", false, "x-gzip", gzip(body))));
        assertArrayEquals(body, echoed(send(HttpMethod.POST, "/echo", false, "identity", body)));
    }

    @Test
    void aBodyThatDoesNotDecompressIs400AndTheNextRequestIsServed() throws Exception {
        for (final String coding : new String[] {"gzip", "deflate"}) {
            final Answer broken = send(HttpMethod.POST, "/echo", false, coding,
                "not compressed at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(400, broken.status(), coding);
            assertTrue(new JsonObject(broken.body()).getString("error").contains("not valid " + coding),
                broken.body()::toString);
        }
        final byte[] truncated = java.util.Arrays.copyOf(gzip(bytes(2000, 16)), 100);
        assertEquals(400, send(HttpMethod.POST, "/echo", true, "gzip", truncated).status());
        assertTrue(received.isEmpty());
        final byte[] next = bytes(10, 17);
        assertArrayEquals(next, echoed(send(HttpMethod.POST, "/echo", false, null, next)));
    }

    @Test
    void theLimitAppliesOnTheWireToo() throws Exception {
        final byte[] incompressible = bytes(LIMIT - 10, 19); // under the limit, but its gzip is over it
        final byte[] compressed = gzip(incompressible);
        assertTrue(compressed.length > LIMIT);
        assertEquals(413, send(HttpMethod.POST, "/echo", false, "gzip", compressed).status());
        assertEquals(413, send(HttpMethod.POST, "/echo", true, "gzip", compressed).status());
        assertTrue(received.isEmpty());
    }

    @Test
    void aClientThatLeavesMidBodyIsNeitherServedNorCountedAsAnError() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            socket.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            Thread.sleep(100); // the headers and the first bytes are read
        }
        final byte[] next = bytes(10, 20); // and the server goes on
        assertArrayEquals(next, echoed(send(HttpMethod.POST, "/echo", false, null, next)));
        assertEquals(1, received.size());
        assertTrue(metrics.registry().find("arbiter.errors").counters().isEmpty(),
            () -> metrics.scrape().lines().filter(l -> l.startsWith("arbiter_errors")).toList().toString());
    }

    @Test
    void anUnknownContentEncodingIs415() throws Exception {
        final Answer answer = send(HttpMethod.POST, "/echo", false, "br", bytes(10, 18));
        assertEquals(415, answer.status());
        assertTrue(new JsonObject(answer.body()).getString("error").contains("'br'"), answer.body()::toString);
        assertTrue(received.isEmpty());
    }

    @Test
    void routerRoutesGetTheSameBodies() throws Exception {
        final byte[] json = "{\"name\":\"routed\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final Answer plain = send(HttpMethod.PUT, "/routed", true, null, java.util.Arrays.copyOf(json, 5),
            java.util.Arrays.copyOfRange(json, 5, json.length));
        assertEquals(201, plain.status(), plain.body()::toString);
        assertEquals("routed", plain.body().toString());
        assertEquals("routed", send(HttpMethod.PUT, "/routed", false, "gzip", gzip(json)).body().toString());
        assertEquals(400, send(HttpMethod.PUT, "/routed", false, "gzip", json).status());
        assertEquals(413, send(HttpMethod.PUT, "/routed", false, "gzip", gzip(new byte[LIMIT + 1])).status());
        assertTrue(fallbackSaw.isEmpty());
    }

    /**
     * Sends {@code head} (request line and headers) on a raw socket, then reads what the server answers before any
     * body is sent: the first line within 5 s (a server that waits for the body never answers; that fails here).
     */
    private static String firstLineBeforeTheBody(java.net.Socket socket, String head) throws IOException {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return readLine(socket.getInputStream());
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        final StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** Reads the rest of a response after its first line: headers, then a Content-Length body; returns the body. */
    private static String readRest(java.io.InputStream in) throws IOException {
        int length = 0;
        String header;
        while (!(header = readLine(in)).isEmpty()) {
            if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(header.indexOf(':') + 1).trim());
            }
        }
        return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void expect100ContinueGetsItsContinueBeforeTheBodyIsSent() throws Exception {
        final byte[] body = bytes(1000, 30);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            assertEquals("HTTP/1.1 100 Continue", firstLineBeforeTheBody(socket, "POST /echo HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n"));
            assertEquals("", readLine(socket.getInputStream()));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            assertEquals("HTTP/1.1 200 OK", readLine(socket.getInputStream()));
            final byte[] answer = readRest(socket.getInputStream()).getBytes(
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertArrayEquals(body, java.util.Arrays.copyOfRange(answer, 4, answer.length));
        }
        // the same through the router, and with the JDK client's own Expect handling
        final java.net.http.HttpResponse<String> routed = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.actualPort() + "/routed"))
            .timeout(java.time.Duration.ofSeconds(10)).expectContinue(true)
            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"continued\"}")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, routed.statusCode(), routed::body);
        assertEquals("continued", routed.body());
    }

    @Test
    void aRefusalOnTheHeadersGoesOutInsteadOfTheContinue() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            assertEquals("HTTP/1.1 413 Request Entity Too Large", firstLineBeforeTheBody(socket,
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + (LIMIT + 1)
                    + "\r\nExpect: 100-continue\r\n\r\n"));
            assertTrue(readRest(socket.getInputStream()).contains("too large"));
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            assertEquals("HTTP/1.1 415 Unsupported Media Type", firstLineBeforeTheBody(socket,
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Encoding: br\r\n"
                    + "Expect: 100-continue\r\n\r\n"));
        }
        assertTrue(received.isEmpty());
    }

    @Test
    void anUnknownExpectationIs417AndTheEndpointNeverRuns() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            assertEquals("HTTP/1.1 417 Expectation Failed", firstLineBeforeTheBody(socket,
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 200-ok\r\n\r\n"));
            assertTrue(readRest(socket.getInputStream()).contains("'200-ok'"));
        }
        assertTrue(received.isEmpty());
        final byte[] next = bytes(10, 31); // and the server goes on
        assertArrayEquals(next, echoed(send(HttpMethod.POST, "/echo", false, null, next)));
    }

    @Test
    void anHttp10RequestsExpectationIsIgnored() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.actualPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("POST /echo HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
                + "abc").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals("HTTP/1.0 200 OK", readLine(socket.getInputStream()), "no 100 Continue to an HTTP/1.0 client");
            assertTrue(readRest(socket.getInputStream()).endsWith("abc"));
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
