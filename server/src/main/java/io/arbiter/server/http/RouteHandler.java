package io.arbiter.server.http;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * An endpoint served through the router (admin, notices, health, metrics): the request's body, if any, is read
 * ({@link RequestBodies}) and, for an admin route, the bearer token checked ({@link RouteTable.Access#ADMIN}) before
 * it runs. It returns its answer as a future; a failed future, or anything it throws, is answered by the one
 * {@link ErrorMapper}.
 */
@FunctionalInterface
public interface RouteHandler {
    /** Handles one request. */
    Future<Answer> handle(RoutingContext ctx) throws Exception;
}
