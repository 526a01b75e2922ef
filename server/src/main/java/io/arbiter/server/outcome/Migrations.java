package io.arbiter.server.outcome;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

// Placeholder until the persistence branch is merged.
public final class Migrations {
    private Migrations() {
    }

    public static Future<Integer> migrate(Pool pool) {
        return Future.failedFuture(new IllegalStateException("migrations not merged yet"));
    }
}
