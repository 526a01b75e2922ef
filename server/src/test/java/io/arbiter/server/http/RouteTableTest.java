package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.metrics.Metrics;
import io.micrometer.core.instrument.Timer;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route table as the application's verticle uses it: modules declare routes once per event loop, the table
 * applies admin access (no handler checks the token), carries each route's exposure, and every endpoint, hot or
 * routed, answers once through the one wrapper (errors mapped, time recorded by status).
 */
class RouteTableTest {
    private static final String TOKEN = "route-table-admin-token";

    private final Vertx vertx = Vertx.vertx();
    private final Metrics metrics = new Metrics();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger adminCalls = new AtomicInteger();
    private final Set<String> loops = ConcurrentHashMap.newKeySet();
    private final Set<Long> seeds = ConcurrentHashMap.newKeySet();

    /** A module with one route of each kind. */
    private final class Probe implements Module {
        @Override
        public void declareRoutes(RouteTable routes) {
            loops.add(Thread.currentThread().getName());
            seeds.add(routes.newSeed());
            routes.hotPost("/hot", "probe_hot", Exposure.CROSS_ORIGIN, (request, body, endpoint, start) -> {
                if (body.length() == 0) {
                    throw ApiException.badField("body", "empty");
                }
                endpoint.respond(request, 200, "{\"n\":" + body.length() + "}", start);
                endpoint.respond(request, 201, "{\"again\":true}", start); // ignored: answered once
            });
            routes.route(HttpMethod.GET, "/secret", "probe_admin", Access.ADMIN, Exposure.SAME_ORIGIN, ctx -> {
                adminCalls.incrementAndGet();
                return Future.succeededFuture(Answer.json(200, "{\"secret\":1}"));
            });
            routes.route(HttpMethod.GET, "/later", "probe_async", Access.PUBLIC, Exposure.SAME_ORIGIN,
                ctx -> Future.failedFuture(new ApiException(409, "conflict", "x")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpVerticle.Deployment deploy(String adminToken, int loopCount) throws Exception {
        final JsonObject file = new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1")
            .put("port", 0));
        if (adminToken != null) {
            file.put("adminToken", adminToken);
        }
        return HttpVerticle.deploy(vertx, ServerConfig.of(file, Map.of()), metrics, List.of(new Probe()), loopCount,
            7).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
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

    @Test
    void everyEventLoopDeclaresTheModulesRoutesWithItsOwnSeed() throws Exception {
        final HttpVerticle.Deployment deployment = deploy(TOKEN, 2);
        assertEquals(2, deployment.ids().size());
        assertEquals(2, loops.size(), "declared on two event loops: " + loops);
        assertEquals(2, seeds.size(), "each loop's state gets its own seed");
    }

    @Test
    void theTableCarriesAccessAndExposure() throws Exception {
        final List<RouteTable.Route> routes = deploy(TOKEN, 1).routes();
        assertEquals(List.of(
            new RouteTable.Route(HttpMethod.POST, "/hot", "probe_hot", Access.PUBLIC, Exposure.CROSS_ORIGIN, true),
            new RouteTable.Route(HttpMethod.GET, "/secret", "probe_admin", Access.ADMIN, Exposure.SAME_ORIGIN, false),
            new RouteTable.Route(HttpMethod.GET, "/later", "probe_async", Access.PUBLIC, Exposure.SAME_ORIGIN,
                false)), routes);
    }

    @Test
    void theTableAppliesAdminAccessBeforeTheHandlerRuns() throws Exception {
        final int port = deploy(TOKEN, 1).port();
        final HttpResponse<String> none = send(port, "GET", "/secret", null);
        assertEquals(401, none.statusCode(), none.body());
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, send(port, "GET", "/secret", null, "Authorization", "Bearer wrong").statusCode());
        assertEquals(0, adminCalls.get(), "the handler never ran without the token");
        final HttpResponse<String> ok = send(port, "GET", "/secret", null, "Authorization", "Bearer " + TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, adminCalls.get());
    }

    @Test
    void withNoAdminTokenConfiguredAdminRoutesAreOff() throws Exception {
        final int port = deploy(null, 1).port();
        final HttpResponse<String> off = send(port, "GET", "/secret", null, "Authorization", "Bearer anything");
        assertEquals(403, off.statusCode(), off.body());
        assertTrue(new JsonObject(off.body()).getString("error").contains("ADMIN_TOKEN"), off.body());
        assertEquals(0, adminCalls.get());
    }

    @Test
    void endpointsAnswerOnceMapErrorsAndAreTimedByStatus() throws Exception {
        final int port = deploy(TOKEN, 1).port();
        final HttpResponse<String> hot = send(port, "POST", "/hot", "abc");
        assertEquals(200, hot.statusCode());
        assertEquals("{\"n\":3}", hot.body(), "the second answer was ignored");
        final HttpResponse<String> thrown = send(port, "POST", "/hot", null);
        assertEquals(400, thrown.statusCode());
        assertEquals("body", new JsonObject(thrown.body()).getString("field"));
        final HttpResponse<String> async = send(port, "GET", "/later", null);
        assertEquals(409, async.statusCode());
        assertEquals("x", new JsonObject(async.body()).getString("field"));
        assertEquals(1, timer("probe_hot", "200").count());
        assertEquals(1, timer("probe_hot", "400").count());
        assertEquals(1, timer("probe_async", "409").count());
    }

    private Timer timer(String endpoint, String status) {
        final Timer timer = metrics.registry().find("arbiter.http.requests").tag("endpoint", endpoint)
            .tag("status", status).timer();
        assertNotNull(timer, endpoint + " " + status);
        return timer;
    }
}
