package io.arbiter.server.outcome;

import java.util.List;

/**
 * Postgres's aggregates as of one instant (read in one {@code REPEATABLE READ} transaction), for a node restoring its
 * state at start: the totals it rebuilds from, and what of them the other nodes had committed at that same instant
 * ({@code node_aggregates}, {@code node_segment_aggregates}), which the cluster sync takes as already seen. Read
 * separately, a reward another node commits between the two reads is either missed by this node for good (in the
 * node rows, not in the totals) or counted twice (the other way round).
 *
 * @param arms               every row of {@code arm_aggregates}
 * @param segments           every row of {@code segment_aggregates}; empty when not asked for
 * @param otherNodes         the other nodes' rows of {@code node_aggregates} (as {@code arms}, decisions 0)
 * @param otherNodesSegments the other nodes' rows of {@code node_segment_aggregates}; empty when segments were not
 *                           asked for
 */
public record AggregateSnapshot(List<ArmAggregate> arms, List<SegmentAggregate> segments,
                                List<NodeTotals<ArmAggregate>> otherNodes,
                                List<NodeTotals<SegmentAggregate>> otherNodesSegments) {

    /** One node's share of an aggregate. */
    public record NodeTotals<T>(String node, T totals) {
    }

    public AggregateSnapshot {
        arms = List.copyOf(arms);
        segments = List.copyOf(segments);
        otherNodes = List.copyOf(otherNodes);
        otherNodesSegments = List.copyOf(otherNodesSegments);
    }
}
