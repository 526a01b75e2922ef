package io.arbiter.server.cluster;

/** A sink without models, so without replay positions: each sync starts from a node's first row. Tests only. */
@FunctionalInterface
interface PositionlessSink extends LinearSync.Sink {
    @Override
    default long replayedUpTo(String node) {
        return 0;
    }

    @Override
    default void replayed(String node, long number) {
    }
}
