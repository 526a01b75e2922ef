package io.arbiter.bandits.offheap;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * What {@link MappedFile} needs to know about a structure's header: its magic number and version (always the first
 * two ints), where its clean-close flag lives, how long the header is, and how long the whole file must be according
 * to the header. One constant per structure, kept in the structure's {@code *Descriptor} beside its diagram.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                MAGIC (int, written last on creation)          |   0
 *  |                VERSION (int)                                  |   4
 *  |                ... the structure's own fields ...             |   8
 *  |                CLEAN_CLOSE (long at cleanCloseOffset: 1 when  |
 *  |                closed cleanly, 0 while open or after a crash) |
 *  |                ... up to headerLength, then the records ...   |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * @param description    what the file holds, for error messages ("posterior table")
 * @param magic          the structure's magic number; not 0 (a zero-filled file must not pass)
 * @param version        the layout version; bump it when a field moves
 * @param cleanCloseOffset offset of the 8-byte clean-close flag: a multiple of 8, at least 8, inside the header
 * @param headerLength   length of the header in bytes: a positive multiple of 8 (a multiple of the cache line keeps
 *                       the records after it aligned)
 * @param requiredLength the length in bytes the whole file must have according to its header (from a capacity field,
 *                       say), or a negative number when the header's fields are inconsistent; called only after the
 *                       magic and version matched
 */
public record MappedFileLayout(String description, int magic, int version, int cleanCloseOffset, int headerLength,
                               ToLongFunction<DirectBuffer> requiredLength) {
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;

    public MappedFileLayout {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(requiredLength, "requiredLength");
        if (magic == 0) {
            throw new IllegalArgumentException("magic must not be 0: a zero-filled file would pass as valid");
        }
        if (headerLength <= 0 || (headerLength & 7) != 0) {
            throw new IllegalArgumentException("headerLength must be a positive multiple of 8, was " + headerLength);
        }
        if (cleanCloseOffset < 8 || (cleanCloseOffset & 7) != 0 || cleanCloseOffset + 8 > headerLength) {
            throw new IllegalArgumentException("cleanCloseOffset must be a multiple of 8 in 8.." + (headerLength - 8)
                + ", was " + cleanCloseOffset);
        }
    }

    /**
     * Writes a new header into {@code buffer}: the version, the clean-close flag (0: open), the structure's own fields
     * through {@code fields}, and the magic number last with a release store, so a creation torn by a crash is
     * recognisable (its magic is still 0) and a thread that sees the magic sees every field written before it.
     *
     * @param buffer a zero-filled buffer at least {@link #headerLength()} bytes long
     * @param fields writes the structure's own header fields (plain stores are enough: the magic publishes them)
     */
    public void initialise(AtomicBuffer buffer, Consumer<AtomicBuffer> fields) {
        buffer.putInt(VERSION_OFFSET, version);
        buffer.putLong(cleanCloseOffset, 0);
        fields.accept(buffer);
        buffer.putIntRelease(MAGIC_OFFSET, magic);
    }

    /** Why {@code buffer} of {@code length} bytes is not a usable file of this layout, or null when it is. */
    String problem(DirectBuffer buffer, long length) {
        if (length < headerLength || buffer.getInt(MAGIC_OFFSET) != magic) {
            return "is not a " + description + " (bad magic)";
        }
        if (buffer.getInt(VERSION_OFFSET) != version) {
            return "has " + description + " version " + buffer.getInt(VERSION_OFFSET) + ", expected " + version;
        }
        final long required = requiredLength.applyAsLong(buffer);
        if (required < 0) {
            return "has an inconsistent " + description + " header";
        }
        if (length < required) {
            return "is truncated: " + length + " bytes, its header needs " + required;
        }
        return null;
    }
}
