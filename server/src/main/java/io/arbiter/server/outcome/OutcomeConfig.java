package io.arbiter.server.outcome;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the outcome pipeline, validated once at construction (immutable; {@code with*} methods return copies).
 * Every setting and its default is listed in {@code docs/persistence.md}.
 *
 * @param journalDir          directory of the local journal's segment files and checkpoint
 * @param maxJournalBytes     unshipped journal bytes (plus appends waiting for the writer) above which
 *                            {@code append} fails with {@link JournalFullException}
 * @param segmentBytes        size at which the journal rolls to a new segment file
 * @param appendQueueCapacity appends waiting for the journal writer thread (beyond it: {@link JournalFullException})
 * @param batchSize           maximum journal records (and, separately, decision rows) per Postgres transaction
 * @param flushInterval       how long the shipper waits for more events when a batch was not full
 * @param decisionSampleRate  fraction (0..1) of decisions whose row is written to {@code decisions}; every decision
 *                            is counted in {@code arm_aggregates.decisions} regardless
 * @param ringCapacityBytes   capacity of the in-memory decision ring (a power of two)
 * @param retryInitial        first back-off after a failed Postgres batch (doubled per failure)
 * @param retryMax            longest back-off
 * @param statementTimeout    how long the shipper waits for one Postgres transaction before treating it as failed
 * @param closeTimeout        how long {@code close()} keeps shipping before giving up (what is left stays journaled)
 */
public record OutcomeConfig(Path journalDir, long maxJournalBytes, long segmentBytes, int appendQueueCapacity,
                            int batchSize, Duration flushInterval, double decisionSampleRate, int ringCapacityBytes,
                            Duration retryInitial, Duration retryMax, Duration statementTimeout,
                            Duration closeTimeout) {

    public static final Path DEFAULT_JOURNAL_DIR = Path.of("data", "journal");
    public static final long DEFAULT_MAX_JOURNAL_BYTES = 1L << 30;
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_APPEND_QUEUE_CAPACITY = 1 << 16;
    public static final int DEFAULT_BATCH_SIZE = 2_000;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(50);
    public static final double DEFAULT_DECISION_SAMPLE_RATE = 1.0;
    public static final int DEFAULT_RING_CAPACITY_BYTES = 8 << 20;
    public static final Duration DEFAULT_RETRY_INITIAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    public OutcomeConfig {
        Objects.requireNonNull(journalDir, "journalDir");
        Objects.requireNonNull(flushInterval, "flushInterval");
        Objects.requireNonNull(retryInitial, "retryInitial");
        Objects.requireNonNull(retryMax, "retryMax");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segmentBytes must be at least 4096: " + segmentBytes);
        }
        if (maxJournalBytes < 2 * OutcomeCodec.MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("maxJournalBytes too small: " + maxJournalBytes);
        }
        if (appendQueueCapacity < 2) {
            throw new IllegalArgumentException("appendQueueCapacity must be at least 2: " + appendQueueCapacity);
        }
        if (batchSize < 1 || batchSize > 50_000) {
            throw new IllegalArgumentException("batchSize must be 1..50000: " + batchSize);
        }
        if (!(decisionSampleRate >= 0.0 && decisionSampleRate <= 1.0)) {
            throw new IllegalArgumentException("decisionSampleRate must be within 0..1: " + decisionSampleRate);
        }
        if (ringCapacityBytes < 4096 || Integer.bitCount(ringCapacityBytes) != 1) {
            throw new IllegalArgumentException("ringCapacityBytes must be a power of two >= 4096: "
                    + ringCapacityBytes);
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive");
        }
        if (retryInitial.isNegative() || retryInitial.isZero() || retryMax.compareTo(retryInitial) < 0) {
            throw new IllegalArgumentException("need 0 < retryInitial <= retryMax");
        }
    }

    public static OutcomeConfig defaults() {
        return new OutcomeConfig(DEFAULT_JOURNAL_DIR, DEFAULT_MAX_JOURNAL_BYTES, DEFAULT_SEGMENT_BYTES,
                DEFAULT_APPEND_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL,
                DEFAULT_DECISION_SAMPLE_RATE, DEFAULT_RING_CAPACITY_BYTES, DEFAULT_RETRY_INITIAL, DEFAULT_RETRY_MAX,
                DEFAULT_STATEMENT_TIMEOUT, DEFAULT_CLOSE_TIMEOUT);
    }

    public OutcomeConfig withJournalDir(Path value) {
        return new OutcomeConfig(value, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize, flushInterval,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withMaxJournalBytes(long value) {
        return new OutcomeConfig(journalDir, value, segmentBytes, appendQueueCapacity, batchSize, flushInterval,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withSegmentBytes(long value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, value, appendQueueCapacity, batchSize, flushInterval,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withAppendQueueCapacity(int value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, value, batchSize, flushInterval,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withBatchSize(int value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, value, flushInterval,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withFlushInterval(Duration value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize, value,
                decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withDecisionSampleRate(double value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize,
                flushInterval, value, ringCapacityBytes, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withRingCapacityBytes(int value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize,
                flushInterval, decisionSampleRate, value, retryInitial, retryMax, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withRetry(Duration initial, Duration max) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize,
                flushInterval, decisionSampleRate, ringCapacityBytes, initial, max, statementTimeout, closeTimeout);
    }

    public OutcomeConfig withStatementTimeout(Duration value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize,
                flushInterval, decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, value, closeTimeout);
    }

    public OutcomeConfig withCloseTimeout(Duration value) {
        return new OutcomeConfig(journalDir, maxJournalBytes, segmentBytes, appendQueueCapacity, batchSize,
                flushInterval, decisionSampleRate, ringCapacityBytes, retryInitial, retryMax, statementTimeout, value);
    }
}
