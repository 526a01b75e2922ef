package io.arbiter.server.pg;

import java.nio.file.Path;

// Placeholder until the persistence branch is merged.
public record EmbeddedPostgresConfig(Path dataDir, int port) {
    public static EmbeddedPostgresConfig defaults() {
        return new EmbeddedPostgresConfig(Path.of("data", "pg"), 0);
    }

    public EmbeddedPostgresConfig withDataDir(Path value) {
        return this;
    }

    public EmbeddedPostgresConfig withPort(int value) {
        return this;
    }

    public EmbeddedPostgresConfig withStopOnJvmExit(boolean value) {
        return this;
    }
}
