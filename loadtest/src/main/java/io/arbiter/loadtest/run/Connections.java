package io.arbiter.loadtest.run;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;

import java.util.Objects;

/**
 * A worker's own connections, each with a count of requests in flight. The worker asks for a
 * slot before each send and gets one only if a connection (or a place for a new one) is free, so
 * the worker's backlog is the only queue: no request waits unseen in a client pool, and a
 * connection is reused the moment its answer is read. Event loop only.
 *
 * <p>A slot without a live connection connects on first use; if the connection closes, the next
 * request through that slot reconnects, and if connecting fails, that request fails with it.
 *
 * <p>HTTP/2 and TLS go through the Vert.x pool instead ({@code pooled}); here slots then only bound
 * the requests in flight. Reason: with Vert.x 5.0.10, requests on an HTTP/2 connection from
 * {@code connect} did not complete, and a TLS {@code connect} to an untrusted server hung instead of
 * failing. The pool costs a little latency per request (it hands a freed connection on later), which
 * shows in send lag; plain HTTP/1.1 is the fast path.
 */
final class Connections {

    /** One connection's place. */
    static final class Slot {
        private HttpClientConnection connection;
        private boolean connecting;
        private int inFlight;
    }

    private final HttpClientAgent client;
    private final HttpConnectOptions connectOptions;
    private final Slot[] slots;
    private final int maxInFlight;
    private final boolean pooled;
    private int cursor;

    Connections(HttpClientAgent client, HttpConnectOptions connectOptions, int count, int maxInFlight, boolean pooled) {
        this.pooled = pooled;
        this.client = Objects.requireNonNull(client, "client");
        this.connectOptions = Objects.requireNonNull(connectOptions, "connectOptions");
        this.slots = new Slot[count];
        for (int i = 0; i < count; i++) {
            slots[i] = new Slot();
        }
        this.maxInFlight = maxInFlight;
    }

    /** @return a slot with room for one more request (now counted in flight), or null when all are busy */
    Slot acquire() {
        Slot unconnected = null;
        for (int i = 0; i < slots.length; i++) {
            Slot slot = slots[(cursor + i) % slots.length];
            if (slot.connecting || slot.inFlight >= maxInFlight) {
                continue;
            }
            if (slot.connection != null || pooled) {
                cursor = (cursor + i + 1) % slots.length; // round robin spreads pipelined or multiplexed load
                slot.inFlight++;
                return slot;
            }
            if (unconnected == null) {
                unconnected = slot;
            }
        }
        if (unconnected != null) {
            unconnected.inFlight++;
        }
        return unconnected;
    }

    /** @return a request on the slot's connection (connecting first if needed), or from the pool */
    Future<HttpClientRequest> request(Slot slot, RequestOptions options) {
        if (pooled) {
            return client.request(options);
        }
        return connection(slot).compose(connection -> connection.request(options));
    }

    private Future<HttpClientConnection> connection(Slot slot) {
        if (slot.connection != null) {
            return Future.succeededFuture(slot.connection);
        }
        slot.connecting = true;
        return client.connect(connectOptions).andThen(ar -> {
            slot.connecting = false;
            if (ar.succeeded()) {
                HttpClientConnection connection = ar.result();
                slot.connection = connection;
                connection.closeHandler(v -> {
                    if (slot.connection == connection) {
                        slot.connection = null;
                    }
                });
            }
        });
    }

    void release(Slot slot) {
        slot.inFlight--;
    }

    Future<Void> close() {
        return client.close();
    }
}
