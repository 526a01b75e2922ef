package io.arbiter.bandits.table;

import io.arbiter.bandits.offheap.MappedFileLayout;

/**
 * Layout of a {@link PosteriorTable}'s header, which precedes the arm records (so records stay cache-line aligned
 * when the buffer itself is).
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  | MAGIC (int)                   | VERSION (int)                 |   0
 *  | CAPACITY (int, arms)          | RECORD_LENGTH (int)           |   8
 *  | EPOCH_MILLIS (long, origin of the decay weights)              |  16
 *  | ARMS_ALLOCATED (long)                                         |  24
 *  | CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)       |  32
 *  | SKIPPED_DECAYED_UPDATES (long)                                |  40
 *  | (padding to 128 bytes)                                        |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>{@link #LAYOUT} is what {@link io.arbiter.bandits.offheap.MappedFile} validates a table file against.
 */
public final class TableHeaderDescriptor {
    public static final int MAGIC = 0x41524254; // "ARBT"
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int CAPACITY_OFFSET = 8;
    public static final int RECORD_LENGTH_OFFSET = 12;
    public static final int EPOCH_MILLIS_OFFSET = 16;
    public static final int ARMS_ALLOCATED_OFFSET = 24;
    public static final int CLEAN_CLOSE_OFFSET = 32;
    public static final int SKIPPED_DECAYED_UPDATES_OFFSET = 40;

    public static final int HEADER_LENGTH = 2 * ArmRecordDescriptor.CACHE_LINE_LENGTH;

    /** Magic, version, clean-close flag and length check of a table file. */
    public static final MappedFileLayout LAYOUT = new MappedFileLayout("posterior table", MAGIC, VERSION,
        CLEAN_CLOSE_OFFSET, HEADER_LENGTH, header -> {
            final int capacity = header.getInt(CAPACITY_OFFSET);
            final boolean consistent = capacity > 0 && header.getInt(RECORD_LENGTH_OFFSET)
                == ArmRecordDescriptor.RECORD_LENGTH;
            return consistent ? tableLength(capacity) : -1;
        });

    private TableHeaderDescriptor() {
    }

    /**
     * Length in bytes of a table of {@code capacity} arms, header included.
     *
     * @param capacity number of arm records, 0 or more
     */
    public static long tableLength(int capacity) {
        return HEADER_LENGTH + (long) capacity * ArmRecordDescriptor.RECORD_LENGTH;
    }
}
