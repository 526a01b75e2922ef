package io.arbiter.server.personalisation.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * One experiment's counters for the lift and the guardrails, beside the posterior table (which keeps the bandit's own
 * counts): per group (treatment, holdout), metric and variant, the decisions and the rewards. The bandit-served
 * group's decisions and primary rewards are the table's; everything else is here.
 *
 * <p>Persistence: the rewards are folded into Postgres's {@code arm_aggregates} by the outcome pipeline, in the
 * transaction that inserts them, under the scope {@link #scope} (so they are exact after a restart, like the
 * posteriors); holdout decisions, which never reach the table, are added to the same rows by {@link #drainDecisions}
 * once a second (like the bandit's decision counts, an unclean stop may lose the last second of them). Thread-safe:
 * adders on the hot path, no lock.
 */
public final class GuardCounters {
    /** The group a decision belongs to. */
    public enum Group {
        TREATMENT("t"), HOLDOUT("h");

        private final String code;

        Group(String code) {
            this.code = code;
        }
    }

    /** Counts of one (group, metric, variant). */
    public static final class Cell {
        final LongAdder decisions = new LongAdder();
        final LongAdder unshippedDecisions = new LongAdder();
        final LongAdder events = new LongAdder();
        final LongAdder successes = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();
        final DoubleAdder squareSum = new DoubleAdder();

        public long decisions() {
            return decisions.sum();
        }

        public long events() {
            return events.sum();
        }

        public long successes() {
            return successes.sum();
        }

        public double sum() {
            return sum.sum();
        }

        public double squareSum() {
            return squareSum.sum();
        }
    }

    /** Holdout decisions to add to {@code arm_aggregates}. */
    public record DecisionDelta(String scope, String variant, long count) {
    }

    private final String experiment;
    /** scope → variant → cell. */
    private final Map<String, Map<String, Cell>> cells = new ConcurrentHashMap<>();
    private final String holdoutPrimaryScope;

    public GuardCounters(String experiment) {
        this.experiment = experiment;
        this.holdoutPrimaryScope = scope(Group.HOLDOUT, "", experiment);
    }

    /**
     * The {@code arm_aggregates} scope of rewards that do not teach the bandit: {@code guard:<h|t>:<metric>:<exp>}
     * ({@code metric} empty for the primary reward). Metric and experiment ids have no colon, so it is unambiguous;
     * the outcome pipeline writes the same string ({@code PostgresWriter.INSERT_REWARDS}).
     */
    public static String scope(Group group, String metric, String experiment) {
        return "guard:" + group.code + ":" + metric + ":" + experiment;
    }

    /** The cell of (group, metric, variant), created on first use. */
    public Cell cell(Group group, String metric, String variant) {
        return cell(scope(group, metric, experiment), variant);
    }

    private Cell cell(String scope, String variant) {
        Map<String, Cell> byVariant = cells.get(scope);
        if (byVariant == null) {
            byVariant = cells.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
        }
        Cell cell = byVariant.get(variant);
        if (cell == null) {
            cell = byVariant.computeIfAbsent(variant, v -> new Cell());
        }
        return cell;
    }

    /** A holdout decision answered with {@code variant}. Allocation-free once the variant has a cell. */
    public void holdoutDecision(String variant) {
        final Cell cell = cell(holdoutPrimaryScope, variant);
        cell.decisions.increment();
        cell.unshippedDecisions.increment();
    }

    /** A reward taken (journaled) for a decision of {@code group}. */
    public void reward(Group group, String metric, String variant, double reward) {
        final Cell cell = cell(group, metric, variant);
        cell.events.increment();
        if (reward > 0) {
            cell.successes.increment();
        }
        cell.sum.add(reward);
        cell.squareSum.add(reward * reward);
    }

    /** Holdout decisions of every variant. */
    public long holdoutDecisions() {
        long total = 0;
        final Map<String, Cell> byVariant = cells.get(holdoutPrimaryScope);
        if (byVariant != null) {
            for (final Cell cell : byVariant.values()) {
                total += cell.decisions();
            }
        }
        return total;
    }

    /** Sum over the variants of (group, metric): {events, successes} in longs, sums in {@code sums[0..1]}. */
    public long[] totals(Group group, String metric, double[] sums) {
        final long[] totals = new long[3];
        final Map<String, Cell> byVariant = cells.get(scope(group, metric, experiment));
        if (byVariant != null) {
            for (final Cell cell : byVariant.values()) {
                totals[0] += cell.decisions();
                totals[1] += cell.events();
                totals[2] += cell.successes();
                sums[0] += cell.sum();
                sums[1] += cell.squareSum();
            }
        }
        return totals;
    }

    /** Positive rewards (guardrail events that happened) of a scope over every variant. Allocation-free. */
    public long successes(String metricScope) {
        long total = 0;
        final Map<String, Cell> byVariant = cells.get(metricScope);
        if (byVariant != null) {
            for (final Cell cell : byVariant.values()) {
                total += cell.successes();
            }
        }
        return total;
    }

    /** Positive rewards of (scope, variant); 0 if none. Allocation-free. */
    public long successes(String metricScope, String variant) {
        final Map<String, Cell> byVariant = cells.get(metricScope);
        final Cell cell = byVariant == null ? null : byVariant.get(variant);
        return cell == null ? 0 : cell.successes();
    }

    /** Restores a cell from its aggregate row (at start, before any traffic). */
    public void restore(String scope, String variant, long decisions, long events, long successes, double sum,
                        double squareSum) {
        final Cell cell = cell(scope, variant);
        cell.decisions.add(decisions);
        cell.events.add(events);
        cell.successes.add(successes);
        cell.sum.add(sum);
        cell.squareSum.add(squareSum);
    }

    /** Takes the holdout decisions not yet shipped (each cell swapped to zero). */
    public List<DecisionDelta> drainDecisions() {
        final List<DecisionDelta> deltas = new ArrayList<>();
        final Map<String, Cell> byVariant = cells.get(holdoutPrimaryScope);
        if (byVariant != null) {
            for (final Map.Entry<String, Cell> entry : byVariant.entrySet()) {
                final long count = entry.getValue().unshippedDecisions.sumThenReset();
                if (count != 0) {
                    deltas.add(new DecisionDelta(holdoutPrimaryScope, entry.getKey(), count));
                }
            }
        }
        return deltas;
    }

    /** Gives back deltas that could not be shipped. */
    public void undrain(DecisionDelta delta) {
        cell(delta.scope(), delta.variant()).unshippedDecisions.add(delta.count());
    }
}
