package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

/**
 * A source of requests. Each worker owns its own instance (built with its own seed) and calls it
 * from its event loop only, so implementations need no synchronisation.
 */
public interface Scenario {

    /** @return the next request to send; called once per planned send. */
    Request next();

    /**
     * Called with the answer to a request whose {@link Request#needsResponseBody()} was true.
     * Default: ignore.
     */
    default void onResponse(Request request, int status, Buffer body) {
    }
}
