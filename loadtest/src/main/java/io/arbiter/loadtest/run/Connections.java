package io.arbiter.loadtest.run;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;

import java.util.Objects;

/**
 * The HTTP/2 and TLS transport: requests go through the Vert.x HTTP client and its pool, and the slots here only
 * bound the requests in flight ({@code connections × max-in-flight}), so the worker's backlog stays the only queue
 * it controls. Plain HTTP/1.1 uses {@link Http1Connections} instead.
 *
 * <p>Why the pool and not connections of our own: with Vert.x 5.0.10, requests on an HTTP/2 connection from
 * {@code connect} did not complete, and a TLS {@code connect} to an untrusted server hung instead of failing. The
 * pool costs a little latency per request (it hands a freed connection on later), which shows in send lag.
 * Event loop only.
 */
final class Connections {

    /** Room for requests on one (pooled) connection. */
    static final class Slot {
        private int inFlight;
    }

    private final HttpClientAgent client;
    private final Slot[] slots;
    private final int maxInFlight;
    private int cursor;

    Connections(HttpClientAgent client, int count, int maxInFlight) {
        this.client = Objects.requireNonNull(client, "client");
        this.slots = new Slot[count];
        for (int i = 0; i < count; i++) {
            slots[i] = new Slot();
        }
        this.maxInFlight = maxInFlight;
    }

    /** @return a slot with room for one more request (now counted in flight), or null when all are busy */
    Slot acquire() {
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[(cursor + i) % slots.length];
            if (slot.inFlight < maxInFlight) {
                cursor = (cursor + i + 1) % slots.length; // round robin spreads multiplexed load
                slot.inFlight++;
                return slot;
            }
        }
        return null;
    }

    /** @return a request from the pool */
    Future<HttpClientRequest> request(RequestOptions options) {
        return client.request(options);
    }

    void release(Slot slot) {
        slot.inFlight--;
    }

    Future<Void> close() {
        return client.close();
    }
}
