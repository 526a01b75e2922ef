package io.arbiter.server.bid;

import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.JournalFullException;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeId;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.outcome.PipelineStatus;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/** Test double of the outcome pipeline: keeps appended events in memory; can be told to refuse appends. */
final class InMemoryOutcomeLog implements OutcomeLog {
    final List<OutcomeEvent> appended = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<ArmAggregate> aggregates = new ArrayList<>();
    volatile boolean full;

    @Override
    public boolean offerDecision(OutcomeEvent decision) {
        return true;
    }

    @Override
    public Future<Void> append(OutcomeEvent outcome) {
        if (full) {
            return Future.failedFuture(new JournalFullException("journal full (test)"));
        }
        appended.add(outcome);
        return Future.succeededFuture();
    }

    @Override
    public Future<List<ArmAggregate>> loadAggregates() {
        return Future.succeededFuture(List.copyOf(aggregates));
    }

    @Override
    public Future<List<String>> loadOutcomeIdsSince(OutcomeKind kind, long sinceMillis) {
        final List<String> ids = new ArrayList<>();
        for (final OutcomeEvent e : List.copyOf(appended)) {
            if (e.kind() == kind && e.timeMillis() >= sinceMillis) {
                ids.add(e.id());
            }
        }
        return Future.succeededFuture(ids);
    }

    @Override
    public Future<List<OutcomeId>> loadNewestOutcomeIds(List<OutcomeKind> kinds, long sinceMillis, int limit) {
        final List<OutcomeEvent> events = new ArrayList<>();
        for (final OutcomeEvent e : List.copyOf(appended)) {
            if (kinds.contains(e.kind()) && e.timeMillis() >= sinceMillis) {
                events.add(e);
            }
        }
        events.sort(java.util.Comparator.comparingLong(OutcomeEvent::timeMillis).reversed());
        final List<OutcomeId> ids = new ArrayList<>();
        for (final OutcomeEvent e : events.subList(0, Math.min(limit, events.size()))) {
            ids.add(new OutcomeId(e.kind(), e.id()));
        }
        return Future.succeededFuture(ids);
    }

    @Override
    public PipelineStatus status() {
        return new PipelineStatus(0, 0, 0, 0, true, full);
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    long count(OutcomeKind kind) {
        return List.copyOf(appended).stream().filter(e -> e.kind() == kind).count();
    }
}
