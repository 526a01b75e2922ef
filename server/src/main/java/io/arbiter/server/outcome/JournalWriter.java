package io.arbiter.server.outcome;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import static io.arbiter.server.outcome.JournalDescriptor.CRC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.HEADER_LENGTH;
import static io.arbiter.server.outcome.JournalDescriptor.LENGTH_OFFSET;

/**
 * The journal's single writer thread: group commit.
 *
 * <p>Event loops enqueue appends into a bounded many-to-one queue ({@link #offer}) and never touch the file. The writer
 * drains everything pending, encodes it into one buffer, writes it, calls {@link FileChannel#force} once, publishes the
 * new durable end to the journal and only then completes every append's promise, each on the Vert.x context it came
 * from. The more appends arrive while an fsync is in progress, the larger the next group: throughput grows with load
 * while an idle system pays one fsync per append.
 *
 * <p>An I/O error while writing or syncing fails the group and puts the writer in a failed state where every later
 * append fails too: after a failed fsync the file's content is unknown (the page cache may have dropped the dirty
 * pages), so continuing would acknowledge records that may not be on disk.
 */
final class JournalWriter implements AutoCloseable {

    /** One append waiting for the writer. */
    record PendingAppend(OutcomeEvent event, int payloadLength, Promise<Void> promise, Context context) {
        int recordLength() {
            return HEADER_LENGTH + payloadLength;
        }
    }

    /** Metrics hooks, called on the writer thread. */
    interface Listener {
        void written(int appendCount);

        void fsync(long nanos);

        void failed(int appendCount);
    }

    private static final System.Logger LOG = System.getLogger(JournalWriter.class.getName());
    private static final int WRITE_BUFFER_LENGTH = Math.max(1 << 20, 2 * OutcomeCodec.MAX_RECORD_LENGTH);
    private static final int MAX_GROUP = 1 << 14;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Journal journal;
    private final long segmentBytes;
    private final ManyToOneConcurrentArrayQueue<PendingAppend> queue;
    /** Bytes of appends accepted but not yet durable; counted against the journal limit by the pipeline. */
    private final AtomicLong pendingBytes = new AtomicLong();
    /** Appends accepted whose promise has not been settled yet (with its listeners, which run as it settles). */
    private final AtomicLong unsettled = new AtomicLong();
    private final Listener listener;
    private final Thread thread;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_LENGTH);
    private final UnsafeBuffer view = new UnsafeBuffer(buffer);
    private final CRC32C crc = new CRC32C();
    private final List<PendingAppend> group = new ArrayList<>();

    private volatile boolean parked;
    private volatile boolean stopping;
    private volatile IOException failure;

    private Journal.Segment segment;
    private FileChannel channel;
    private long position;

    JournalWriter(Journal journal, long segmentBytes, int queueCapacity, Listener listener) throws IOException {
        this.journal = journal;
        this.segmentBytes = segmentBytes;
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueCapacity);
        this.listener = listener;
        openSegment(journal.activeSegment());
        this.thread = new Thread(this::run, "arbiter-journal-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long pendingBytes() {
        return pendingBytes.get();
    }

    /** Adds to the pending bytes before an append is offered (so the limit check covers concurrent appenders). */
    long reserve(long bytes) {
        return pendingBytes.addAndGet(bytes);
    }

    void release(long bytes) {
        pendingBytes.addAndGet(-bytes);
    }

    IOException failure() {
        return failure;
    }

    int queued() {
        return queue.size();
    }

    /** Enqueues an append; false when the queue is full. Wakes the writer if it sleeps. */
    boolean offer(PendingAppend append) {
        unsettled.incrementAndGet(); // before the writer can settle it
        if (!queue.offer(append)) {
            unsettled.decrementAndGet();
            return false;
        }
        // Dekker pairing with run(): the writer sets parked then re-checks the queue; we enqueue then read parked.
        if (parked) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    private void run() {
        while (true) {
            group.clear();
            queue.drainTo(group, MAX_GROUP);
            if (group.isEmpty()) {
                if (stopping) {
                    break;
                }
                parked = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                parked = false;
                continue;
            }
            IOException failed = failure;
            if (failed == null) {
                try {
                    writeGroup();
                } catch (IOException | RuntimeException e) {
                    failed = e instanceof IOException io ? io : new IOException(e);
                    failure = failed;
                    LOG.log(System.Logger.Level.ERROR, "journal write failed; refusing appends from now on", e);
                }
            }
            long bytes = 0;
            for (final PendingAppend append : group) {
                bytes += append.recordLength();
            }
            pendingBytes.addAndGet(-bytes);
            if (failed != null) {
                listener.failed(group.size());
            }
            complete(group, failed);
        }
    }

    private void writeGroup() throws IOException {
        buffer.clear();
        int groupEvents = 0;
        long firstMillis = group.get(0).event().timeMillis();
        for (final PendingAppend append : group) {
            final int recordLength = append.recordLength();
            if (position - segment.base + buffer.position() + recordLength > segmentBytes
                    && position + buffer.position() > segment.base) {
                writeBuffer();
                sync(groupEvents, firstMillis);
                groupEvents = 0;
                firstMillis = append.event().timeMillis();
                channel.close();
                openSegment(journal.roll(position));
            }
            if (buffer.remaining() < recordLength) {
                writeBuffer();
            }
            final int offset = buffer.position();
            final int written = OutcomeCodec.encode(append.event(), view, offset + HEADER_LENGTH);
            crc.reset();
            buffer.limit(offset + HEADER_LENGTH + written).position(offset + HEADER_LENGTH);
            crc.update(buffer);
            buffer.limit(buffer.capacity());
            view.putInt(offset + LENGTH_OFFSET, written, OutcomeCodec.ORDER);
            view.putInt(offset + CRC_OFFSET, (int) crc.getValue(), OutcomeCodec.ORDER);
            buffer.position(offset + HEADER_LENGTH + written);
            groupEvents++;
        }
        writeBuffer();
        sync(groupEvents, firstMillis);
        listener.written(group.size());
    }

    private void writeBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position - segment.base);
        }
        buffer.clear();
    }

    private void sync(int events, long firstMillis) throws IOException {
        final long started = System.nanoTime();
        channel.force(false);
        listener.fsync(System.nanoTime() - started);
        journal.published(segment, position, events, firstMillis);
    }

    private void openSegment(Journal.Segment next) throws IOException {
        segment = next;
        channel = FileChannel.open(next.path, StandardOpenOption.WRITE);
        position = next.end;
    }

    /** Appends accepted whose promise (and the listeners it runs) has not been settled yet. Any thread. */
    long unsettled() {
        return unsettled.get();
    }

    private void complete(List<PendingAppend> group, Throwable failure) {
        final Map<Context, List<Promise<Void>>> byContext = new IdentityHashMap<>();
        for (final PendingAppend append : group) {
            if (append.context() == null) {
                settle(append.promise(), failure);
            } else {
                byContext.computeIfAbsent(append.context(), c -> new ArrayList<>()).add(append.promise());
            }
        }
        for (final Map.Entry<Context, List<Promise<Void>>> entry : byContext.entrySet()) {
            final List<Promise<Void>> promises = entry.getValue();
            entry.getKey().runOnContext(v -> {
                for (final Promise<Void> promise : promises) {
                    settle(promise, failure);
                }
            });
        }
    }

    private void settle(Promise<Void> promise, Throwable failure) {
        try {
            if (failure == null) {
                promise.complete();
            } else {
                promise.fail(failure);
            }
        } finally {
            unsettled.decrementAndGet();
        }
    }

    /** Writes everything already queued, then stops the thread. */
    @Override
    public void close() throws IOException {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // An appender that passed the pipeline's closed check just before close may have enqueued after the last drain.
        group.clear();
        queue.drainTo(group, Integer.MAX_VALUE);
        complete(group, new IllegalStateException("outcome pipeline closed"));
        channel.close();
    }
}
