package io.arbiter.server.outcome;

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
 */
final class DecisionRing {

    static final int MSG_TYPE_DECISION = 1;

    private final ManyToOneRingBuffer ring;
    private final LongAdder written = new LongAdder();
    /** Rows taken by the shipper: written by the shipper thread only, read by status(). */
    private volatile long taken;

    DecisionRing(int capacityBytes) {
        final ByteBuffer memory = ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(memory));
    }

    /** Copies the decision into the ring; false when it does not fit (full) or cannot be encoded. */
    boolean offer(OutcomeEvent decision) {
        final int length = OutcomeCodec.encodedLength(decision);
        if (length < 0 || length > ring.maxMsgLength()) {
            return false;
        }
        final int index = ring.tryClaim(MSG_TYPE_DECISION, length);
        if (index <= 0) {
            return false;
        }
        OutcomeCodec.encode(decision, ring.buffer(), index);
        ring.commit(index);
        written.increment();
        return true;
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
