package io.arbiter.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * What the outcome pipeline records, by intent; every meter is resolved once here, so recording is a field read and
 * an add. Obtained from {@link Metrics#outcomes()}.
 */
public final class OutcomeMetrics {
    private final Counter decisionsOffered;
    private final Counter decisionsSampledOut;
    private final Counter decisionRowsDropped;
    private final Counter decisionRowsUnstorable;
    private final Counter appends;
    private final Counter appendsRejected;
    private final Counter appendsFailed;
    private final DistributionSummary groupSize;
    private final Timer fsync;
    private final DistributionSummary batchSize;
    private final Timer batchDuration;
    private final Counter journalRowsInserted;
    private final Counter decisionRowsInserted;
    private final Counter duplicates;
    private final Counter insertErrors;
    private final Counter retries;
    private final Counter corruptRecords;

    OutcomeMetrics(MeterRegistry registry) {
        decisionsOffered = counter(registry, MetricName.OUTCOME_DECISIONS_OFFERED);
        decisionsSampledOut = counter(registry, MetricName.OUTCOME_DECISIONS_SAMPLED_OUT);
        decisionRowsDropped = dropped(registry, "full");
        decisionRowsUnstorable = dropped(registry, "unstorable");
        appends = counter(registry, MetricName.OUTCOME_APPENDS);
        appendsRejected = counter(registry, MetricName.OUTCOME_APPENDS_REJECTED);
        appendsFailed = counter(registry, MetricName.OUTCOME_APPENDS_FAILED);
        groupSize = summary(registry, MetricName.OUTCOME_JOURNAL_GROUP_SIZE);
        fsync = timer(registry, MetricName.OUTCOME_JOURNAL_FSYNC);
        batchSize = summary(registry, MetricName.OUTCOME_PG_BATCH_SIZE);
        batchDuration = timer(registry, MetricName.OUTCOME_PG_BATCH_DURATION);
        journalRowsInserted = Counter.builder(MetricName.OUTCOME_PG_ROWS_INSERTED.metricName())
            .description(MetricName.OUTCOME_PG_ROWS_INSERTED.description()).tag("kind", "journal").register(registry);
        decisionRowsInserted = Counter.builder(MetricName.OUTCOME_PG_ROWS_INSERTED.metricName())
            .description(MetricName.OUTCOME_PG_ROWS_INSERTED.description()).tag("kind", "decision").register(registry);
        duplicates = counter(registry, MetricName.OUTCOME_PG_DUPLICATES);
        insertErrors = counter(registry, MetricName.OUTCOME_PG_INSERT_ERRORS);
        retries = counter(registry, MetricName.OUTCOME_PG_RETRIES);
        corruptRecords = counter(registry, MetricName.OUTCOME_JOURNAL_CORRUPT_RECORDS);
    }

    /** A decision was offered (and counted per arm), whether or not its row is logged. */
    public void decisionOffered() {
        decisionsOffered.increment();
    }

    /** A decision's row was left out by sampling. */
    public void decisionSampledOut() {
        decisionsSampledOut.increment();
    }

    /**
     * A decision's row was dropped: the ring was full, or ({@code unstorable}) the row could not be encoded. The one
     * place a dropped decision is counted.
     */
    public void decisionRowDropped(boolean unstorable) {
        (unstorable ? decisionRowsUnstorable : decisionRowsDropped).increment();
    }

    /** One group commit made {@code count} appends durable. */
    public void appended(int count) {
        appends.increment(count);
        groupSize.record(count);
    }

    /** An append was refused because the journal was full. */
    public void appendRejected() {
        appendsRejected.increment();
    }

    /** {@code count} appends failed to reach the journal (I/O error). */
    public void appendsFailed(int count) {
        appendsFailed.increment(count);
    }

    /** One journal fsync took {@code nanos}. */
    public void fsynced(long nanos) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One shipping transaction committed. */
    public void batchCommitted(int rows, long nanos, int outcomesInserted, int decisionsInserted,
                               int outcomesDuplicate) {
        batchSize.record(rows);
        batchDuration.record(nanos, TimeUnit.NANOSECONDS);
        journalRowsInserted.increment(outcomesInserted);
        decisionRowsInserted.increment(decisionsInserted);
        duplicates.increment(outcomesDuplicate);
    }

    /** One shipping transaction failed; {@code willRetry} when it is tried again after a back-off. */
    public void batchFailed(boolean willRetry) {
        insertErrors.increment();
        if (willRetry) {
            retries.increment();
        }
    }

    /** {@code count} more journal records failed their CRC while shipping. */
    public void corruptRecords(long count) {
        corruptRecords.increment(count);
    }

    private static Counter counter(MeterRegistry registry, MetricName name) {
        return Counter.builder(name.metricName()).description(name.description()).baseUnit(name.baseUnit())
            .register(registry);
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        final MetricName name = MetricName.OUTCOME_DECISIONS_DROPPED;
        return Counter.builder(name.metricName()).description(name.description()).tag("reason", reason)
            .register(registry);
    }

    private static DistributionSummary summary(MeterRegistry registry, MetricName name) {
        return DistributionSummary.builder(name.metricName()).description(name.description())
            .baseUnit(name.baseUnit()).register(registry);
    }

    private static Timer timer(MeterRegistry registry, MetricName name) {
        return Timer.builder(name.metricName()).description(name.description()).register(registry);
    }
}
