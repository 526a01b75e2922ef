package io.arbiter.server.outcome;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Binary layout of one {@link OutcomeEvent}, shared by the decision ring and the journal (where it is the payload of
 * a framed record, see {@link JournalDescriptor}). Little-endian; strings are UTF-8 with a 16-bit length.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      time millis (int64)                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         value (float64)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          code (int32)                         |
 *  +---------------+---------------+-------------------------------+
 *  |  kind (int8)  | version (int8)|  v2: flags (int32) ...        |
 *  +---------------+---------------+-------------------------------+
 *  |  ... flags    | id length (uint16) | id bytes ... | scope length | scope ... | arm length | arm ... |
 *  | unit length | unit ... | v2: context length (uint16) | context bytes ...                           |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Version 2 (written since decisions carry a context) adds {@code flags} after the version byte and a fifth string,
 * the context, after the unit. Version 1 records (no flags, four strings from offset 22) are still read, with flags 0
 * and an empty context, so a journal written before the upgrade replays.
 *
 * <p>Encoding writes characters straight into the buffer (no intermediate byte array), so offering a decision does not
 * allocate. Decoding allocates the event and its strings; it only runs on the shipper thread.
 */
final class OutcomeCodec {

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final byte FORMAT_VERSION = 2;
    static final byte FORMAT_VERSION_1 = 1;

    static final int TIME_OFFSET = 0;
    static final int VALUE_OFFSET = 8;
    static final int CODE_OFFSET = 16;
    static final int KIND_OFFSET = 20;
    static final int VERSION_OFFSET = 21;
    /** Version 1: the strings start here. */
    static final int V1_STRINGS_OFFSET = 22;
    static final int FLAGS_OFFSET = 22;
    static final int STRINGS_OFFSET = 26;
    static final int STRING_LENGTH_LENGTH = 2;

    /** Shortest payload a record may have (a version 1 header); anything shorter is corrupt. */
    static final int MIN_PAYLOAD_LENGTH = V1_STRINGS_OFFSET;
    /** Longest encoded string (bytes); longer strings are refused. */
    static final int MAX_STRING_BYTES = 1024;
    /** Longest encoded context (bytes); a longer one is refused. */
    static final int MAX_CONTEXT_BYTES = 8192;
    static final int MAX_PAYLOAD_LENGTH = STRINGS_OFFSET + 4 * (STRING_LENGTH_LENGTH + MAX_STRING_BYTES)
            + STRING_LENGTH_LENGTH + MAX_CONTEXT_BYTES;
    static final int MAX_RECORD_LENGTH = JournalDescriptor.HEADER_LENGTH + MAX_PAYLOAD_LENGTH;

    private OutcomeCodec() {
    }

    /** Latest event time Postgres' timestamptz and the journal accept (9999-12-31T23:59:59.999Z). */
    static final long MAX_TIME_MILLIS = 253_402_300_799_999L;

    /**
     * Encoded length of the event, or -1 when it cannot be stored: a string longer than {@link #MAX_STRING_BYTES}
     * (a context longer than {@link #MAX_CONTEXT_BYTES}) or containing NUL (Postgres text cannot hold it), a time
     * outside 0..{@link #MAX_TIME_MILLIS}, or a value that is not finite (it would poison the aggregates' sums).
     * Refusing such events here keeps a poison record from ever reaching the journal, where it would block shipping.
     */
    static int encodedLength(OutcomeEvent event) {
        if (event.timeMillis() < 0 || event.timeMillis() > MAX_TIME_MILLIS || !Double.isFinite(event.value())) {
            return -1;
        }
        final int id = utf8Length(event.id());
        final int scope = utf8Length(event.scope());
        final int arm = utf8Length(event.arm());
        final int unit = utf8Length(event.unit());
        final int context = utf8Length(event.context(), MAX_CONTEXT_BYTES);
        if (id < 0 || scope < 0 || arm < 0 || unit < 0 || context < 0) {
            return -1;
        }
        return STRINGS_OFFSET + 5 * STRING_LENGTH_LENGTH + id + scope + arm + unit + context;
    }

    /** Writes the event at {@code offset} in the current version; returns the number of bytes written. */
    static int encode(OutcomeEvent event, MutableDirectBuffer buffer, int offset) {
        buffer.putLong(offset + TIME_OFFSET, event.timeMillis(), ORDER);
        buffer.putDouble(offset + VALUE_OFFSET, event.value(), ORDER);
        buffer.putInt(offset + CODE_OFFSET, event.code(), ORDER);
        buffer.putByte(offset + KIND_OFFSET, (byte) event.kind().code());
        buffer.putByte(offset + VERSION_OFFSET, FORMAT_VERSION);
        buffer.putInt(offset + FLAGS_OFFSET, event.flags(), ORDER);
        int cursor = offset + STRINGS_OFFSET;
        cursor = putString(buffer, cursor, event.id());
        cursor = putString(buffer, cursor, event.scope());
        cursor = putString(buffer, cursor, event.arm());
        cursor = putString(buffer, cursor, event.unit());
        cursor = putString(buffer, cursor, event.context());
        return cursor - offset;
    }

    /** Reads an event written by {@link #encode} (or by a version 1 server); fails on a malformed payload. */
    static OutcomeEvent decode(DirectBuffer buffer, int offset, int length) {
        if (length < V1_STRINGS_OFFSET + 4 * STRING_LENGTH_LENGTH) {
            throw new IllegalArgumentException("payload too short: " + length);
        }
        final byte version = buffer.getByte(offset + VERSION_OFFSET);
        final int stringsOffset;
        final int stringCount;
        final int flags;
        if (version == FORMAT_VERSION) {
            if (length < STRINGS_OFFSET + 5 * STRING_LENGTH_LENGTH) {
                throw new IllegalArgumentException("payload too short: " + length);
            }
            stringsOffset = STRINGS_OFFSET;
            stringCount = 5;
            flags = buffer.getInt(offset + FLAGS_OFFSET, ORDER);
        } else if (version == FORMAT_VERSION_1) {
            stringsOffset = V1_STRINGS_OFFSET;
            stringCount = 4;
            flags = 0;
        } else {
            throw new IllegalArgumentException("unknown payload format version " + version);
        }
        final int end = offset + length;
        int cursor = offset + stringsOffset;
        final String[] strings = {"", "", "", "", ""};
        for (int i = 0; i < stringCount; i++) {
            if (cursor + STRING_LENGTH_LENGTH > end) {
                throw new IllegalArgumentException("payload truncated");
            }
            final int stringLength = buffer.getShort(cursor, ORDER) & 0xFFFF;
            cursor += STRING_LENGTH_LENGTH;
            if (cursor + stringLength > end) {
                throw new IllegalArgumentException("payload truncated");
            }
            strings[i] = buffer.getStringWithoutLengthUtf8(cursor, stringLength);
            cursor += stringLength;
        }
        return new OutcomeEvent(OutcomeKind.ofCode(buffer.getByte(offset + KIND_OFFSET)),
                buffer.getLong(offset + TIME_OFFSET, ORDER), strings[0], strings[1], strings[2], strings[3],
                buffer.getDouble(offset + VALUE_OFFSET, ORDER), buffer.getInt(offset + CODE_OFFSET, ORDER), flags,
                strings[4]);
    }

    private static int putString(MutableDirectBuffer buffer, int index, String value) {
        int cursor = index + STRING_LENGTH_LENGTH;
        for (int i = 0, n = value.length(); i < n; i++) {
            final char c = value.charAt(i);
            if (c < 0x80) {
                buffer.putByte(cursor++, (byte) c);
            } else if (c < 0x800) {
                buffer.putByte(cursor++, (byte) (0xC0 | (c >> 6)));
                buffer.putByte(cursor++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                final int codePoint = Character.toCodePoint(c, value.charAt(++i));
                buffer.putByte(cursor++, (byte) (0xF0 | (codePoint >> 18)));
                buffer.putByte(cursor++, (byte) (0x80 | ((codePoint >> 12) & 0x3F)));
                buffer.putByte(cursor++, (byte) (0x80 | ((codePoint >> 6) & 0x3F)));
                buffer.putByte(cursor++, (byte) (0x80 | (codePoint & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                buffer.putByte(cursor++, (byte) '?'); // lone surrogate: same replacement as String.getBytes
            } else {
                buffer.putByte(cursor++, (byte) (0xE0 | (c >> 12)));
                buffer.putByte(cursor++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                buffer.putByte(cursor++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        buffer.putShort(index, (short) (cursor - index - STRING_LENGTH_LENGTH), ORDER);
        return cursor;
    }

    /** UTF-8 length of the string as {@link #putString} writes it; -1 if it holds NUL or is too long. */
    static int utf8Length(String value) {
        return utf8Length(value, MAX_STRING_BYTES);
    }

    /** UTF-8 length of the string as {@link #putString} writes it; -1 if it holds NUL or exceeds {@code max}. */
    static int utf8Length(String value, int max) {
        int length = 0;
        for (int i = 0, n = value.length(); i < n; i++) {
            final char c = value.charAt(i);
            if (c == 0) {
                return -1;
            } else if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                length += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                length += 1;
            } else {
                length += 3;
            }
        }
        return length > max ? -1 : length;
    }
}
