package io.arbiter.server;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that keeps logging alive during shutdown. The JDK's own manager resets (closes every handler)
 * in a shutdown hook of its own, which races the server's hook, so the lines that say the outcome pipeline drained
 * and Postgres stopped were lost. This one only resets when {@link #resetAfterShutdown} is called.
 */
public final class ShutdownLogManager extends LogManager {
    private volatile boolean shutdownComplete;

    @Override
    public void reset() {
        if (shutdownComplete || !shuttingDown()) {
            super.reset();
        }
    }

    /** Called by the server's shutdown hook once it has finished logging. */
    public static void resetAfterShutdown() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
            manager.shutdownComplete = true;
            manager.reset();
        }
    }

    private static boolean shuttingDown() {
        try {
            final Thread probe = new Thread(() -> { });
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
