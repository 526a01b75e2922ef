package io.arbiter.server.bid;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written JSON: prices never in exponent notation, strings escaped. */
class BidResponseWriterTest {

    private static String decimal(double value) {
        final StringBuilder s = new StringBuilder();
        BidResponseWriter.decimal(s, value);
        return s.toString();
    }

    private static String string(String value) {
        final StringBuilder s = new StringBuilder();
        BidResponseWriter.string(s, value);
        return s.toString();
    }

    @Test
    void pricesHaveAtMostSixDecimalsAndNoExponent() {
        assertEquals("0.0001", decimal(1e-4));
        assertEquals("2.5", decimal(2.5));
        assertEquals("3", decimal(3.0));
        assertEquals("12.345679", decimal(12.3456789));
        assertEquals("0.000001", decimal(0.000001));
        assertEquals("1000000", decimal(1e6));
    }

    @Test
    void stringsAreEscapedForJson() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", string("a\"b\\c\n\u0001"));
        assertEquals("\"<VAST>\"", string("<VAST>"));
    }
}
