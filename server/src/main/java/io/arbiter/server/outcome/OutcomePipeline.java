package io.arbiter.server.outcome;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

// Placeholder so the module compiles until the persistence branch is merged; replaced wholesale by it.
public final class OutcomePipeline {
    private OutcomePipeline() {
    }

    public static Future<OutcomeLog> start(Vertx vertx, Pool pool, Object config, MeterRegistry registry) {
        return Future.failedFuture(new IllegalStateException("outcome pipeline not merged yet"));
    }
}
