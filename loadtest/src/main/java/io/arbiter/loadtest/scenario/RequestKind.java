package io.arbiter.loadtest.scenario;

/** What a request is for; results are broken down by kind. */
public enum RequestKind {
    DECIDE, REWARD, BID, GET, FILE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
