package io.arbiter.server.http;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * What a router endpoint ({@link RouteHandler}) answers when it succeeds: a status, a content type and a body.
 *
 * @param status      the HTTP status
 * @param contentType the {@code Content-Type} header
 * @param body        the body text (empty for none)
 */
public record Answer(int status, String contentType, String body) {
    public static final String JSON = "application/json";

    public Answer {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }

    /** A JSON answer. */
    public static Answer json(int status, JsonObject body) {
        return new Answer(status, JSON, body.encode());
    }

    /** A JSON answer already encoded. */
    public static Answer json(int status, String body) {
        return new Answer(status, JSON, body);
    }
}
