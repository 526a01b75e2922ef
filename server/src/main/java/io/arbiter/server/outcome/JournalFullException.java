package io.arbiter.server.outcome;

import io.arbiter.server.api.RetryLaterException;

/** The local journal has reached its limit (Postgres has been away too long); the outcome was not accepted. */
public final class JournalFullException extends RetryLaterException {
    private static final long serialVersionUID = 1L;

    public JournalFullException(String message) {
        super(message, "outcome journal is full; retry later", 5);
    }
}
