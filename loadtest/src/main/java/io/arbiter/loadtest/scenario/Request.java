package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import java.util.Objects;

/**
 * One HTTP request a scenario wants sent. {@code body} is null for requests without a body.
 * {@code needsResponseBody} is true when the scenario reads the answer (decide tokens for rewards).
 */
public record Request(RequestKind kind, HttpMethod method, String path, Buffer body, boolean needsResponseBody) {
    public Request {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }

    public static Request postJson(RequestKind kind, String path, Buffer body) {
        return new Request(kind, HttpMethod.POST, path, body, false);
    }
}
