package io.arbiter.bandits.context;

import io.arbiter.bandits.table.ArmRecordDescriptor;

/**
 * Layout of a {@link SegmentStore}'s index file: a header, then an open-addressing table of experiment records (the
 * per-experiment segment budget and fallback counter), then an open-addressing table of segment entries. Both tables
 * are linearly probed from {@code key & (slots - 1)}; keys are claimed by CAS from 0 and never removed.
 *
 * <pre>
 *  header (128 bytes)
 *  +---------------------------------------------------------------+
 *  | MAGIC "ARBS" (int)            | VERSION (int)                 |   0
 *  | SEGMENT_SLOTS (int, 2^n)      | EXPERIMENT_SLOTS (int, 2^n)   |   8
 *  | SEGMENTS (long, created)                                      |  16
 *  | REFUSED_INDEX_FULL (long)                                     |  24
 *  | REFUSED_ARMS_FULL (long)                                      |  32
 *  | CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)       |  40
 *  | SKIPPED_PENDING (long, updates that met a block being made)   |  48
 *  | VARIANT_OVERFLOWS (long, ordinals beyond a segment's blocks)  |  56
 *  | (padding to 128 bytes)                                        |
 *  +---------------------------------------------------------------+
 *
 *  experiment record (64 bytes, one cache line) x EXPERIMENT_SLOTS
 *  +---------------------------------------------------------------+
 *  | EXPERIMENT_KEY (long; 0 = empty; CAS-claimed)                 |   0
 *  | SEGMENTS (long; CAS-reserved below the experiment's max)      |   8
 *  | CAPACITY_FALLBACKS (long; decisions served by a parent        |  16
 *  |                     because a segment could not be created)  |
 *  | (padding)                                                     |  24
 *  +---------------------------------------------------------------+
 *
 *  segment entry (128 bytes, two cache lines) x SEGMENT_SLOTS
 *  +---------------------------------------------------------------+
 *  | KEY (long; 0 = empty; CAS-claimed)                            |   0  \
 *  | EXPERIMENT (long, experiment key)                             |   8   |
 *  | LEVEL (long, level key)                                       |  16   | line 1: read by every lookup,
 *  | BLOCK_0 (long: arm count << 32 | first arm; 0 while pending)  |  24   | written once per block
 *  | BLOCK_1 .. BLOCK_4 (long: 0 none, -1 being made, -2 failed)   |  32   |
 *  +---------------------------------------------------------------+
 *  | REWARDS (long, rewards recorded in the segment, all variants) |  64  \ line 2: counters written on
 *  | DECISIONS (long, decisions counted in the segment)            |  72   | every reward and decision
 *  | (padding)                                                     |  80  /
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A segment's per-variant statistics are arm records of the store's {@code PosteriorTable}
 * ({@link ArmRecordDescriptor}): block 0 holds the ordinals {@code 0..count0-1}, block 1 the next {@code count1},
 * and so on. Block 0 is sized from the experiment's variants at creation; later blocks are claimed when a variant
 * added after the segment's creation is first counted, each at least twice the ordinals already covered (so five
 * blocks cover at least 4 + 8 + 24 + 72 + 216 = 324 ordinals whatever the growth). The lookup line is kept apart from
 * the counter line so that lookups from every core do not miss on the counters' writes.
 */
public final class SegmentIndexDescriptor {
    public static final int MAGIC = 0x41524253; // "ARBS"
    public static final int VERSION = 1;
    public static final int CACHE_LINE_LENGTH = ArmRecordDescriptor.CACHE_LINE_LENGTH;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int SEGMENT_SLOTS_OFFSET = 8;
    public static final int EXPERIMENT_SLOTS_OFFSET = 12;
    public static final int SEGMENTS_OFFSET = 16;
    public static final int REFUSED_INDEX_FULL_OFFSET = 24;
    public static final int REFUSED_ARMS_FULL_OFFSET = 32;
    public static final int CLEAN_CLOSE_OFFSET = 40;
    public static final int SKIPPED_PENDING_OFFSET = 48;
    public static final int VARIANT_OVERFLOWS_OFFSET = 56;
    public static final int HEADER_LENGTH = 2 * CACHE_LINE_LENGTH;

    public static final int EXPERIMENT_RECORD_LENGTH = CACHE_LINE_LENGTH;
    public static final int EXPERIMENT_KEY_OFFSET = 0;
    public static final int EXPERIMENT_SEGMENTS_OFFSET = 8;
    public static final int EXPERIMENT_FALLBACKS_OFFSET = 16;

    public static final int ENTRY_LENGTH = 2 * CACHE_LINE_LENGTH;
    public static final int KEY_OFFSET = 0;
    public static final int EXPERIMENT_OFFSET = 8;
    public static final int LEVEL_OFFSET = 16;
    public static final int BLOCK_0_OFFSET = 24;
    public static final int BLOCKS = 5;
    public static final int REWARDS_OFFSET = 64;
    public static final int DECISIONS_OFFSET = 72;

    /** A block word while its claimer allocates its arms. */
    public static final long BLOCK_CLAIMING = -1L;
    /** A block word whose arms could not be allocated (the arm table was full). */
    public static final long BLOCK_FAILED = -2L;
    /** Arms of a new segment's first block are a multiple of this. */
    public static final int BLOCK_GRANULE = 4;

    /** Most slots either table may have: keeps the file's offsets within an int. */
    public static final int MAX_SEGMENT_SLOTS = 1 << 23;
    public static final int MAX_EXPERIMENT_SLOTS = 1 << 16;

    private SegmentIndexDescriptor() {
    }

    public static long fileLength(int segmentSlots, int experimentSlots) {
        return HEADER_LENGTH + (long) experimentSlots * EXPERIMENT_RECORD_LENGTH + (long) segmentSlots * ENTRY_LENGTH;
    }

    public static int experimentOffset(int slot) {
        return HEADER_LENGTH + slot * EXPERIMENT_RECORD_LENGTH;
    }

    public static int entryOffset(int experimentSlots, int slot) {
        return HEADER_LENGTH + experimentSlots * EXPERIMENT_RECORD_LENGTH + slot * ENTRY_LENGTH;
    }

    public static int blockOffset(int block) {
        return BLOCK_0_OFFSET + 8 * block;
    }

    /** A published block word: {@code count << 32 | firstArm}, always positive. */
    public static long block(int firstArm, int count) {
        return ((long) count << 32) | (firstArm & 0xFFFF_FFFFL);
    }

    public static int blockFirstArm(long block) {
        return (int) block;
    }

    public static int blockCount(long block) {
        return (int) (block >>> 32);
    }
}
