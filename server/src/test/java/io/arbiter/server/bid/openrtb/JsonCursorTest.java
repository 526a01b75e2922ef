package io.arbiter.server.bid.openrtb;

import io.arbiter.server.api.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON grammar the bid path's reader accepts and refuses, its bounds, and how it reads values. */
class JsonCursorTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20261124L);
    private final JsonCursor json = new JsonCursor();

    /** Reads {@code {"v": value}} skipping the value; true if the document is accepted. */
    private boolean accepts(String value) {
        final byte[] doc = ("{\"v\":" + value + "}").getBytes(StandardCharsets.UTF_8);
        return accepts(doc, 0, doc.length);
    }

    private boolean accepts(byte[] doc, int offset, int length) {
        try {
            json.reset(doc, offset, length);
            if (!json.beginRootObject()) {
                return false;
            }
            while (json.nextField()) {
                json.skipValue();
            }
            return json.atEnd();
        } catch (ApiException e) {
            assertEquals(400, e.status());
            assertTrue(e.getMessage().startsWith("malformed JSON at byte "), e.getMessage());
            return false;
        }
    }

    @Test
    void acceptsJsonValuesOfEveryKind() {
        for (final String ok : new String[] {"0", "-0", "1", "-1", "0.5", "-0.5e-3", "1E+9", "1e9",
                "12345678901234567890",
            "true", "false", "null", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u0041\\u00e9\\uD83D\\uDE00\"",
            "\"\\ud800\"", "\"caf\u00e9 \u65e5\u672c \uD83D\uDE00\"", "[]", "{}", "[1, [2, [3]], {\"a\": [null]}]",
            " \t\r\n[ 1 , 2 ] \n", "{\"\":1,\"a\":1,\"a\":2}", "\"\u007f\""}) {
            assertTrue(accepts(ok), ok);
        }
    }

    @Test
    void refusesWhatJsonDoesNotAllow() {
        for (final String bad : new String[] {"01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN",
                "Infinity",
            "-Infinity", "tru", "nul", "fals", "truex", "'a'", "\"\\x\"", "\"\\u12G4\"", "\"\\u123\"", "\"a\u0001\"",
            "\"tab\there\"", "[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[", "{",
            "\"open", "1 // comment", "/* c */ 1", "[1]]", "undefined", "1" + "0".repeat(
                    JsonCursor.MAX_NUMBER_LENGTH)}) {
            assertFalse(accepts(bad), bad);
        }
        assertTrue(accepts("1" + "0".repeat(JsonCursor.MAX_NUMBER_LENGTH - 1)), "the longest number allowed");
    }

    @Test
    void refusesStringsThatAreNotUtf8() {
        final int[][] invalid = {{0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xC2}, {0xE0, 0x80, 0x80},
            {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, {0xF0, 0x80, 0x80, 0x80},
            {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xE2, 0x82}, {0xC3, 0x28}};
        for (final int[] sequence : invalid) {
            assertFalse(accepts(string(sequence)), () -> hex(sequence));
        }
        final int[][] valid = {{0xC2, 0x80}, {0xDF, 0xBF}, {0xE0, 0xA0, 0x80}, {0xED, 0x9F, 0xBF},
            {0xEE, 0x80, 0x80}, {0xF0, 0x90, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}};
        for (final int[] sequence : valid) {
            assertTrue(accepts(string(sequence)), () -> hex(sequence));
        }
    }

    private static byte[] string(int[] sequence) {
        final byte[] doc = new byte[sequence.length + 8];
        final byte[] head = "{\"v\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, doc, 0, head.length);
        for (int i = 0; i < sequence.length; i++) {
            doc[head.length + i] = (byte) sequence[i];
        }
        doc[doc.length - 2] = '"';
        doc[doc.length - 1] = '}';
        return doc;
    }

    private boolean accepts(byte[] doc) {
        return accepts(doc, 0, doc.length);
    }

    private static String hex(int[] sequence) {
        final StringBuilder s = new StringBuilder();
        for (final int b : sequence) {
            s.append(String.format("%02x ", b));
        }
        return s.toString();
    }

    @Test
    void everySpecialByteIsSeenWhereverItFallsInALongString() {
        // each kind of byte at every offset of a long string (a scan that skips ahead must not step over any)
        for (int at = 0; at < 40; at++) {
            final String head = "a".repeat(at);
            final String tail = "b".repeat(40 - at);
            assertFalse(accepts("\"" + head + "\u0001" + tail + "\""), "control character at " + at);
            assertFalse(accepts("\"" + head + "\u001f" + tail + "\""), "control character at " + at);
            assertFalse(accepts("\"" + head + "\\x" + tail + "\""), "bad escape at " + at);
            assertTrue(accepts("\"" + head + "\\n\u007f~ " + tail + "\""), "escape at " + at);
            assertTrue(accepts("\"" + head + "\u00e9\uD83D\uDE00" + tail + "\""), "non-ASCII at " + at);
            assertFalse(accepts(string(("\"" + head).getBytes(StandardCharsets.US_ASCII), 0xC0, 0xAF)),
                "overlong UTF-8 at " + at);
            final byte[] doc = ("{\"v\":\"" + head + "\",\"w\":\"" + tail + "\"}").getBytes(StandardCharsets.UTF_8);
            json.reset(doc, 0, doc.length);
            json.beginRootObject();
            json.nextField();
            assertEquals(head, json.string("v"), "a string ending at " + at);
            json.nextField();
            assertEquals(tail, json.string("w"));
        }
    }

    private static byte[] string(byte[] prefix, int... bytes) {
        final byte[] doc = new byte[prefix.length + bytes.length + 12];
        final byte[] head = "{\"v\":".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, doc, 0, head.length);
        System.arraycopy(prefix, 0, doc, head.length, prefix.length);
        int p = head.length + prefix.length;
        for (final int b : bytes) {
            doc[p++] = (byte) b;
        }
        for (final byte b : "bbbb\"}".getBytes(StandardCharsets.US_ASCII)) {
            doc[p++] = b;
        }
        return java.util.Arrays.copyOf(doc, p);
    }

    @Test
    void nestingIsLimited() {
        final int inner = JsonCursor.MAX_DEPTH - 1; // the root object is the first level
        assertTrue(accepts("[".repeat(inner) + "]".repeat(inner)));
        assertFalse(accepts("[".repeat(inner + 1) + "]".repeat(inner + 1)));
        assertFalse(accepts("[".repeat(100_000)), "deep nesting is refused, not a stack overflow");
    }

    @Test
    void everyPrefixOfADocumentIsRefusedWhateverFollowsItInTheArray() {
        final byte[] full = ("\uFEFF{\"id\":\"caf\u00e9\uD83D\uDE00\",\"n\":[-1.5e+3,0,true,false,null],"
            + "\"s\":\"\\u00e9\\n\\\"\",\"o\":{\"\u65e5\":{}},\"x\":12}").getBytes(StandardCharsets.UTF_8);
        assertTrue(accepts(full));
        for (int length = 0; length < full.length; length++) {
            // the rest of the document follows in the array: using anything past the window would complete it
            assertFalse(accepts(full, 0, length), "a prefix of " + length + " bytes");
            assertFalse(accepts(java.util.Arrays.copyOf(full, length)), "a prefix of " + length + " bytes, alone");
        }
        final byte[] padded = new byte[full.length + 10];
        System.arraycopy(full, 0, padded, 5, full.length);
        assertTrue(accepts(padded, 5, full.length));
    }

    @Test
    void readsStringsWithTheirEscapesAndCases() {
        final byte[] doc = ("{\"a\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u0041\\u00E9\\uD83D\\uDE00\",\"b\":\"MiXeD.Example"
            + "\",\"c\":\"\u0130stanbul\",\"d\":\"usd\",\"\\u0065\":\"escaped "
            + "name\"}").getBytes(StandardCharsets.UTF_8);
        json.reset(doc, 0, doc.length);
        assertTrue(json.beginRootObject());
        assertTrue(json.nextField());
        assertTrue(json.keyIs(new JsonCursor.Name("a")));
        assertEquals("x\"y\\z/\b\f\n\r\tA\u00e9\uD83D\uDE00", json.string("a"));
        assertTrue(json.nextField());
        assertEquals("mixed.example", json.string("b", JsonCursor.Case.LOWER));
        assertTrue(json.nextField());
        assertEquals("\u0130stanbul".toLowerCase(java.util.Locale.ROOT), json.string("c", JsonCursor.Case.LOWER));
        assertTrue(json.nextField());
        assertEquals("USD", json.string("d", JsonCursor.Case.UPPER));
        assertTrue(json.nextField());
        assertTrue(json.keyIs(new JsonCursor.Name("e")), "an escaped name matches its decoded form");
        assertEquals("escaped name", json.string("e"));
        assertFalse(json.nextField());
        assertTrue(json.atEnd());
    }

    @Test
    void wrongTypesNameTheField() {
        final byte[] doc = "{\"w\":\"300\"}".getBytes(StandardCharsets.UTF_8);
        json.reset(doc, 0, doc.length);
        json.beginRootObject();
        json.nextField();
        final ApiException e = assertThrows(ApiException.class, () -> json.integer("imp.banner.w"));
        assertEquals("imp.banner.w", e.field());
        assertEquals("'imp.banner.w' must be an integer", e.getMessage());
    }

    @Test
    void integersAreClampedTruncatedOrRefusedBeyondLong() {
        assertEquals(Integer.MAX_VALUE, integer("2147483648"));
        assertEquals(Integer.MIN_VALUE, integer("-9223372036854775808"));
        assertEquals(2, integer("2.9"));
        assertEquals(-2, integer("-2.9"));
        assertEquals(300, integer("3e2"));
        assertEquals(Integer.MAX_VALUE, integer("1e400"));
        final ApiException e = assertThrows(ApiException.class, () -> integer("9223372036854775808"));
        assertEquals("x", e.field());
    }

    private int integer(String number) {
        return onMemberX(number).integer("x");
    }

    private double number(String number) {
        return onMemberX(number).nonNegative("x");
    }

    /** The cursor on the value of {@code {"x": value}}. */
    private JsonCursor onMemberX(String value) {
        final byte[] doc = ("{\"x\":" + value + "}").getBytes(StandardCharsets.UTF_8);
        json.reset(doc, 0, doc.length);
        json.beginRootObject();
        json.nextField();
        return json;
    }

    @Test
    void numbersAreReadAsDoubleParseDoubleReadsThem() {
        final SplittableRandom rng = new SplittableRandom(SEED);
        for (int i = 0; i < 200_000; i++) {
            final StringBuilder s = new StringBuilder();
            final int intDigits = 1 + rng.nextInt(12);
            s.append(1 + rng.nextInt(9));
            for (int d = 1; d < intDigits; d++) {
                s.append(rng.nextInt(10));
            }
            if (rng.nextInt(4) != 0) {
                s.append('.');
                for (int d = rng.nextInt(18) + 1; d > 0; d--) {
                    s.append(rng.nextInt(10));
                }
            }
            if (rng.nextInt(8) == 0) {
                s.append(rng.nextBoolean() ? 'e' : 'E').append(rng.nextInt(3) == 0 ? "-" : "").append(rng.nextInt(320));
            }
            final String text = s.toString();
            final double expected = Double.parseDouble(text);
            if (!Double.isFinite(expected)) {
                continue;
            }
            final double actual = number(text);
            if (Double.doubleToRawLongBits(expected) != Double.doubleToRawLongBits(actual)) {
                throw new AssertionError("seed " + SEED + ": " + text + " read as " + actual + ", expected "
                        + expected);
            }
        }
        assertEquals(0.0, number("-0"), "an integer zero is 0.0 whatever its sign");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(number("-0.0")));
        assertThrows(ApiException.class, () -> number("-0.5"));
        assertThrows(ApiException.class, () -> number("1e309"));
    }
}
