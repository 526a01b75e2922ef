package io.arbiter.loadtest.scenario;

import io.vertx.core.http.HttpMethod;

/** {@code GET path} again and again: the no-op floor, or any URL of any service. */
public final class GetScenario implements Scenario {
    private final Request request;

    public GetScenario(String path) {
        this.request = new Request(RequestKind.GET, HttpMethod.GET, path, null, false);
    }

    @Override
    public Request next() {
        return request;
    }
}
