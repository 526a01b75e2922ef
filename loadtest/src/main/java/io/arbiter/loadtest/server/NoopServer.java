package io.arbiter.loadtest.server;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SelfSignedCertificate;

import java.util.concurrent.TimeUnit;

/**
 * A tiny HTTP server that does next to nothing, to measure the load generator and the loopback
 * floor without the real server. It answers in the real API's shapes so every scenario runs
 * against it: {@code /v1/decide} 200 with a fresh token, {@code /v1/reward} 202,
 * {@code /openrtb2/bid} 204 (no bid), anything else 200 {@code ok}.
 *
 * <p>With a stall configured, each event loop sleeps for {@code stallNanos} every
 * {@code stallEveryNanos}, like a stop-the-world GC pause: the demonstration of coordinated
 * omission (see docs/loadtest.md). With work per request, each request keeps its event loop busy
 * (spinning, not sleeping) for {@code workNanos} before it is answered: a server with a known
 * service time, to see what a given cost per request does to the tail on a given machine.
 */
public final class NoopServer extends VerticleBase {
    private static final Buffer OK = Buffer.buffer("ok");
    private static final Buffer REWARD = Buffer.buffer("{\"status\":\"accepted\"}");

    /**
     * @param threads         event loops (one server verticle each, sharing the port)
     * @param stallEveryNanos 0 for no stalls
     * @param tls             serve HTTPS (and HTTP/2 by ALPN) with a self-signed certificate
     * @param workNanos       busy time per request on the event loop, 0 for none
     */
    public record Settings(String host, int port, int threads, long stallEveryNanos, long stallNanos, boolean tls,
            long workNanos) {
        public Settings {
            if (workNanos < 0 || stallNanos < 0 || stallEveryNanos < 0) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }

        /** No work per request. */
        public Settings(String host, int port, int threads, long stallEveryNanos, long stallNanos, boolean tls) {
            this(host, port, threads, stallEveryNanos, stallNanos, tls, 0);
        }
    }

    private final Settings settings;
    private final SelfSignedCertificate certificate;
    private HttpServer server;
    private long decisions;

    private NoopServer(Settings settings, SelfSignedCertificate certificate) {
        this.settings = settings;
        this.certificate = certificate;
    }

    /** Starts the server on {@code vertx}; the future gives the port actually bound (for port 0). */
    public static Future<Integer> start(Vertx vertx, Settings settings) {
        final SelfSignedCertificate certificate = settings.tls() ? SelfSignedCertificate.create("localhost") : null;
        final NoopServer[] first = new NoopServer[1];
        return vertx.deployVerticle(() -> {
            final NoopServer s = new NoopServer(settings, certificate);
            if (first[0] == null) {
                first[0] = s;
            }
            return s;
        }, new DeploymentOptions().setInstances(settings.threads())).map(id -> first[0].server.actualPort());
    }

    @Override
    public Future<?> start() {
        final HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setTcpNoDelay(true);
        if (certificate != null) {
            options.setSsl(true).setUseAlpn(true).setKeyCertOptions(certificate.keyCertOptions());
        }
        if (settings.stallEveryNanos() > 0) {
            final long every = Math.max(1, TimeUnit.NANOSECONDS.toMillis(settings.stallEveryNanos()));
            vertx.setPeriodic(every, id -> stall());
        }
        return vertx.createHttpServer(options).requestHandler(this::handle).listen().onSuccess(s -> server = s);
    }

    private void stall() {
        // Blocking the event loop on purpose: every connection on it waits, as in a GC pause.
        final long until = System.nanoTime() + settings.stallNanos();
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Keeps the calling thread busy for {@code nanos}: CPU time, as a real handler would spend it. */
    static void work(long nanos) {
        final long until = System.nanoTime() + nanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    private void handle(HttpServerRequest request) {
        request.end().onComplete(ended -> {
            if (settings.workNanos() > 0) {
                work(settings.workNanos());
            }
            final String path = request.path();
            switch (path) {
                case "/v1/decide" -> request.response().setStatusCode(200).putHeader("content-type", "application/json")
                        .end("{\"decisionId\":\"d" + Long.toHexString(++decisions) + "-" + Long.toHexString(System
                                .nanoTime())
                                + "\",\"experiment\":\"hero\",\"variant\":\"B\",\"propensity\":0.5}");
                case "/v1/reward" -> request.response().setStatusCode(202).putHeader("content-type", "application/json")
                        .end(REWARD);
                case "/openrtb2/bid" -> request.response().setStatusCode(204).end();
                default -> request.response().setStatusCode(200).end(OK);
            }
        });
    }
}
