package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.ErrorMapper;
import io.arbiter.server.http.HotRoutes;
import io.arbiter.server.http.RequestBodies;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * A real HTTP server (same compression settings as the application's) with only the bid module mounted, and a
 * client; no Postgres, no full application.
 */
final class HttpHarness implements AutoCloseable {
    record Response(int status, MultiMap headers, Buffer body) {
    }

    final Vertx vertx = Vertx.vertx();
    final HttpServer server;
    final java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    private final String base;

    HttpHarness(BidFixture fixture) {
        final Router router = Router.router(vertx);
        final ErrorMapper errors = new ErrorMapper(fixture.metrics);
        final RequestBodies bodies = new RequestBodies(errors, 65536);
        router.route().handler(bodies.routerHandler());
        final HotRoutes hot = new HotRoutes(bodies);
        fixture.module.mount(vertx, router, hot, 42);
        router.route().last().handler(ctx -> errors.respond(ctx, new ApiException(404, "no such endpoint")));
        router.route().failureHandler(ctx -> errors.respond(ctx, ctx.failure()));
        server = BidFixture.await(vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1")
            .setCompressionSupported(true)).requestHandler(hot.fallback(router)).listen());
        base = "http://127.0.0.1:" + server.actualPort();
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
