package io.arbiter.server.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllowedMethodsTest {
    @Test
    void pathsMatchSegmentBySegmentWithParametersAndATrailingSlash() {
        assertTrue(AllowedMethods.matches("/v1/experiments/:id", "/v1/experiments/hero"));
        assertTrue(AllowedMethods.matches("/v1/experiments/:id", "/v1/experiments/hero/"));
        assertTrue(AllowedMethods.matches("/health/", "/health"));
        assertTrue(AllowedMethods.matches("/", "/"));
        assertFalse(AllowedMethods.matches("/v1/experiments/:id", "/v1/experiments/"), "a parameter is not empty");
        assertFalse(AllowedMethods.matches("/v1/experiments/:id", "/v1/experiments/hero/pause"));
        assertFalse(AllowedMethods.matches("/v1/experiments", "/v1/experiment"));
        assertFalse(AllowedMethods.matches("/health", "/healthz"));
    }

    @Test
    void theAllowedMethodsAreThoseOfEveryRouteForThePath() {
        final Vertx vertx = Vertx.vertx();
        try {
            final Router router = Router.router(vertx);
            router.route().handler(ctx -> ctx.next()); // no path: matches everything, names no method
            router.put("/v1/experiments/:id").handler(ctx -> { });
            router.get("/v1/experiments/:id").handler(ctx -> { });
            router.post("/v1/experiments/:id/pause").handler(ctx -> { });
            router.get("/health").handler(ctx -> { });
            assertEquals("GET, PUT", AllowedMethods.of(router, "/v1/experiments/hero"));
            assertEquals("POST", AllowedMethods.of(router, "/v1/experiments/hero/pause"));
            assertEquals("GET", AllowedMethods.of(router, "/health/"));
            assertEquals("", AllowedMethods.of(router, "/nothing"));
        } finally {
            vertx.close();
        }
    }
}
