package io.arbiter.server.outcome;

import java.nio.file.Path;

/**
 * On-disk layout of the journal.
 *
 * <p>The journal is a sequence of segment files {@code segment-<base>.log}, where {@code <base>} (20 digits) is the
 * journal position of the segment's first byte: positions grow forever across segments, so "shipped up to position P"
 * is one number. Each record is framed as:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    payload length (int32)                     |
 *  +---------------------------------------------------------------+
 *  |                 CRC32C of the payload (int32)                 |
 *  +---------------------------------------------------------------+
 *  |                 payload ({@link OutcomeCodec}) ...            |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A record whose length is out of range, runs past the end of the file, or whose CRC does not match ends the valid
 * part of a segment (a torn write at the tail after a crash); recovery truncates the file there.
 *
 * <p>The checkpoint file {@code checkpoint} holds the position up to which everything is committed in Postgres, in
 * {@link #CHECKPOINT_LENGTH} bytes ({@link OutcomeCodec#ORDER} byte order):
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 CHECKPOINT_MAGIC "ARJ1" (int32)               |   0
 *  +---------------------------------------------------------------+
 *  |                 shipped position (int64) ...                  |   4
 *  +                                                               +
 *  |                 ... shipped position                          |   8
 *  +---------------------------------------------------------------+
 *  |                 CRC32C of the position's 8 bytes (int32)      |  12
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>It is replaced atomically (write a temporary file, fsync, rename, fsync the directory); a file of another length,
 * magic or CRC is treated as damaged (every segment on disk is replayed, which is safe: shipping is idempotent). The
 * file {@code lock} carries an OS lock held by the pipeline using the journal.
 */
final class JournalDescriptor {

    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    static final int HEADER_LENGTH = 8;

    static final String SEGMENT_PREFIX = "segment-";
    static final String SEGMENT_SUFFIX = ".log";
    static final String CHECKPOINT_FILE = "checkpoint";
    static final String LOCK_FILE = "lock";
    static final int CHECKPOINT_MAGIC = 0x41524A31; // "ARJ1"
    static final int CHECKPOINT_MAGIC_OFFSET = 0;
    static final int CHECKPOINT_POSITION_OFFSET = 4;
    static final int CHECKPOINT_CRC_OFFSET = 12;
    static final int CHECKPOINT_LENGTH = 16;

    /** What {@link #segmentBase} returns for a file name that is not a segment's. */
    static final long NOT_A_SEGMENT = -1;

    private JournalDescriptor() {
    }

    static String segmentFileName(long base) {
        return String.format("%s%020d%s", SEGMENT_PREFIX, base, SEGMENT_SUFFIX);
    }

    /** The base position encoded in a segment file name, or {@link #NOT_A_SEGMENT}. */
    static long segmentBase(Path file) {
        final String name = file.getFileName().toString();
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX)) {
            return NOT_A_SEGMENT;
        }
        try {
            final long base = Long.parseLong(name.substring(SEGMENT_PREFIX.length(),
                    name.length() - SEGMENT_SUFFIX.length()));
            return base >= 0 ? base : NOT_A_SEGMENT;
        } catch (NumberFormatException e) {
            return NOT_A_SEGMENT;
        }
    }
}
