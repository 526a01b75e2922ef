package io.arbiter.server.http;

import io.arbiter.server.api.ApiException;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Bearer-token check for the admin API. With no token configured the admin API is off, and says so. */
public final class AdminAuth {
    private final byte[] token;

    /** @param token the configured ADMIN_TOKEN, or null to switch the admin API off */
    public AdminAuth(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    public boolean enabled() {
        return token != null;
    }

    /** Throws 403 when the admin API is off, 401 when the request lacks the right bearer token. */
    public void check(RoutingContext ctx) {
        if (token == null) {
            throw new ApiException(403, "the admin API is disabled: set ADMIN_TOKEN (or adminToken in the config) to"
                + " enable it");
        }
        final String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "missing bearer token: send Authorization: Bearer <ADMIN_TOKEN>");
        }
        final byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new ApiException(401, "invalid bearer token");
        }
    }
}
