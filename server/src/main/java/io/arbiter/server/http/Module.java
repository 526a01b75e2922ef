package io.arbiter.server.http;

/**
 * A part of the server with endpoints (personalisation, bidding, operations). A module is built once, with its
 * shared, thread-safe state, and is asked once per event loop to declare its routes into that loop's
 * {@link RouteTable}, creating there whatever is the loop's own (a workspace, a bidder) from a seed the table hands
 * it. The HTTP verticle knows modules only through this interface.
 */
public interface Module {
    /** Declares this module's routes on one event loop; called on that loop, once per loop. */
    void declareRoutes(RouteTable routes);

    /** Releases what the module holds; called once, after every HTTP verticle is undeployed. */
    default void close() {
    }
}
