package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The decision ring's claim, encode, commit-or-abort cycle. */
class DecisionRingTest {
    private static final String POISON = "poison";

    private static OutcomeEvent decision(String id) {
        return new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L, id, "exp", "v", "u", 0.5, 0);
    }

    /** The real codec, except that a decision with the id {@link #POISON} throws half-way (after a partial write). */
    private static void poisonable(OutcomeEvent decision, org.agrona.MutableDirectBuffer buffer, int index) {
        if (POISON.equals(decision.id())) {
            buffer.putLong(index, -1L);
            throw new IllegalStateException("encoder failure");
        }
        OutcomeCodec.encode(decision, buffer, index);
    }

    private static List<String> drainIds(DecisionRing ring) {
        final List<OutcomeEvent> out = new ArrayList<>();
        // One read stops at the end of the buffer, and one that meets only padding (an aborted record, the wrap) reads
        // no row; a few reads take everything committed.
        for (int reads = 0; reads < 4 && ring.depth() > 0; reads++) {
            ring.drain(out, Integer.MAX_VALUE);
        }
        final List<String> ids = new ArrayList<>();
        for (final OutcomeEvent event : out) {
            ids.add(event.id());
        }
        return ids;
    }

    @Test
    void anEncoderThatThrowsAbortsItsClaimAndTheRingGoesOn() {
        final DecisionRing ring = new DecisionRing(4096, DecisionRingTest::poisonable);
        assertEquals(DecisionRing.OFFERED, ring.offer(decision("a")));
        assertEquals(DecisionRing.UNSTORABLE, ring.offer(decision(POISON)), "a row that cannot be encoded is refused");
        assertEquals(DecisionRing.OFFERED, ring.offer(decision("b")));
        assertEquals(1, ring.encodingFailures());
        assertEquals(2, ring.written(), "the aborted row is not counted as written");
        // Without the abort the claimed record is never committed and the reader stops in front of it: no "b".
        assertEquals(List.of("a", "b"), drainIds(ring), "the reader skips the aborted record");
        assertEquals(0, ring.depth());
        // Round and round a small ring, a poisoned row every third one: every good row comes out, in order.
        for (int lap = 0; lap < 200; lap++) {
            assertEquals(DecisionRing.OFFERED, ring.offer(decision("x" + lap)));
            assertEquals(DecisionRing.UNSTORABLE, ring.offer(decision(POISON)));
            assertEquals(DecisionRing.OFFERED, ring.offer(decision("y" + lap)));
            assertEquals(List.of("x" + lap, "y" + lap), drainIds(ring), "lap " + lap);
        }
        assertEquals(201, ring.encodingFailures());
    }

    @Test
    void anErrorPropagatesButStillReleasesTheClaim() {
        final DecisionRing ring = new DecisionRing(4096, (decision, buffer, index) -> {
            if (POISON.equals(decision.id())) {
                throw new StackOverflowError("simulated");
            }
            OutcomeCodec.encode(decision, buffer, index);
        });
        assertThrows(StackOverflowError.class, () -> ring.offer(decision(POISON)));
        assertEquals(DecisionRing.OFFERED, ring.offer(decision("after")));
        assertEquals(List.of("after"), drainIds(ring));
        assertEquals(0, ring.encodingFailures(), "an Error is not a dropped row: it propagates");
    }
}
