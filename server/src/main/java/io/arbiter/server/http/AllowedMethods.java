package io.arbiter.server.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

import java.util.TreeSet;

/**
 * The {@code Allow} header of a 405 (RFC 9110 15.5.6): the methods the router has for a path, from its routes' own
 * paths ({@code :param} segments match any one segment; a trailing slash is ignored, as the router ignores it). Only
 * computed for a 405, which is rare, so a walk over the routes is fine.
 */
final class AllowedMethods {
    private AllowedMethods() {
    }

    /** The methods routed for {@code path}, comma-separated in alphabetical order; empty if none. */
    static String of(Router router, String path) {
        final TreeSet<String> methods = new TreeSet<>();
        for (final Route route : router.getRoutes()) {
            final String pattern = route.getPath();
            if (pattern != null && route.methods() != null && matches(pattern, path)) {
                for (final HttpMethod method : route.methods()) {
                    if (method != HttpMethod.OPTIONS) { // CORS plumbing (RouteTable), not a method of the resource
                        methods.add(method.name());
                    }
                }
            }
        }
        return String.join(", ", methods);
    }

    static boolean matches(String pattern, String path) {
        final String[] want = trim(pattern).split("/", -1);
        final String[] got = trim(path).split("/", -1);
        if (want.length != got.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            final boolean param = want[i].startsWith(":");
            if (param ? got[i].isEmpty() : !want[i].equals(got[i])) {
                return false;
            }
        }
        return true;
    }

    private static String trim(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
