package io.arbiter.server.http;

/**
 * Checks a request target's percent-encoding before the router decodes it: the router and the request's parameters
 * decode {@code %xx} escapes lazily and throw on a malformed one ({@code %zz}, a lone {@code %}), which would surface
 * as a 500 or a logged stack trace per request. A target that fails here is answered 400 instead, before routing.
 * A scan of the characters, no allocation.
 */
final class RequestTargets {
    private RequestTargets() {
    }

    /** Whether every {@code %} in {@code uri} starts an escape of two hex digits. */
    static boolean wellFormed(String uri) {
        for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 3)) {
            if (i + 2 >= uri.length() || !hex(uri.charAt(i + 1)) || !hex(uri.charAt(i + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
