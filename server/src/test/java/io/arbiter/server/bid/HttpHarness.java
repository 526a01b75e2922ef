package io.arbiter.server.bid;

import io.arbiter.server.http.ApiException;
import io.arbiter.server.http.ErrorMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A real HTTP server (same compression settings as the application's) with only the bid module mounted, and a
 * client; no Postgres, no full application.
 */
final class HttpHarness implements AutoCloseable {
    record Response(int status, MultiMap headers, Buffer body) {
    }

    final Vertx vertx = Vertx.vertx();
    final HttpServer server;
    final HttpClient client;

    HttpHarness(BidFixture fixture) {
        final Router router = Router.router(vertx);
        final ErrorMapper errors = new ErrorMapper(fixture.metrics);
        router.route().handler(BodyHandler.create(false).setBodyLimit(65536));
        fixture.module.mount(vertx, router, 42);
        router.route().last().handler(ctx -> errors.respond(ctx, new ApiException(404, "no such endpoint")));
        router.route().failureHandler(ctx -> errors.respond(ctx, ctx.failure()));
        server = BidFixture.await(vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1")
            .setCompressionSupported(true).setDecompressionSupported(true)).requestHandler(router).listen());
        client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(server.actualPort()));
    }

    Response send(HttpMethod method, String uri, Buffer body, String... headers) {
        return BidFixture.await(client.request(method, uri).compose(request -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.putHeader(headers[i], headers[i + 1]);
            }
            return body == null ? request.send() : request.send(body);
        }).compose(response -> response.body().map(b -> new Response(response.statusCode(), response.headers(), b))));
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
