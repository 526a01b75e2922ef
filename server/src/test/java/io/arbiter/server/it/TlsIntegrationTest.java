package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

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
            final SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new TrustEverything()}, null);
            // No custom SSLParameters: the JDK client only offers h2 by ALPN with its own parameters.
            final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(trustAll).connectTimeout(Duration.ofSeconds(10)).build();
            final HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + server.port + "/v1/decide"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"experiment\":\"hero\",\"unit\":\"tls\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(HttpClient.Version.HTTP_2, response.version(), "ALPN negotiated h2");
            assertTrue(new JsonObject(response.body()).getString("decisionId").startsWith("d2.hero."));
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

    /** The test's server has a self-signed certificate; its name (CN=localhost) is still checked by the client. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
