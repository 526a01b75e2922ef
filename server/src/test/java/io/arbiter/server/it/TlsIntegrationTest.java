package io.arbiter.server.it;

import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS through OpenSSL (netty-tcnative) with HTTP/2 negotiated by ALPN, and HTTP/2 over cleartext (h2c). */
class TlsIntegrationTest {
    @TempDir
    Path dataDir;

    @Test
    void servesHttp2OverTlsWithAGeneratedCertificate() throws Exception {
        assertTrue(OpenSSLEngineOptions.isAvailable(), "netty-tcnative (OpenSSL/BoringSSL) must be available");
        final SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
        final JsonObject config = TestServer.config(dataDir, TestServer.freePort());
        config.getJsonObject("http").put("tls", new JsonObject()
            .put("certPath", certificate.certificatePath()).put("keyPath", certificate.privateKeyPath()));
        try (TestServer server = TestServer.start(config)) {
            final HttpClientAgent client = server.app.vertx().createHttpClient(new HttpClientOptions()
                .setSsl(true).setTrustAll(true).setVerifyHost(false).setUseAlpn(true)
                .setProtocolVersion(HttpVersion.HTTP_2));
            try {
                final HttpClientResponse response = client.request(HttpMethod.POST, server.port, "localhost",
                        "/v1/decide")
                    .compose(request -> request.putHeader("Content-Type", "application/json")
                        .send("{\"experiment\":\"hero\",\"unit\":\"tls\"}"))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                final String body = response.body().toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).toString();
                assertEquals(200, response.statusCode(), body);
                assertEquals(HttpVersion.HTTP_2, response.version(), "ALPN negotiated h2");
                assertTrue(new JsonObject(body).getString("decisionId").startsWith("d1.hero."));
            } finally {
                client.close();
            }
        }
    }

    @Test
    void servesHttp2OverCleartext() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            final HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, response.version(), "upgraded to h2c");
        }
    }
}
