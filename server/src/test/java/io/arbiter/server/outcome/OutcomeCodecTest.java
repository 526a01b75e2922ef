package io.arbiter.server.outcome;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutcomeCodecTest {

    @Test
    void roundTripsRandomEventsIncludingNonAsciiText() {
        final long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println("OutcomeCodecTest seed=" + seed);
        final Random random = new Random(seed);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(OutcomeCodec.MAX_PAYLOAD_LENGTH + 64));
        for (int i = 0; i < 10_000; i++) {
            final OutcomeEvent event = new OutcomeEvent(OutcomeKind.ofCode(random.nextInt(7)),
                    (long) (random.nextDouble() * OutcomeCodec.MAX_TIME_MILLIS),
                    text(random), text(random), text(random), text(random), random.nextDouble(), random.nextInt());
            final int length = OutcomeCodec.encodedLength(event);
            final int offset = random.nextInt(64);
            assertEquals(length, OutcomeCodec.encode(event, buffer, offset), "seed " + seed);
            final OutcomeEvent decoded = OutcomeCodec.decode(buffer, offset, length);
            assertEquals(expected(event), decoded, "seed " + seed);
        }
    }

    @Test
    void refusesEventsPostgresCouldNotStore() {
        final String tooLong = "x".repeat(OutcomeCodec.MAX_STRING_BYTES + 1);
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, 0, tooLong, "e", "v", "",
                1, 0)));
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, 0, "a\0b", "e", "v", "",
                1, 0)));
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, -1, "a", "e", "v", "",
                1, 0)));
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, 0, "a", "e", "v", "",
                Double.NaN, 0)));
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, 0, "a", "e", "v", "",
                Double.POSITIVE_INFINITY, 0)));
        assertTrue(OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.REWARD, OutcomeCodec.MAX_TIME_MILLIS,
                "x".repeat(OutcomeCodec.MAX_STRING_BYTES), "e", "v", "", 1, 0)) > 0);
    }

    /** Lone surrogates are encoded as '?', exactly like String.getBytes. */
    private static OutcomeEvent expected(OutcomeEvent e) {
        return new OutcomeEvent(e.kind(), e.timeMillis(), viaJdk(e.id()), viaJdk(e.scope()), viaJdk(e.arm()),
                viaJdk(e.unit()), e.value(), e.code());
    }

    private static String viaJdk(String s) {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        assertTrue(s.indexOf(0) < 0);
        assertEquals(bytes.length, OutcomeCodec.utf8Length(s));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String text(Random random) {
        final int length = random.nextInt(40);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append((char) (0xD800 + random.nextInt(0x800))); // surrogates, paired or not
                case 1 -> sb.append((char) (0x80 + random.nextInt(0x780)));
                case 2 -> sb.append((char) (0x800 + random.nextInt(0xD000)));
                case 3 -> sb.appendCodePoint(0x10000 + random.nextInt(0xFFFFF));
                default -> sb.append((char) (1 + random.nextInt(0x7F)));
            }
        }
        return sb.toString();
    }
}
