package io.arbiter.server.ui;

import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's files as the server serves them: from the jar, with validators (an ETag; a matching
 * If-None-Match gets a 304 with no body), a Content-Security-Policy on pages that allows only the server's own
 * scripts and API, the chart library from its WebJar, the browser client, and a 404 for any other name.
 */
class UiModuleTest {
    private static final Vertx VERTX = Vertx.vertx();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        final JsonObject file = new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0));
        port = HttpVerticle.deploy(VERTX, ServerConfig.of(file, Map.of()), new Metrics(), List.of(new UiModule()), 1, 5)
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).port();
    }

    @AfterAll
    static void stop() throws Exception {
        VERTX.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pagesAreServedWithValidatorsAndAContentSecurityPolicy() throws Exception {
        final HttpResponse<String> index = get("/ui/");
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(index.body().contains("<table id=\"experiments\">"), "the experiments list");
        final String csp = index.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), csp);
        assertFalse(csp.contains("unsafe-inline"), "no inline script or style: " + csp);
        assertFalse(index.body().contains("<script>"), "no inline script: the policy would block it");
        final String etag = index.headers().firstValue("ETag").orElseThrow();
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));

        final HttpResponse<String> again = get("/ui/", "If-None-Match", etag);
        assertEquals(304, again.statusCode());
        assertEquals("", again.body());
        assertEquals(200, get("/ui/", "If-None-Match", "\"other\"").statusCode());
        assertEquals(200, get("/ui/index.html").statusCode());
    }

    @Test
    void theChartLibraryAndTheBrowserClientComeFromTheJar() throws Exception {
        final HttpResponse<String> uplot = get("/ui/uPlot.iife.min.js");
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.body().contains("uPlot"), "uPlot from its WebJar");
        assertTrue(uplot.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        final HttpResponse<String> sdk = get("/sdk/arbiter.js");
        assertEquals(200, sdk.statusCode());
        assertTrue(sdk.body().contains("sendBeacon") && sdk.body().contains("global.arbiter"), "the client");
        for (final String name : new UiModule().names()) {
            assertEquals(200, get("/ui/" + name).statusCode(), name);
        }
        for (final String page : new String[] {"index.html", "experiment.html", "campaigns.html", "demo.html"}) {
            final String body = get("/ui/" + page).body();
            for (final String src : new String[] {"src=\"http", "href=\"http", "//cdn"}) {
                assertFalse(body.contains(src), page + " fetches nothing from elsewhere: " + src);
            }
        }
    }

    @Test
    void unknownPagesAre404AndUiRedirects() throws Exception {
        final HttpResponse<String> missing = get("/ui/nope.html");
        assertEquals(404, missing.statusCode());
        assertTrue(new JsonObject(missing.body()).getString("error").contains("/ui/nope.html"));
        assertEquals(404, get("/ui/../config/server.json").statusCode());
        assertEquals(404, get("/ui/a/b").statusCode());
        final HttpResponse<String> bare = get("/ui");
        assertEquals(308, bare.statusCode());
        assertEquals("/ui/", bare.headers().firstValue("Location").orElse(""));
    }
}
