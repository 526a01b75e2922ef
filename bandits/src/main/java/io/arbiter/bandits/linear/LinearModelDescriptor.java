package io.arbiter.bandits.linear;

import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Layout of a {@link LinearModelTable}: a header, one record per variant, the observation ring (an Agrona
 * many-to-one ring buffer, in the same file so that accepted observations survive a restart), then the replay
 * positions: for each other source whose observations are replayed into this model (another server node), the
 * newest number of it the model contains.
 *
 * <pre>
 *  header (128 bytes)
 *  +---------------------------------------------------------------+
 *  | MAGIC "ARBL" (int)            | VERSION (int)                 |   0
 *  | DIMENSION (int, d)            | VARIANT_CAPACITY (int)        |   8
 *  | RING_CAPACITY (int, 2^n)      | RECORD_LENGTH (int)           |  16
 *  | LAMBDA (double, ridge prior precision)                        |  24
 *  | NOISE_VARIANCE (double, sigma^2)                              |  32
 *  | CLEAN_CLOSE (long)                                            |  40
 *  | APPLIED (long, observations applied)                          |  48
 *  | REJECTED (long, offers refused: ring full)                    |  56
 *  | (padding to 128 bytes)                                        |
 *  +---------------------------------------------------------------+
 *
 *  variant record (RECORD_LENGTH bytes) x VARIANT_CAPACITY
 *  +---------------------------------------------------------------+
 *  | ACTIVE (long: the published copy, 0 or 1) | (padding)         |   0   control line
 *  +---------------------------------------------------------------+
 *  | copy 0:  SEQUENCE (long; odd while written) | COUNT (long)    |  64   copy header line
 *  |          LAST_POSITION (long, ring position of the last       |
 *  |          observation applied) | SINCE_REFACTOR (long)         |
 *  |          PRECISION A (d x d doubles), padded to 64 bytes      |
 *  |          B (d doubles: sum of reward x), padded               |
 *  |          COVARIANCE A^-1 (d x d doubles), padded              |
 *  |          MEAN A^-1 b (d doubles), padded                      |
 *  +---------------------------------------------------------------+
 *  | copy 1:  the same                                             |
 *  +---------------------------------------------------------------+
 *
 *  ring: RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH bytes
 *
 *  replay positions (version 2): SOURCE_SLOTS x 16 bytes
 *  +---------------------------------------------------------------+
 *  | SOURCE (long, the source's key; 0: a free slot)               |   0
 *  | REPLAYED (long, its newest number this model contains)        |   8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Two copies per variant so that the single writer never writes the copy readers are pointed at: it copies the
 * published copy into the other, applies an observation there, and flips {@code ACTIVE}. A copy's
 * {@code SEQUENCE} is a seqlock: odd while written, so a reader still reading a copy the writer has since started
 * overwriting (two flips during one read) sees the change and reads again. The published copy is always complete,
 * so the file is consistent whenever the process dies. {@code LAST_POSITION} makes applying exactly-once across a
 * crash: an observation still in the ring after a restart is skipped if its position is not after it.
 *
 * <p>The replay positions sit in the same file as the model and are written by its one writer, after the observation
 * they count is published: a model and what it has of each source cannot disagree. A replayed observation whose
 * number is not after its source's position is skipped (offered twice, or again after a restart), and a model whose
 * file is new has no positions, so its sources replay everything into it. They come last so that a version 1 file
 * (no positions) is upgraded by growing it; 256 slots of 16 bytes, 4 KiB (right after the ring's trailer, so not
 * page-aligned: on a machine crash they may span two pages of different ages).
 */
public final class LinearModelDescriptor {
    public static final int MAGIC = 0x4152424C; // "ARBL"
    public static final int VERSION = 2;
    /** Files of version 1 have no replay positions; they are grown and upgraded when opened. */
    public static final int VERSION_WITHOUT_POSITIONS = 1;
    public static final int CACHE_LINE_LENGTH = 64;
    /** Largest dimension d. */
    public static final int MAX_DIMENSION = 64;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int DIMENSION_OFFSET = 8;
    public static final int VARIANT_CAPACITY_OFFSET = 12;
    public static final int RING_CAPACITY_OFFSET = 16;
    public static final int RECORD_LENGTH_OFFSET = 20;
    public static final int LAMBDA_OFFSET = 24;
    public static final int NOISE_VARIANCE_OFFSET = 32;
    public static final int CLEAN_CLOSE_OFFSET = 40;
    public static final int APPLIED_OFFSET = 48;
    public static final int REJECTED_OFFSET = 56;
    public static final int HEADER_LENGTH = 2 * CACHE_LINE_LENGTH;

    public static final int ACTIVE_OFFSET = 0;
    public static final int COPY_0_OFFSET = CACHE_LINE_LENGTH;
    public static final int SEQUENCE_OFFSET = 0;
    public static final int COUNT_OFFSET = 8;
    public static final int LAST_POSITION_OFFSET = 16;
    public static final int SINCE_REFACTOR_OFFSET = 24;
    public static final int PRECISION_OFFSET = CACHE_LINE_LENGTH;

    /** Sources (other nodes) whose replay positions a model keeps. */
    public static final int SOURCE_SLOTS = 256;
    public static final int SOURCE_OFFSET = 0;
    public static final int REPLAYED_OFFSET = 8;
    public static final int SOURCE_SLOT_LENGTH = 16;
    public static final int SOURCES_LENGTH = SOURCE_SLOTS * SOURCE_SLOT_LENGTH;

    private LinearModelDescriptor() {
    }

    private static int padded(int bytes) {
        return (bytes + CACHE_LINE_LENGTH - 1) / CACHE_LINE_LENGTH * CACHE_LINE_LENGTH;
    }

    /** Offset of B within a copy. */
    public static int bOffset(int d) {
        return PRECISION_OFFSET + padded(8 * d * d);
    }

    /** Offset of the covariance within a copy. */
    public static int covarianceOffset(int d) {
        return bOffset(d) + padded(8 * d);
    }

    /** Offset of the mean within a copy. */
    public static int meanOffset(int d) {
        return covarianceOffset(d) + padded(8 * d * d);
    }

    public static int copyLength(int d) {
        return meanOffset(d) + padded(8 * d);
    }

    /** Offset of copy {@code c} (0 or 1) within a variant record. */
    public static int copyOffset(int d, int c) {
        return COPY_0_OFFSET + c * copyLength(d);
    }

    public static int recordLength(int d) {
        return COPY_0_OFFSET + 2 * copyLength(d);
    }

    public static long recordOffset(int d, int variant) {
        return HEADER_LENGTH + (long) variant * recordLength(d);
    }

    public static long ringOffset(int d, int variants) {
        return recordOffset(d, variants);
    }

    /** Length of a version 1 file: no replay positions. */
    public static long fileLengthWithoutPositions(int d, int variants, int ringCapacity) {
        return ringOffset(d, variants) + ringCapacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    public static long sourcesOffset(int d, int variants, int ringCapacity) {
        return fileLengthWithoutPositions(d, variants, ringCapacity);
    }

    public static long fileLength(int d, int variants, int ringCapacity) {
        return sourcesOffset(d, variants, ringCapacity) + SOURCES_LENGTH;
    }

    /**
     * Bytes of one observation message: ordinal (int), padding, reward (double), x (d doubles). The ring's message
     * type says what it is: 1 an observation, 2 the take-back of one the model contains (the same bytes), 3 a
     * replayed observation (the same bytes, then its source's key and number: {@link #replayedMessageLength}), 4 a
     * replay position (source's key, number: {@link #POSITION_MESSAGE_LENGTH} bytes).
     */
    public static int messageLength(int d) {
        return 16 + 8 * d;
    }

    /** Bytes of a replayed observation: an observation, then its source's key (long) and number (long). */
    public static int replayedMessageLength(int d) {
        return messageLength(d) + 16;
    }

    /** Bytes of a replay position message: the source's key (long), the number (long). */
    public static final int POSITION_MESSAGE_LENGTH = 16;
}
