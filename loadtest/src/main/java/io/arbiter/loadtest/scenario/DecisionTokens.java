package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

/** Reads {@code decisionId} out of a decide answer without building a JSON tree. */
final class DecisionTokens {
    private static final String KEY = "\"decisionId\"";

    private DecisionTokens() {
    }

    /** @return the token, or null when the body has no string {@code decisionId}. */
    static String extract(Buffer body) {
        final String text = body.toString();
        final int key = text.indexOf(KEY);
        if (key < 0) {
            return null;
        }
        int i = key + KEY.length();
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ':')) {
            i++;
        }
        if (i >= text.length() || text.charAt(i) != '"') {
            return null;
        }
        final int start = i + 1;
        int end = start;
        while (end < text.length() && text.charAt(end) != '"') {
            if (text.charAt(end) == '\\') {
                return null; // opaque tokens are URL-safe; an escaped one is not ours to re-encode
            }
            end++;
        }
        return end < text.length() ? text.substring(start, end) : null;
    }
}
