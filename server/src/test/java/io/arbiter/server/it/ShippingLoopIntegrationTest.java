package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outcome pipeline ships on an event loop of its own: with the server on one event loop, a decide is answered
 * while the shipping event loop is held (it would wait for it if the shipper's batches were encoded on the serving
 * one), and the decision is shipped once the loop is let go.
 */
class ShippingLoopIntegrationTest {
    @TempDir
    Path dataDir;

    @Test
    void aDecideIsAnsweredWhileTheShippingEventLoopIsHeld() throws Exception {
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("http").put("eventLoops", 1);
        try (TestServer server = TestServer.start(config)) {
            assertNotSame(server.app.vertx(), server.app.shippingVertx());
            final CountDownLatch holding = new CountDownLatch(1);
            final CountDownLatch answered = new CountDownLatch(1);
            server.app.shippingVertx().runOnContext(v -> {
                holding.countDown();
                try {
                    answered.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(holding.await(10, TimeUnit.SECONDS), "the shipping event loop is held");
            final HttpResponse<String> decide;
            try {
                decide = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/v1/decide"))
                        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("experiment", "hero")
                            .put("unit", "u1").encode())).build(),
                    HttpResponse.BodyHandlers.ofString());
            } finally {
                answered.countDown();
            }
            assertEquals(200, decide.statusCode(), decide.body());
            server.awaitShipped(Duration.ofSeconds(20)); // and the pipeline ships again once the loop is free
        }
    }
}
