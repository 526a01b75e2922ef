package io.arbiter.server.api;

/**
 * A request the server refuses, with the HTTP status and the JSON error body it gets:
 * {@code {"error": message, "field": field}}. Thrown only for client-visible outcomes; no stack trace is captured.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String field;

    public ApiException(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    public static ApiException badField(String field, String message) {
        return new ApiException(400, message, field);
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
