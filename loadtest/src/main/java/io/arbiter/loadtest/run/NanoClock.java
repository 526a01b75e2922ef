package io.arbiter.loadtest.run;

/** Monotonic time in nanoseconds; injected so tests can drive time by hand. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
