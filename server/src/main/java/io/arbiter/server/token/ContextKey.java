package io.arbiter.server.token;

/**
 * The compact context a {@code d2} decision id carries, so that a reward finds the decision's segments or features
 * with no lookup: a model byte, a 32-bit fingerprint of the experiment's context definition (a reward whose
 * fingerprint is not the current one knows the definition changed since), then the model's values, little-endian,
 * written as base64url without padding.
 *
 * <pre>
 *  byte 0       model: {@link #NONE}, {@link #SEGMENTS} or {@link #LINEAR}
 *  bytes 1-4    fingerprint (int32) of the context definition
 *  SEGMENTS:    per declared attribute, in the definition's order, its value hash (int64; 0 = absent)
 *  LINEAR:      per declared feature, in order, its value (float32); per declared attribute, its bucket (int16;
 *               -1 = absent)
 * </pre>
 *
 * At most {@link #MAX_BYTES} bytes ({@link #MAX_ENCODED_LENGTH} characters): 16 attributes take 133 bytes, a linear
 * model of d = 64 at most 261. One instance per thread: it is a reusable scratch (writing allocates nothing; only
 * {@link #encoded()} makes a string).
 */
public final class ContextKey {
    public static final int NONE = 0;
    public static final int SEGMENTS = 1;
    public static final int LINEAR = 2;

    /** Largest context (bytes before encoding). */
    public static final int MAX_BYTES = 512;
    /** Largest encoded context (base64url characters). */
    public static final int MAX_ENCODED_LENGTH = (MAX_BYTES * 4 + 2) / 3;
    static final int HEADER_BYTES = 5;

    private static final char[] ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = (byte) i;
        }
    }

    private final byte[] bytes = new byte[MAX_BYTES];
    private int length;
    private int position;

    /** Starts a context of {@code model} for the definition with {@code fingerprint}; returns this. */
    public ContextKey begin(int model, int fingerprint) {
        length = 0;
        position = 0;
        putByte(model);
        return putInt(fingerprint);
    }

    /** Forgets the content: {@link #isEmpty()} and {@link #model()} {@link #NONE}. */
    public ContextKey clear() {
        length = 0;
        position = 0;
        return this;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** Bytes written (or decoded), 0 when empty. */
    public int length() {
        return length;
    }

    public ContextKey putLong(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            bytes[length++] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    public ContextKey putInt(int value) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            bytes[length++] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    public ContextKey putShort(int value) {
        ensure(2);
        bytes[length++] = (byte) value;
        bytes[length++] = (byte) (value >>> 8);
        return this;
    }

    public ContextKey putFloat(float value) {
        return putInt(Float.floatToRawIntBits(value));
    }

    private void putByte(int value) {
        ensure(1);
        bytes[length++] = (byte) value;
    }

    private void ensure(int more) {
        if (length + more > MAX_BYTES) {
            throw new IllegalStateException("a context key holds at most " + MAX_BYTES + " bytes");
        }
    }

    /** Appends the base64url form (no padding) to {@code out}; nothing when empty. */
    public StringBuilder appendTo(StringBuilder out) {
        int i = 0;
        for (; i + 3 <= length; i += 3) {
            final int v = (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8 | (bytes[i + 2] & 0xFF);
            out.append(ALPHABET[v >>> 18]).append(ALPHABET[(v >>> 12) & 63]).append(ALPHABET[(v >>> 6) & 63])
                .append(ALPHABET[v & 63]);
        }
        final int rest = length - i;
        if (rest == 1) {
            final int v = (bytes[i] & 0xFF) << 16;
            out.append(ALPHABET[v >>> 18]).append(ALPHABET[(v >>> 12) & 63]);
        } else if (rest == 2) {
            final int v = (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8;
            out.append(ALPHABET[v >>> 18]).append(ALPHABET[(v >>> 12) & 63]).append(ALPHABET[(v >>> 6) & 63]);
        }
        return out;
    }

    /** The base64url form; empty when empty. */
    public String encoded() {
        return appendTo(new StringBuilder((length * 4 + 2) / 3)).toString();
    }

    /**
     * Reads an encoded context into this scratch and positions after its header; false (and empty) when the text is
     * not one: not base64url, too long, or shorter than a header. An empty text is an empty context (true).
     */
    public boolean decode(CharSequence encoded) {
        clear();
        final int n = encoded.length();
        if (n == 0) {
            return true;
        }
        if (n > MAX_ENCODED_LENGTH || n % 4 == 1) {
            return false;
        }
        int bits = 0;
        int pending = 0;
        for (int i = 0; i < n; i++) {
            final char c = encoded.charAt(i);
            final int v = c < 128 ? VALUES[c] : -1;
            if (v < 0) {
                clear();
                return false;
            }
            bits = bits << 6 | v;
            pending += 6;
            if (pending >= 8) {
                pending -= 8;
                bytes[length++] = (byte) (bits >>> pending);
            }
        }
        if (length < HEADER_BYTES || model() < NONE || model() > LINEAR) {
            clear();
            return false;
        }
        position = HEADER_BYTES;
        return true;
    }

    /** The model byte; {@link #NONE} when empty. */
    public int model() {
        return length == 0 ? NONE : bytes[0];
    }

    /** The definition's fingerprint; 0 when empty. */
    public int fingerprint() {
        if (length < HEADER_BYTES) {
            return 0;
        }
        return (bytes[1] & 0xFF) | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF) << 16 | (bytes[4] & 0xFF) << 24;
    }

    /** Bytes left to read after the ones read so far. */
    public int remaining() {
        return length - position;
    }

    public long getLong() {
        require(8);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value |= (bytes[position++] & 0xFFL) << (8 * i);
        }
        return value;
    }

    public int getInt() {
        require(4);
        int value = 0;
        for (int i = 0; i < 4; i++) {
            value |= (bytes[position++] & 0xFF) << (8 * i);
        }
        return value;
    }

    /** A signed 16-bit value. */
    public int getShort() {
        require(2);
        final int value = (bytes[position] & 0xFF) | bytes[position + 1] << 8;
        position += 2;
        return value;
    }

    public float getFloat() {
        return Float.intBitsToFloat(getInt());
    }

    private void require(int more) {
        if (position + more > length) {
            throw new IllegalStateException("context key read past its end");
        }
    }
}
