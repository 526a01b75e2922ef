package io.arbiter.server.outcome;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decision rows on their way to Postgres: an off-heap many-to-one ring (Agrona {@link ManyToOneRingBuffer}), written
 * by any event loop without locks or allocation, read by the shipper thread only.
 *
 * <p>Decisions are never acknowledged to anyone, so a full ring simply refuses the row (the caller counts the drop)
 * and a crash loses what is in the ring.
 *
 * <p>A row is claimed, encoded in place and committed, as Agrona's {@code RingBuffer.tryClaim} suggests; if encoding
 * throws, the claim is aborted (the reader skips it as padding) so the ring never stalls on a record nobody will
 * commit.
 */
final class DecisionRing {

    static final int MSG_TYPE_DECISION = 1;

    /** Writes one decision at {@code index} in {@code buffer}; {@link OutcomeCodec#encode} outside tests. */
    @FunctionalInterface
    interface Encoder {
        void encode(OutcomeEvent decision, MutableDirectBuffer buffer, int index);
    }

    private static final System.Logger LOG = System.getLogger(DecisionRing.class.getName());

    private final ManyToOneRingBuffer ring;
    private final Encoder encoder;
    private final LongAdder written = new LongAdder();
    private final LongAdder encodingFailures = new LongAdder();
    /** Rows taken by the shipper: written by the shipper thread only, read by status(). */
    private volatile long taken;

    DecisionRing(int capacityBytes) {
        this(capacityBytes, OutcomeCodec::encode);
    }

    DecisionRing(int capacityBytes, Encoder encoder) {
        final ByteBuffer memory = ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(memory));
        this.encoder = encoder;
    }

    /** {@link #offer}: the row is in the ring. */
    static final int OFFERED = 0;
    /** {@link #offer}: the ring had no room for the row. */
    static final int FULL = 1;
    /** {@link #offer}: the row cannot be stored (a length out of range, or an encoder that threw). */
    static final int UNSTORABLE = 2;

    /**
     * Copies the decision into the ring: {@link #OFFERED}, {@link #FULL} when it does not fit, or {@link #UNSTORABLE}
     * when it cannot be encoded (a length out of range, or an encoder that throws: the claim is aborted and the failure
     * counted in {@link #encodingFailures()}).
     */
    int offer(OutcomeEvent decision) {
        final int length = OutcomeCodec.encodedLength(decision);
        if (length < 0 || length > ring.maxMsgLength()) {
            return UNSTORABLE;
        }
        final int index = ring.tryClaim(MSG_TYPE_DECISION, length);
        if (index <= 0) {
            return FULL;
        }
        try {
            encoder.encode(decision, ring.buffer(), index);
        } catch (Throwable e) {
            ring.abort(index); // a claimed record must be committed or aborted, or the reader waits on it for ever
            if (e instanceof Error) {
                throw e; // out of memory and the like: the caller's problem, but the ring stays usable
            }
            encodingFailures.increment();
            if (encodingFailures.sum() == 1) {
                // A codec bug, not bad input (encodedLength checked the row): worth one stack trace, not one per row.
                LOG.log(System.Logger.Level.ERROR, "decision row could not be encoded; dropped (later ones are only "
                        + "counted)", e);
            }
            return UNSTORABLE;
        }
        ring.commit(index);
        written.increment();
        return OFFERED;
    }

    /** Rows dropped because encoding threw (their claims aborted). */
    long encodingFailures() {
        return encodingFailures.sum();
    }

    /** Shipper thread: moves up to {@code limit} decisions into {@code out}; returns how many. */
    int drain(List<OutcomeEvent> out, int limit) {
        final int read = ring.read((msgTypeId, buffer, index, length) ->
                out.add(OutcomeCodec.decode(buffer, index, length)), limit);
        taken += read;
        return read;
    }

    /** Decisions written so far (for flush targets). */
    long written() {
        return written.sum();
    }

    long taken() {
        return taken;
    }

    long depth() {
        return Math.max(0, written.sum() - taken);
    }
}
