package io.arbiter.server.outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-(scope, arm) decision counters, incremented by every event loop for every decision (logged, sampled out or
 * dropped) and drained by the shipper into {@code arm_aggregates.decisions}. A lookup of an existing arm allocates
 * nothing; {@link LongAdder} keeps event loops from contending on one cache line.
 */
final class DecisionCounts {

    /** Decisions made for one arm since the last drain. */
    record Delta(String scope, String arm, long count) {
    }

    private final ConcurrentHashMap<String, ConcurrentHashMap<String, LongAdder>> counters =
            new ConcurrentHashMap<>();

    void increment(String scope, String arm) {
        ConcurrentHashMap<String, LongAdder> arms = counters.get(scope);
        if (arms == null) {
            arms = counters.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
        }
        LongAdder adder = arms.get(arm);
        if (adder == null) {
            adder = arms.computeIfAbsent(arm, a -> new LongAdder());
        }
        adder.increment();
    }

    /** Takes the counts accumulated since the last drain (each cell is swapped to zero atomically). */
    List<Delta> drain() {
        final List<Delta> deltas = new ArrayList<>();
        for (final Map.Entry<String, ConcurrentHashMap<String, LongAdder>> scope : counters.entrySet()) {
            for (final Map.Entry<String, LongAdder> arm : scope.getValue().entrySet()) {
                final long count = arm.getValue().sumThenReset();
                if (count != 0) {
                    deltas.add(new Delta(scope.getKey(), arm.getKey(), count));
                }
            }
        }
        return deltas;
    }
}
