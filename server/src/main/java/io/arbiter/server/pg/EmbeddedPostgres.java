package io.arbiter.server.pg;

import io.vertx.pgclient.PgConnectOptions;

import java.nio.file.Path;

// Placeholder until the persistence branch is merged.
public final class EmbeddedPostgres implements AutoCloseable {
    public static EmbeddedPostgres launch(EmbeddedPostgresConfig config) {
        throw new IllegalStateException("embedded Postgres not merged yet");
    }

    public PgConnectOptions connectOptions() {
        return null;
    }

    public String url() {
        return null;
    }

    public Path clusterDir() {
        return null;
    }

    public void stop() {
    }

    public void start() {
    }

    @Override
    public void close() {
    }
}
