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
 * <p>The checkpoint file {@code checkpoint} holds the position up to which everything is committed in Postgres:
 * magic (int32), position (int64), CRC32C of the position (int32). It is replaced atomically (write a temporary file,
 * fsync, rename, fsync the directory). The file {@code lock} carries an OS lock held by the pipeline using the
 * journal.
 */
final class JournalDescriptor {

    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    static final int HEADER_LENGTH = 8;

    static final String SEGMENT_PREFIX = "segment-";
    static final String SEGMENT_SUFFIX = ".log";
    static final String CHECKPOINT_FILE = "checkpoint";
    static final String CHECKPOINT_TEMP_FILE = "checkpoint.tmp";
    static final String LOCK_FILE = "lock";
    static final int CHECKPOINT_MAGIC = 0x41524A31; // "ARJ1"
    static final int CHECKPOINT_LENGTH = 16;

    private JournalDescriptor() {
    }

    static String segmentFileName(long base) {
        return String.format("%s%020d%s", SEGMENT_PREFIX, base, SEGMENT_SUFFIX);
    }

    /** The base position encoded in a segment file name, or -1 if the name is not a segment's. */
    static long segmentBase(Path file) {
        final String name = file.getFileName().toString();
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
