package io.arbiter.server.api;

/**
 * A request the server cannot take now but may take later (an outcome journal that is full while Postgres is away):
 * answered 503 with {@code Retry-After}; the request changed nothing. The message is for the log; the client gets
 * {@link #clientMessage()}. No stack trace is captured: it is an expected condition.
 */
public class RetryLaterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String clientMessage;
    private final int retryAfterSeconds;

    /**
     * @param detail            what happened, for the log
     * @param clientMessage     what the client is told
     * @param retryAfterSeconds the {@code Retry-After} value, {@code >= 0}
     */
    public RetryLaterException(String detail, String clientMessage, int retryAfterSeconds) {
        super(detail, null, false, false);
        this.clientMessage = clientMessage;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public String clientMessage() {
        return clientMessage;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
