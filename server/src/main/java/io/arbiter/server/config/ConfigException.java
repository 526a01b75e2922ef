package io.arbiter.server.config;

/** A setting that stops the start: unknown, mistyped or out of range. The message names it ({@code section.key}). */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
