package io.arbiter.server.outcome;

/** The local journal has reached its limit (Postgres has been away too long); the outcome was not accepted. */
public final class JournalFullException extends RuntimeException {
    public JournalFullException(String message) {
        super(message, null, false, false);
    }
}
