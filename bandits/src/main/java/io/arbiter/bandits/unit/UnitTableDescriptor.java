package io.arbiter.bandits.unit;

/**
 * Layout of a {@link UnitTable}: a 128-byte header, then {@code 2^bucketsLog2} buckets of 256 bytes (four cache
 * lines), each holding up to {@value #SLOTS} entries keyed by a 64-bit hash.
 *
 * <pre>
 *  header
 *  +---------------------------------------------------------------+
 *  | MAGIC "ARBU" (int)            | VERSION (int)                 |   0
 *  | BUCKETS_LOG2 (int)            | KIND (int: caps 1, sticky 2)  |   8
 *  | EPOCH_MILLIS (long, origin of the stored times)               |  16
 *  | CLEAN_CLOSE (long, 1 when closed cleanly, 0 while open)       |  24
 *  | INSERTS (long)                                                |  32
 *  | EVICTED_EXPIRED (long)                                        |  40
 *  | EVICTED_LIVE (long)                                           |  48
 *  | ABANDONED (long, operations that gave up on a busy entry)     |  56
 *  | RECOVERED (long, claims completed when opened after a crash)  |  64
 *  | (padding to 128 bytes)                                        |
 *  +---------------------------------------------------------------+
 *
 *  bucket (256 bytes)
 *  +---------------------------------------------------------------+
 *  | CLAIM (long: even when free, odd while a new key is claimed)  |   0
 *  | KEY 0 .. KEY 9 (long each; 0 = empty)                         |   8 .. 87
 *  | VALUE 0 .. VALUE 9 (long each)                                |  88 .. 167
 *  | EXPIRES 0 .. EXPIRES 9 (long each, ms since the epoch; hint)  | 168 .. 247
 *  | (padding)                                                     | 248
 *  +---------------------------------------------------------------+
 *
 *  VALUE (and each record WORD)
 *   63        56  55  54                                          0
 *  +------------+---+----------------------------------------------+
 *  | TAG (8)    | R | PAYLOAD (55 bits, the store's own)           |
 *  +------------+---+----------------------------------------------+
 *
 *  records (kind 3, frequency caps by unit: after the last bucket, one per slot, in slot order)
 *  +---------------------------------------------------------------+
 *  | WORD 0 .. WORD 7 (long each, the VALUE format; 64 bytes)      |   bucket * 640 + index * 64
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p><b>Records.</b> A table of kind {@value #KIND_CAP_RECORDS} gives every slot a record of {@value #RECORD_WORDS}
 * words in one cache line of its own, so one key (a unit's group of eight variants) holds eight counts that are read
 * together: a lookup reads the bucket's key lines and one record line, instead of one entry, with its own key scan,
 * per variant. Each word carries its own {@code TAG} and {@code R}: a claim reserves the slot's {@code VALUE} (which
 * excludes other claims) and then every word, so a compare-and-set of a word read under the slot's previous key
 * fails exactly as one of the slot's value does. The records start 64-byte aligned (the header is 128 bytes and a
 * bucket 256).
 *
 * <p>Keys are grouped so that a lookup reads the bucket's first two cache lines (the adjacent-line prefetcher
 * fetches them as a pair) and then one value. {@code TAG} counts the times the slot has been given to a new key
 * (mod 256) and {@code R} marks a value reserved by a claim in progress: together they make a compare-and-set of a
 * value read before the slot changed hands fail (see {@link UnitTable}). {@code EXPIRES} is a hint for eviction
 * only: when its entry stops mattering; nothing counted depends on it.
 */
public final class UnitTableDescriptor {
    public static final int MAGIC = 0x41524255; // "ARBU"
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int BUCKETS_LOG2_OFFSET = 8;
    public static final int KIND_OFFSET = 12;
    public static final int EPOCH_MILLIS_OFFSET = 16;
    public static final int CLEAN_CLOSE_OFFSET = 24;
    public static final int INSERTS_OFFSET = 32;
    public static final int EVICTED_EXPIRED_OFFSET = 40;
    public static final int EVICTED_LIVE_OFFSET = 48;
    public static final int ABANDONED_OFFSET = 56;
    public static final int RECOVERED_OFFSET = 64;
    public static final int HEADER_LENGTH = 128;

    /** Entries per bucket. */
    public static final int SLOTS = 10;
    public static final int BUCKET_LENGTH = 256;
    public static final int CLAIM_OFFSET = 0;
    public static final int KEYS_OFFSET = 8;
    public static final int VALUES_OFFSET = KEYS_OFFSET + 8 * SLOTS;
    public static final int EXPIRES_OFFSET = VALUES_OFFSET + 8 * SLOTS;

    public static final int TAG_SHIFT = 56;
    public static final long RESERVED_BIT = 1L << 55;
    public static final long PAYLOAD_MASK = RESERVED_BIT - 1;

    /** Largest table: 2^22 buckets (1 GiB, 41.9 M entries); a mapped buffer is at most 2 GiB. */
    public static final int MAX_BUCKETS_LOG2 = 22;

    /** Kind of a table whose slots carry a record each (frequency caps by unit). */
    public static final int KIND_CAP_RECORDS = 3;
    /** Words per record. */
    public static final int RECORD_WORDS = 8;
    /** A record's length: one cache line. */
    public static final int RECORD_LENGTH = 8 * RECORD_WORDS;
    /** Largest table with records: 2^21 buckets (1.75 GiB: 512 MiB of buckets, 1.25 GiB of records). */
    public static final int MAX_RECORD_BUCKETS_LOG2 = 21;

    private UnitTableDescriptor() {
    }

    public static long tableLength(int bucketsLog2) {
        return HEADER_LENGTH + ((long) BUCKET_LENGTH << bucketsLog2);
    }

    /** The length of a table of {@code kind}: its buckets, and for {@link #KIND_CAP_RECORDS} its records after them. */
    public static long tableLength(int kind, int bucketsLog2) {
        return tableLength(bucketsLog2) + (kind == KIND_CAP_RECORDS ? (long) SLOTS * RECORD_LENGTH << bucketsLog2 : 0);
    }

    /** Largest {@code bucketsLog2} of a table of {@code kind}. */
    public static int maxBucketsLog2(int kind) {
        return kind == KIND_CAP_RECORDS ? MAX_RECORD_BUCKETS_LOG2 : MAX_BUCKETS_LOG2;
    }

    public static int tag(long value) {
        return (int) (value >>> TAG_SHIFT);
    }

    public static boolean isReserved(long value) {
        return (value & RESERVED_BIT) != 0;
    }

    public static long payload(long value) {
        return value & PAYLOAD_MASK;
    }

    /** A value with the given tag and payload, not reserved. */
    public static long value(int tag, long payload) {
        return ((long) (tag & 0xFF) << TAG_SHIFT) | (payload & PAYLOAD_MASK);
    }
}
