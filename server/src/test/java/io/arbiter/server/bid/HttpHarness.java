package io.arbiter.server.bid;

import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.HttpVerticle;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * The application's HTTP verticle (same route table, compression settings and error handling) serving only the bid
 * module, and a client; no Postgres, no full application.
 */
final class HttpHarness implements AutoCloseable {
    record Response(int status, MultiMap headers, Buffer body) {
    }

    final Vertx vertx = Vertx.vertx();
    final java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    private final String base;

    HttpHarness(BidFixture fixture) {
        final ServerConfig config = ServerConfig.of(new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("maxBodyBytes", 65536))
            .put("adminToken", BidFixture.ADMIN_TOKEN), Map.of());
        final HttpVerticle.Deployment deployment = BidFixture.await(HttpVerticle.deploy(vertx, config,
            fixture.metrics, List.of(fixture.module), 1, 42));
        base = "http://127.0.0.1:" + deployment.port();
        fixture.module.noticeBase().listening(false, "127.0.0.1", deployment.port());
    }

    /** Sent with the JDK's HTTP client (keep-alive, HTTP/1.1), independent of the server's stack. */
    Response send(HttpMethod method, String uri, Buffer body, String... headers) {
        final java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + uri))
            .timeout(java.time.Duration.ofSeconds(10))
            .method(method.name(), body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            final java.net.http.HttpResponse<byte[]> response = client.send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            final MultiMap map = MultiMap.caseInsensitiveMultiMap();
            response.headers().map().forEach(map::add);
            return new Response(response.statusCode(), map, Buffer.buffer(response.body()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response bid(String json, String... headers) {
        return send(HttpMethod.POST, "/openrtb2/bid", Buffer.buffer(json), headers);
    }

    Response get(String uri) {
        return send(HttpMethod.GET, uri, null);
    }

    @Override
    public void close() {
        BidFixture.await(vertx.close());
    }
}
