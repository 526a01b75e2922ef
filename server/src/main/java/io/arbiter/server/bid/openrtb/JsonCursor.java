package io.arbiter.server.bid.openrtb;

import io.arbiter.server.api.ApiException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A strict, reusable reader of one JSON document (RFC 8259) in a byte array, for the bid path: the caller walks the
 * objects it wants with {@link #nextField} and {@link #keyIs}, reads the values it keeps, and {@link #skipValue skips}
 * the rest, which is still checked in full. Field names are matched as bytes where they lie and numbers are read
 * without making strings, so a request costs only the strings the caller keeps.
 *
 * <p>Accepted: UTF-8 only (a leading byte-order mark is ignored); strings must be valid UTF-8 (no overlong forms, no
 * encoded surrogates) with no raw control characters and only the JSON escapes; numbers in JSON's grammar, at most
 * {@value #MAX_NUMBER_LENGTH} characters; at most {@value #MAX_DEPTH} levels of nesting. Anything else is a 400
 * ({@link ApiException}) saying what was wrong and at which byte. Duplicate names are read in order (the last one
 * wins for single values), as Jackson does by default.
 *
 * <p>Not thread-safe: one per event loop, {@link #reset} per document.
 */
final class JsonCursor {
    static final int MAX_DEPTH = 64;
    static final int MAX_NUMBER_LENGTH = 64;

    /** Powers of ten a double holds exactly. */
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    private byte[] buf;
    private int origin;
    private int pos;
    private int end;
    private int depth;
    /** Just inside a '{' or '[': the next member or element is the first (no comma before it). */
    private boolean afterOpen;

    private byte[] keyBuf;
    private int keyStart;
    private int keyLength;
    /** The current name's first eight bytes, little-endian, zero-padded: most names are decided by this alone. */
    private long keyWord;

    private int strStart;
    private int strEnd;
    private boolean strEscaped;
    private boolean strNonAscii;

    private int numStart;
    private int numEnd;
    private boolean numIntegral;

    private byte[] bytes = new byte[64];
    private char[] chars = new char[64];

    /** Starts reading the {@code length} bytes at {@code offset} of {@code document}. */
    void reset(byte[] document, int offset, int length) {
        buf = document;
        origin = offset;
        pos = offset;
        end = offset + length;
        depth = 0;
        afterOpen = false;
        if (length >= 3 && document[offset] == (byte) 0xEF && document[offset + 1] == (byte) 0xBB
            && document[offset + 2] == (byte) 0xBF) {
            pos += 3;
        }
    }

    // ----------------------------------------------------------------- structure

    /** Enters the top-level value if it is an object; false (nothing read) if it is anything else or nothing. */
    boolean beginRootObject() {
        if (skipWhitespace() != '{') {
            return false;
        }
        open();
        return true;
    }

    /** After the top-level object: true if only whitespace follows. */
    boolean atEnd() {
        return skipWhitespace() < 0;
    }

    /** Enters the current value, which must be an object, or fails naming {@code field}. */
    void beginObject(String field) {
        if (peek() != '{') {
            throw ApiException.badField(field, "'" + field + "' must be an object");
        }
        open();
    }

    /** Enters the current value, which must be an array, or fails naming {@code field} ("must be {@code what}"). */
    void beginArray(String field, String what) {
        if (peek() != '[') {
            throw ApiException.badField(field, "'" + field + "' must be " + what);
        }
        open();
    }

    private void open() {
        pos++;
        if (++depth > MAX_DEPTH) {
            throw malformed("nested deeper than " + MAX_DEPTH + " levels");
        }
        afterOpen = true;
    }

    /**
     * In an object: moves onto the next member's value and returns true (its name is then matched with
     * {@link #keyIs}), or past the closing brace and returns false. The value must be read or skipped before the
     * next call.
     */
    boolean nextField() {
        if (!nextItem('}', "an object", "expected ',' or '}' after a member")) {
            return false;
        }
        final int c = skipWhitespace();
        if (c != '"') {
            throw malformed(c < 0 ? "the document ends inside an object" : "expected a member name in double quotes");
        }
        pos++;
        scanString();
        if (strEscaped) {
            final byte[] decoded = decodeString().getBytes(StandardCharsets.UTF_8);
            keyBuf = decoded;
            keyStart = 0;
            keyLength = decoded.length;
        } else {
            keyBuf = buf;
            keyStart = strStart;
            keyLength = strEnd - strStart;
        }
        keyWord = word(keyBuf, keyStart, keyLength);
        if (skipWhitespace() != ':') {
            throw malformed("expected ':' after a member name");
        }
        pos++;
        requireValue();
        return true;
    }

    /** In an array: moves onto the next element and returns true, or past the closing bracket and returns false. */
    boolean nextElement() {
        if (!nextItem(']', "an array", "expected ',' or ']' after an element")) {
            return false;
        }
        if (skipWhitespace() == ']') { // only after a comma: a first element's ']' closed the array above
            throw malformed("expected a value after ','");
        }
        requireValue();
        return true;
    }

    /** Past the closer (left the container: false), or past the comma before any item but the first (true). */
    private boolean nextItem(int closer, String container, String expected) {
        final int c = skipWhitespace();
        if (c == closer) {
            pos++;
            depth--;
            afterOpen = false;
            return false;
        }
        if (afterOpen) {
            afterOpen = false;
        } else {
            if (c != ',') {
                throw malformed(c < 0 ? "the document ends inside " + container : expected);
            }
            pos++;
        }
        return true;
    }

    private void requireValue() {
        final int c = skipWhitespace();
        if (c < 0) {
            throw malformed("the document ends where a value was expected");
        }
        if (c == '}' || c == ']' || c == ',' || c == ':') {
            throw malformed("expected a value, found '" + (char) c + "'");
        }
    }

    /** True if the current member's name is exactly {@code name}. */
    boolean keyIs(Name name) {
        if (name.word != keyWord || name.bytes.length != keyLength) {
            return false;
        }
        for (int i = 8; i < keyLength; i++) {
            if (name.bytes[i] != keyBuf[keyStart + i]) {
                return false;
            }
        }
        return true;
    }

    private static long word(byte[] bytes, int start, int length) {
        if (start + 8 <= bytes.length) { // one load; the bytes past the name are masked off
            final long raw = (long) LONGS.get(bytes, start);
            return length >= 8 ? raw : raw & ((1L << (length << 3)) - 1);
        }
        long word = 0;
        for (int i = Math.min(length, 8) - 1; i >= 0; i--) {
            word = word << 8 | (bytes[start + i] & 0xFF);
        }
        return word;
    }

    /** A member name to match, prepared once. */
    static final class Name {
        final byte[] bytes;
        final long word;

        Name(String name) {
            bytes = name.getBytes(StandardCharsets.UTF_8);
            word = word(bytes, 0, bytes.length);
        }
    }

    /** Where the current value starts (after {@link #nextField} or {@link #nextElement}), in {@link #document}. */
    int position() {
        return pos;
    }

    /** The document being read (not a copy). */
    byte[] document() {
        return buf;
    }

    /** The first byte of the current value (a member's or an element's), e.g. '"' for a string. */
    int peek() {
        return pos < end ? buf[pos] & 0xFF : -1;
    }

    /** Skips the current value, checking it in full. */
    void skipValue() {
        final int c = peek();
        switch (c) {
            case '{' -> {
                open();
                while (nextField()) {
                    skipValue();
                }
            }
            case '[' -> {
                open();
                while (nextElement()) {
                    skipValue();
                }
            }
            case '"' -> {
                pos++;
                scanString();
            }
            case 't' -> literal(TRUE);
            case 'f' -> literal(FALSE);
            case 'n' -> literal(NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    scanNumber();
                } else {
                    throw malformed(c < 0 ? "the document ends where a value was expected" : "unexpected character "
                        + describe(c));
                }
            }
        }
    }

    private void literal(byte[] word) {
        if (end - pos < word.length || !Arrays.equals(buf, pos, pos + word.length, word, 0, word.length)) {
            throw malformed("unrecognized token (expected a value)");
        }
        pos += word.length;
    }

    // ----------------------------------------------------------------- values

    /** How a string is read: as it is, or in lower or upper case (Locale.ROOT). */
    enum Case {
        AS_IS, LOWER, UPPER
    }

    /** The current value as a string, or fails naming {@code field}. */
    String string(String field) {
        return string(field, Case.AS_IS);
    }

    /** The current value as a string in {@code letters}' case, or fails naming {@code field}. */
    String string(String field, Case letters) {
        if (peek() != '"') {
            throw ApiException.badField(field, "'" + field + "' must be a string");
        }
        pos++;
        scanString();
        final int length = strEnd - strStart;
        if (strEscaped || strNonAscii) {
            final String s = strEscaped ? decodeString() : new String(buf, strStart, length, StandardCharsets.UTF_8);
            return switch (letters) {
                case AS_IS -> s;
                case LOWER -> s.toLowerCase(Locale.ROOT);
                case UPPER -> s.toUpperCase(Locale.ROOT);
            };
        }
        if (letters != Case.AS_IS) {
            final byte from = letters == Case.LOWER ? (byte) 'A' : (byte) 'a';
            final byte to = letters == Case.LOWER ? (byte) 'Z' : (byte) 'z';
            for (int i = strStart; i < strEnd; i++) {
                if (buf[i] >= from && buf[i] <= to) {
                    return foldAscii(length, from, to);
                }
            }
        }
        return new String(buf, strStart, length, StandardCharsets.ISO_8859_1);
    }

    private String foldAscii(int length, byte from, byte to) {
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        for (int i = 0; i < length; i++) {
            final byte b = buf[strStart + i];
            bytes[i] = b >= from && b <= to ? (byte) (b ^ 0x20) : b;
        }
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * The current value as an int, or fails naming {@code field}: a number with a fraction or exponent is truncated
     * towards zero, and values beyond the int range are clamped to it (beyond the long range: refused).
     */
    int integer(String field) {
        final int c = peek();
        if (c != '-' && (c < '0' || c > '9')) {
            throw ApiException.badField(field, "'" + field + "' must be an integer");
        }
        scanNumber();
        if (!numIntegral) {
            return (int) toDouble();
        }
        final long value = toLong(field);
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    /** The current value as a finite, non-negative number, or fails naming {@code field}. */
    double nonNegative(String field) {
        final int c = peek();
        if (c != '-' && (c < '0' || c > '9')) {
            throw ApiException.badField(field, "'" + field + "' must be a number");
        }
        scanNumber();
        final double value = toDouble();
        if (!Double.isFinite(value) || value < 0) {
            throw ApiException.badField(field, "'" + field + "' must be a finite, non-negative number");
        }
        return value;
    }

    private long toLong(String field) {
        int p = numStart;
        final boolean negative = buf[p] == '-';
        if (negative) {
            p++;
        }
        if (numEnd - p <= 18) {
            long value = 0;
            for (; p < numEnd; p++) {
                value = value * 10 + (buf[p] - '0');
            }
            return negative ? -value : value;
        }
        try {
            return Long.parseLong(new String(buf, numStart, numEnd - numStart, StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            throw ApiException.badField(field, "'" + field + "' is out of range");
        }
    }

    /**
     * The number just scanned as the nearest double, as {@link Double#parseDouble} reads it: exactly so for up to
     * 15 digits and no exponent (both operands exact, one correctly rounded division), else by the JDK.
     */
    private double toDouble() {
        int p = numStart;
        final boolean negative = buf[p] == '-';
        if (negative) {
            p++;
        }
        long mantissa = 0;
        int digits = 0;
        int fraction = -1;
        for (; p < numEnd; p++) {
            final byte b = buf[p];
            if (b >= '0' && b <= '9') {
                mantissa = mantissa * 10 + (b - '0');
                digits++;
            } else if (b == '.') {
                fraction = digits;
            } else {
                break; // an exponent
            }
        }
        if (p == numEnd && digits <= 15) {
            if (fraction < 0) {
                return negative ? -mantissa : mantissa; // as a long first: "-0" is 0.0, as Jackson reads it
            }
            final double value = mantissa / POW10[digits - fraction];
            return negative ? -value : value;
        }
        return Double.parseDouble(new String(buf, numStart, numEnd - numStart, StandardCharsets.ISO_8859_1));
    }

    /** Counts the elements of the current value, which must be an array, skipping each. */
    int countElements(String field) {
        beginArray(field, "an array");
        int count = 0;
        while (nextElement()) {
            skipValue();
            count++;
        }
        return count;
    }

    // ----------------------------------------------------------------- scanning

    private int skipWhitespace() {
        final byte[] b = buf;
        int p = pos;
        if (p < end && b[p] > ' ') {
            return b[p]; // the usual case: compact JSON
        }
        while (p < end) {
            final byte c = b[p];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                p++;
            } else {
                pos = p;
                return c & 0xFF;
            }
        }
        pos = p;
        return -1;
    }

    /** From just after an opening quote to just after the closing one; checks escapes and UTF-8. */
    private void scanString() {
        final byte[] b = buf;
        final int e = end;
        int p = pos;
        boolean escaped = false;
        boolean nonAscii = false;
        strStart = p;
        while (true) {
            while (p < e && PLAIN[b[p] & 0xFF]) {
                p++;
            }
            if (p >= e) {
                pos = p;
                throw malformed("the document ends inside a string");
            }
            final byte c = b[p];
            if (c == '"') {
                break;
            }
            if (c < 0) {
                nonAscii = true;
                p = utf8(b, p, e);
            } else if (c == '\\') {
                escaped = true;
                p = escape(b, p, e);
            } else {
                pos = p;
                throw malformed("raw control character in a string (escape it)");
            }
        }
        strEnd = p;
        strEscaped = escaped;
        strNonAscii = nonAscii;
        pos = p + 1;
    }

    /** Checks the UTF-8 sequence at {@code p} (RFC 3629: shortest form, no surrogates) and returns its end. */
    private int utf8(byte[] b, int p, int e) {
        final int c = b[p] & 0xFF;
        final int need;
        int low = 0x80;
        int high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) {
                low = 0xA0;
            } else if (c == 0xED) {
                high = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) {
                low = 0x90;
            } else if (c == 0xF4) {
                high = 0x8F;
            }
        } else {
            pos = p;
            throw malformed("invalid UTF-8 byte 0x" + Integer.toHexString(c));
        }
        if (p + need >= e) {
            pos = p;
            throw malformed("the document ends inside a UTF-8 sequence");
        }
        final int second = b[p + 1] & 0xFF;
        if (second < low || second > high) {
            pos = p;
            throw malformed("invalid UTF-8 sequence");
        }
        for (int i = 2; i <= need; i++) {
            if ((b[p + i] & 0xC0) != 0x80) {
                pos = p;
                throw malformed("invalid UTF-8 sequence");
            }
        }
        return p + need + 1;
    }

    private int escape(byte[] b, int p, int e) {
        if (p + 1 >= e) {
            pos = p;
            throw malformed("the document ends inside a string");
        }
        switch (b[p + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return p + 2;
            }
            case 'u' -> {
                if (p + 5 >= e) {
                    pos = p;
                    throw malformed("the document ends inside a \\u escape");
                }
                for (int i = 2; i < 6; i++) {
                    if (hex(b[p + i]) < 0) {
                        pos = p;
                        throw malformed("a \\u escape needs four hex digits");
                    }
                }
                return p + 6;
            }
            default -> {
                pos = p;
                throw malformed("invalid escape '\\" + (char) (b[p + 1] & 0xFF) + "' in a string");
            }
        }
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** The string just scanned (already checked), with its escapes and UTF-8 decoded. */
    private String decodeString() {
        final int length = strEnd - strStart;
        if (chars.length < length) {
            chars = new char[Math.max(length, chars.length * 2)]; // never more chars than bytes
        }
        final byte[] b = buf;
        final char[] out = chars;
        int n = 0;
        int p = strStart;
        while (p < strEnd) {
            final int c = b[p] & 0xFF;
            if (c == '\\') {
                final byte kind = b[p + 1];
                if (kind == 'u') {
                    out[n++] = (char) (hex(b[p + 2]) << 12 | hex(b[p + 3]) << 8 | hex(b[p + 4]) << 4 | hex(b[p + 5]));
                    p += 6;
                    continue;
                }
                out[n++] = switch (kind) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> (char) kind; // '"', '\\', '/'
                };
                p += 2;
            } else if (c < 0x80) {
                out[n++] = (char) c;
                p++;
            } else if (c < 0xE0) {
                out[n++] = (char) ((c & 0x1F) << 6 | (b[p + 1] & 0x3F));
                p += 2;
            } else if (c < 0xF0) {
                out[n++] = (char) ((c & 0x0F) << 12 | (b[p + 1] & 0x3F) << 6 | (b[p + 2] & 0x3F));
                p += 3;
            } else {
                final int cp = (c & 0x07) << 18 | (b[p + 1] & 0x3F) << 12 | (b[p + 2] & 0x3F) << 6 | (b[p + 3] & 0x3F);
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
                p += 4;
            }
        }
        return new String(out, 0, n);
    }

    /** From the number's first character to just after its last; checks JSON's number grammar. */
    private void scanNumber() {
        final byte[] b = buf;
        final int e = end;
        final int start = pos;
        int p = start;
        if (b[p] == '-') {
            p++;
        }
        if (p >= e || b[p] < '0' || b[p] > '9') {
            throw malformed("a number needs a digit after '-'");
        }
        if (b[p] == '0') {
            p++;
            if (p < e && b[p] >= '0' && b[p] <= '9') {
                throw malformed("numbers may not have leading zeros");
            }
        } else {
            p = digits(b, p, e);
        }
        boolean integral = true;
        if (p < e && b[p] == '.') {
            integral = false;
            final int first = p + 1;
            p = digits(b, first, e);
            if (p == first) {
                pos = p;
                throw malformed("a number needs a digit after '.'");
            }
        }
        if (p < e && (b[p] == 'e' || b[p] == 'E')) {
            integral = false;
            p++;
            if (p < e && (b[p] == '+' || b[p] == '-')) {
                p++;
            }
            final int first = p;
            p = digits(b, first, e);
            if (p == first) {
                pos = p;
                throw malformed("a number needs a digit in its exponent");
            }
        }
        if (p - start > MAX_NUMBER_LENGTH) {
            throw malformed("a number longer than " + MAX_NUMBER_LENGTH + " characters");
        }
        numStart = start;
        numEnd = p;
        numIntegral = integral;
        pos = p;
    }

    private static int digits(byte[] b, int p, int e) {
        while (p < e && b[p] >= '0' && b[p] <= '9') {
            p++;
        }
        return p;
    }

    private ApiException malformed(String what) {
        return new ApiException(400, "malformed JSON at byte " + (pos - origin) + ": " + what);
    }

    private static String describe(int c) {
        return c >= 0x20 && c < 0x7F ? "'" + (char) c + "'" : String.format("0x%02x", c);
    }
}
