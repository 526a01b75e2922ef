package io.arbiter.server.http;

import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-origin rules as the route table applies them from each route's exposure: preflights and actual requests on
 * cross-origin routes (any origin by default, an allow-list when configured, 403 for another origin with the handler
 * never run), and nothing of CORS ever on same-origin routes (their preflights refused, no allow-origin header).
 */
class CorsTest {
    private static final String TOKEN = "cors-admin-token";
    private static final String SHOP = "https://shop.example";

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger publicCalls = new AtomicInteger();
    private final AtomicInteger sameOriginCalls = new AtomicInteger();

    private final class Probe implements Module {
        @Override
        public void declareRoutes(RouteTable routes) {
            routes.hotPost("/open", "probe_open", Exposure.CROSS_ORIGIN, (request, body, endpoint, start) -> {
                publicCalls.incrementAndGet();
                endpoint.respond(request, 200, "{\"ok\":true}", start);
            });
            routes.hotPost("/closed", "probe_closed", Exposure.SAME_ORIGIN, (request, body, endpoint, start) -> {
                sameOriginCalls.incrementAndGet();
                endpoint.respond(request, 200, "{\"ok\":true}", start);
            });
            routes.route(HttpMethod.GET, "/admin", "probe_admin", Access.ADMIN, Exposure.SAME_ORIGIN,
                ctx -> Future.succeededFuture(Answer.json(200, "{\"secret\":1}")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private int deploy(JsonObject cors) throws Exception {
        final JsonObject http = new JsonObject().put("host", "127.0.0.1").put("port", 0);
        if (cors != null) {
            http.put("cors", cors);
        }
        final JsonObject file = new JsonObject().put("http", http).put("adminToken", TOKEN);
        return HttpVerticle.deploy(vertx, ServerConfig.of(file, Map.of()), new Metrics(), List.of(new Probe()), 1, 3)
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).port();
    }

    private HttpResponse<String> send(int port, String method, String path, String body, String... headers)
        throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Test
    void byDefaultAnyOriginMayPreflightAndCallTheCrossOriginRoutes() throws Exception {
        final int port = deploy(null);
        final HttpResponse<String> preflight = send(port, "OPTIONS", "/open", null, "Origin", SHOP,
            "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");
        assertEquals(204, preflight.statusCode(), preflight.body());
        assertEquals("*", header(preflight, "Access-Control-Allow-Origin"));
        assertEquals("POST, OPTIONS", header(preflight, "Access-Control-Allow-Methods"));
        assertTrue(header(preflight, "Access-Control-Allow-Headers").contains("Content-Type"));
        assertEquals("600", header(preflight, "Access-Control-Max-Age"), "default http.cors.maxAge PT10M");
        assertEquals(0, publicCalls.get(), "a preflight never runs the handler");

        final HttpResponse<String> actual = send(port, "POST", "/open", "{}", "Origin", SHOP);
        assertEquals(200, actual.statusCode());
        assertEquals("*", header(actual, "Access-Control-Allow-Origin"));
        assertEquals(1, publicCalls.get());

        final HttpResponse<String> server = send(port, "POST", "/open", "{}");
        assertEquals(200, server.statusCode());
        assertEquals(null, header(server, "Access-Control-Allow-Origin"), "no Origin, no CORS headers");
    }

    @Test
    void anAllowListEchoesAllowedOriginsAndRefusesOthersBeforeTheHandler() throws Exception {
        final int port = deploy(new JsonObject().put("allowedOrigins", SHOP + ", http://localhost:3000")
            .put("maxAge", "PT1H"));
        final HttpResponse<String> preflight = send(port, "OPTIONS", "/open", null, "Origin", SHOP,
            "Access-Control-Request-Method", "POST");
        assertEquals(204, preflight.statusCode(), preflight.body());
        assertEquals(SHOP, header(preflight, "Access-Control-Allow-Origin"));
        assertEquals("Origin", header(preflight, "Vary"));
        assertEquals("3600", header(preflight, "Access-Control-Max-Age"));

        final HttpResponse<String> allowed = send(port, "POST", "/open", "{}", "Origin", "http://localhost:3000");
        assertEquals(200, allowed.statusCode());
        assertEquals("http://localhost:3000", header(allowed, "Access-Control-Allow-Origin"));
        assertEquals(1, publicCalls.get());

        final HttpResponse<String> evilPreflight = send(port, "OPTIONS", "/open", null, "Origin",
            "https://evil.example", "Access-Control-Request-Method", "POST");
        assertEquals(403, evilPreflight.statusCode());
        assertEquals(null, header(evilPreflight, "Access-Control-Allow-Origin"));
        final HttpResponse<String> evil = send(port, "POST", "/open", "{}", "Origin", "https://evil.example");
        assertEquals(403, evil.statusCode());
        final JsonObject error = new JsonObject(evil.body());
        assertEquals("Origin", error.getString("field"));
        assertTrue(error.getString("error").contains("https://evil.example")
            && error.getString("error").contains("http.cors.allowedOrigins"), evil.body());
        assertEquals(1, publicCalls.get(), "a refused origin never reaches the handler");
    }

    @Test
    void aPreflightForAnotherMethodIsRefused() throws Exception {
        final int port = deploy(null);
        final HttpResponse<String> put = send(port, "OPTIONS", "/open", null, "Origin", SHOP,
            "Access-Control-Request-Method", "PUT");
        assertEquals(403, put.statusCode());
        assertTrue(put.body().contains("use POST"), put.body());
    }

    @Test
    void sameOriginRoutesNeverGetCorsHeadersAndTheirPreflightsAreRefused() throws Exception {
        final int port = deploy(null);
        for (final String path : new String[] {"/closed", "/admin"}) {
            final HttpResponse<String> preflight = send(port, "OPTIONS", path, null, "Origin", SHOP,
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization");
            assertEquals(403, preflight.statusCode(), path + ": " + preflight.body());
            assertEquals(null, header(preflight, "Access-Control-Allow-Origin"), path);
            assertTrue(new JsonObject(preflight.body()).getString("error").contains("other origins"), path);
        }
        final HttpResponse<String> bid = send(port, "POST", "/closed", "{}", "Origin", SHOP);
        assertEquals(null, header(bid, "Access-Control-Allow-Origin"), "never on a same-origin route");
        final HttpResponse<String> admin = send(port, "GET", "/admin", null, "Origin", SHOP,
            "Authorization", "Bearer " + TOKEN);
        assertEquals(200, admin.statusCode());
        assertEquals(null, header(admin, "Access-Control-Allow-Origin"));
        final HttpResponse<String> plainOptions = send(port, "OPTIONS", "/admin", null);
        assertEquals(405, plainOptions.statusCode(), "a plain OPTIONS is not a preflight: the router's 405");
        assertFalse(header(plainOptions, "Allow").isEmpty());
    }

    @Test
    void aMalformedAllowListStopsTheStartNamingTheSetting() {
        final JsonObject file = new JsonObject().put("http", new JsonObject().put("cors",
            new JsonObject().put("allowedOrigins", "https://shop.example/path")));
        final ConfigException bad = assertThrows(ConfigException.class, () -> ServerConfig.of(file, Map.of()));
        assertTrue(bad.getMessage().contains("http.cors.allowedOrigins (CORS_ALLOWED_ORIGINS)"), bad.getMessage());
        final ServerConfig fromEnv = ServerConfig.of(new JsonObject(), Map.of("CORS_ALLOWED_ORIGINS",
            "https://A.example", "CORS_MAX_AGE", "PT5M"));
        assertEquals(List.of("https://a.example"), fromEnv.corsAllowedOrigins);
        assertEquals(300, fromEnv.corsMaxAgeSeconds);
    }
}
