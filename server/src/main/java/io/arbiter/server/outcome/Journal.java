package io.arbiter.server.outcome;

import io.arbiter.server.files.DurableFiles;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_CRC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_LENGTH;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_MAGIC;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_MAGIC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_POSITION_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.CRC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.HEADER_LENGTH;
import static io.arbiter.server.outcome.JournalDescriptor.LENGTH_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.NOT_A_SEGMENT;

/**
 * The durable local journal: segment files, recovery, the shipped checkpoint and sequential reading.
 *
 * <p>Threads: the {@link JournalWriter} thread appends (rolling segments through {@link #roll}) and publishes the
 * durable end after each fsync ({@link #published}); the shipper thread reads up to that end ({@link #read}) and
 * advances the checkpoint ({@link #markShipped}), deleting fully shipped segments. Positions are published through
 * volatile fields (release on write, acquire on read), so the reader never sees bytes that are not yet fsynced.
 */
final class Journal implements AutoCloseable {

    /** One segment file. {@code end} is the position after its last durable record. */
    static final class Segment {
        final long base;
        final Path path;
        volatile long end;
        /** Set once the writer has moved on: no record will be added, so the reader may skip to the next one. */
        volatile boolean sealed;

        Segment(long base, Path path, long end) {
            this.base = base;
            this.path = path;
            this.end = end;
        }
    }

    /** What recovery found when the journal was opened. */
    record Recovery(long checkpoint, long unshippedEvents, long unshippedBytes, long truncatedBytes,
                    int corruptSegments) {
    }

    /** {@link #validRecordLength}: the bytes read end inside the record; read on from its start. */
    static final int INCOMPLETE_RECORD = -1;
    /** {@link #validRecordLength}: bad length or CRC; the valid part of the segment ends at this record. */
    static final int INVALID_RECORD = -2;
    /** {@code readChannelBase} when no segment is open for reading. */
    private static final long NO_READ_CHANNEL = -1;

    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final int READ_BUFFER_LENGTH = Math.max(1 << 20, 2 * OutcomeCodec.MAX_RECORD_LENGTH);

    private final Path dir;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final AtomicLong unshippedEvents = new AtomicLong();
    private final Recovery recovery;
    private volatile long durablePosition;
    private volatile long shippedPosition;
    private volatile long oldestUnshippedMillis;
    private volatile long corruptRecords;

    // Reader state: shipper thread only.
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_LENGTH);
    private final UnsafeBuffer readView = new UnsafeBuffer(readBuffer);
    private final CRC32C readCrc = new CRC32C();
    private FileChannel readChannel;
    private long readChannelBase = NO_READ_CHANNEL;

    private final FileChannel lockChannel;
    private final FileLock lock;

    private Journal(Path dir) throws IOException {
        this.dir = dir;
        this.lockChannel = FileChannel.open(dir.resolve(JournalDescriptor.LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null;
        }
        if (acquired == null) {
            lockChannel.close();
            throw new IOException("journal " + dir + " is in use by another pipeline (" + JournalDescriptor.LOCK_FILE
                    + " is locked)");
        }
        this.lock = acquired;
        try {
            this.recovery = recover();
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
    }

    /**
     * Opens (creating if needed) the journal in {@code dir}, recovering the unshipped tail. Only one pipeline (in any
     * process) may use a journal at a time: an OS file lock, released by the kernel when the process dies, enforces it.
     */
    static Journal open(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new Journal(dir);
    }

    Recovery recovery() {
        return recovery;
    }

    Path dir() {
        return dir;
    }

    // ---------------------------------------------------------------- recovery

    private Recovery recover() throws IOException {
        final long checkpoint = readCheckpoint();
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.filter(p -> JournalDescriptor.segmentBase(p) != NOT_A_SEGMENT).sorted().forEach(files::add);
        }
        long events = 0;
        long truncated = 0;
        int corrupt = 0;
        long oldest = 0;
        for (int i = 0; i < files.size(); i++) {
            final Path file = files.get(i);
            final long base = JournalDescriptor.segmentBase(file);
            final long size = Files.size(file);
            final boolean last = i == files.size() - 1;
            if (!last && base + size <= checkpoint) {
                Files.delete(file); // fully shipped; its deletion was lost in a crash
                continue;
            }
            final ScanResult scan = scan(file, base, size, checkpoint);
            events += scan.unshippedEvents;
            if (oldest == 0 && scan.oldestMillis != 0) {
                oldest = scan.oldestMillis;
            }
            if (scan.validEnd < base + size) {
                final long dropped = base + size - scan.validEnd;
                truncated += dropped;
                if (last) {
                    LOG.log(System.Logger.Level.WARNING, "journal {0}: torn tail of {1} bytes after position {2} "
                            + "(normally an append cut short by a crash before it was acknowledged) truncated", file,
                            Long.toString(dropped), Long.toString(scan.validEnd));
                } else {
                    corrupt++;
                    LOG.log(System.Logger.Level.ERROR, "journal {0}: corrupt record at position {1}; {2} bytes "
                            + "after it are unreadable and dropped", file, Long.toString(scan.validEnd),
                            Long.toString(dropped));
                }
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(scan.validEnd - base);
                    channel.force(true);
                }
            }
            final Segment segment = new Segment(base, file, scan.validEnd);
            segment.sealed = !last;
            segments.put(base, segment);
        }
        final long end = segments.isEmpty() ? checkpoint : segments.lastEntry().getValue().end;
        durablePosition = Math.max(end, checkpoint);
        shippedPosition = checkpoint;
        unshippedEvents.set(events);
        oldestUnshippedMillis = oldest;
        final long unshippedBytes = Math.max(0, end - checkpoint);
        if (events > 0 || truncated > 0) {
            LOG.log(System.Logger.Level.INFO, "journal {0}: recovered {1} unshipped events ({2} bytes) after "
                    + "checkpoint {3}", dir, Long.toString(events), Long.toString(unshippedBytes),
                    Long.toString(checkpoint));
        }
        return new Recovery(checkpoint, events, unshippedBytes, truncated, corrupt);
    }

    private record ScanResult(long validEnd, long unshippedEvents, long oldestMillis) {
    }

    /** Validates records from the start of the segment; counts those at or after the checkpoint. */
    private ScanResult scan(Path file, long base, long size, long checkpoint) throws IOException {
        long events = 0;
        long oldest = 0;
        long position = base;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (position < base + size) {
                final int n = fill(channel, position - base, base + size - position);
                int offset = 0;
                boolean invalid = false;
                while (true) {
                    final int status = validRecordLength(offset, n);
                    if (status == INCOMPLETE_RECORD) {
                        break; // need more bytes
                    }
                    if (status == INVALID_RECORD) {
                        invalid = true; // the valid part of the segment ends here
                        break;
                    }
                    if (position + offset >= checkpoint) {
                        events++;
                        if (oldest == 0) {
                            oldest = readView.getLong(offset + HEADER_LENGTH + OutcomeCodec.TIME_OFFSET,
                                    OutcomeCodec.ORDER);
                        }
                    }
                    offset += status;
                }
                position += offset;
                if (invalid || offset == 0) {
                    break; // a corrupt record, or an incomplete one at the end of the file
                }
            }
        }
        return new ScanResult(position, events, oldest);
    }

    /**
     * Checks the record at {@code offset} in the read buffer holding {@code available} bytes: its total length (header
     * included, so positive) when it is complete and valid, {@link #INCOMPLETE_RECORD} when more bytes are needed,
     * {@link #INVALID_RECORD} when it is invalid.
     */
    private int validRecordLength(int offset, int available) {
        if (offset + HEADER_LENGTH > available) {
            return INCOMPLETE_RECORD;
        }
        final int length = readView.getInt(offset + LENGTH_OFFSET, OutcomeCodec.ORDER);
        if (length < OutcomeCodec.MIN_PAYLOAD_LENGTH || length > OutcomeCodec.MAX_PAYLOAD_LENGTH) {
            return INVALID_RECORD;
        }
        if (offset + HEADER_LENGTH + length > available) {
            // A buffer that holds a record of the largest size and still not this one: the length lies.
            return available - offset >= OutcomeCodec.MAX_RECORD_LENGTH ? INVALID_RECORD : INCOMPLETE_RECORD;
        }
        final int crc = readView.getInt(offset + CRC_OFFSET, OutcomeCodec.ORDER);
        readCrc.reset();
        readBuffer.limit(offset + HEADER_LENGTH + length).position(offset + HEADER_LENGTH);
        readCrc.update(readBuffer);
        readBuffer.clear();
        return (int) readCrc.getValue() == crc ? HEADER_LENGTH + length : INVALID_RECORD;
    }

    /** Reads up to {@code max} bytes at {@code filePosition} into the read buffer; returns the count. */
    private int fill(FileChannel channel, long filePosition, long max) throws IOException {
        readBuffer.clear();
        readBuffer.limit((int) Math.min(readBuffer.capacity(), max));
        while (readBuffer.hasRemaining()) {
            final int read = channel.read(readBuffer, filePosition + readBuffer.position());
            if (read < 0) {
                break;
            }
        }
        final int n = readBuffer.position();
        readBuffer.clear();
        return n;
    }

    // ---------------------------------------------------------------- writer side

    /** The segment new records go to (created at the checkpoint when the journal is empty). */
    Segment activeSegment() throws IOException {
        final Map.Entry<Long, Segment> last = segments.lastEntry();
        if (last == null || last.getValue().end < shippedPosition) {
            if (last != null) {
                last.getValue().sealed = true;
            }
            return roll(Math.max(durablePosition, shippedPosition));
        }
        return last.getValue();
    }

    /** Seals the current segment (if any) and creates a new one starting at {@code base}. */
    Segment roll(long base) throws IOException {
        final Map.Entry<Long, Segment> last = segments.lastEntry();
        final Path path = dir.resolve(JournalDescriptor.segmentFileName(base));
        Files.newByteChannel(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        syncDirectory();
        final Segment segment = new Segment(base, path, base);
        segments.put(base, segment);
        if (last != null) {
            last.getValue().sealed = true; // after the new segment is visible, so the reader always has a next one
        }
        return segment;
    }

    /** Called by the writer after an fsync: records up to {@code end} in {@code segment} are durable. */
    void published(Segment segment, long end, int events, long firstEventMillis) {
        if (unshippedEvents.getAndAdd(events) == 0 && events > 0) {
            oldestUnshippedMillis = firstEventMillis;
        }
        segment.end = end;
        durablePosition = end;
    }

    long durablePosition() {
        return durablePosition;
    }

    long shippedPosition() {
        return shippedPosition;
    }

    long unshippedBytes() {
        return Math.max(0, durablePosition - shippedPosition);
    }

    long unshippedEvents() {
        return unshippedEvents.get();
    }

    /** Event time of the oldest unshipped record, 0 when everything is shipped. */
    long oldestUnshippedMillis() {
        return unshippedEvents.get() == 0 ? 0 : oldestUnshippedMillis;
    }

    /** The shipper saw the oldest unshipped record (the first of the batch it is about to ship). */
    void noteOldestUnshipped(long eventMillis) {
        oldestUnshippedMillis = eventMillis;
    }

    long corruptRecords() {
        return corruptRecords;
    }

    // ---------------------------------------------------------------- reader side (shipper thread)

    /**
     * Reads up to {@code maxRecords} durable records starting at {@code from} into {@code out}; returns the position
     * after the last record read ({@code from} when nothing was available).
     */
    long read(long from, int maxRecords, List<OutcomeEvent> out) throws IOException {
        long position = from;
        while (out.size() < maxRecords) {
            Map.Entry<Long, Segment> entry = segments.floorEntry(position);
            if (entry == null) {
                entry = segments.firstEntry();
                if (entry == null) {
                    break;
                }
                position = entry.getKey();
            }
            final Segment segment = entry.getValue();
            final boolean sealed = segment.sealed; // read before end: a sealed segment's end is final
            final long end = segment.end;
            if (position >= end) {
                final Map.Entry<Long, Segment> next = sealed ? segments.higherEntry(segment.base) : null;
                if (next == null) {
                    break;
                }
                position = next.getKey();
                continue;
            }
            final int n = fill(channelFor(segment), position - segment.base, end - position);
            int offset = 0;
            while (out.size() < maxRecords) {
                final int status = validRecordLength(offset, n);
                if (status == INCOMPLETE_RECORD) {
                    break;
                }
                if (status == INVALID_RECORD) {
                    corruptRecords++;
                    LOG.log(System.Logger.Level.ERROR, "journal {0}: corrupt record at position {1}; skipping the "
                            + "rest of the segment", segment.path, Long.toString(position + offset));
                    offset = (int) Math.min(Integer.MAX_VALUE, end - position);
                    break;
                }
                final int length = readView.getInt(offset + LENGTH_OFFSET, OutcomeCodec.ORDER);
                out.add(OutcomeCodec.decode(readView, offset + HEADER_LENGTH, length));
                offset += status;
            }
            if (offset == 0) {
                break;
            }
            position += offset;
        }
        return position;
    }

    private FileChannel channelFor(Segment segment) throws IOException {
        if (readChannelBase != segment.base) {
            closeReadChannel();
            readChannel = FileChannel.open(segment.path, StandardOpenOption.READ);
            readChannelBase = segment.base;
        }
        return readChannel;
    }

    private void closeReadChannel() throws IOException {
        if (readChannel != null) {
            readChannel.close();
            readChannel = null;
            readChannelBase = NO_READ_CHANNEL;
        }
    }

    /** Everything before {@code position} is committed in Postgres: persist that, drop fully shipped segments. */
    void markShipped(long position, long events) throws IOException {
        writeCheckpoint(position);
        shippedPosition = position;
        unshippedEvents.addAndGet(-events);
        for (final Map.Entry<Long, Segment> entry : segments.entrySet()) {
            final Segment segment = entry.getValue();
            if (!segment.sealed || segment.end > position) {
                break;
            }
            if (readChannelBase == segment.base) {
                closeReadChannel();
            }
            Files.deleteIfExists(segment.path);
            segments.remove(entry.getKey());
        }
    }

    private long readCheckpoint() throws IOException {
        final Path file = dir.resolve(JournalDescriptor.CHECKPOINT_FILE);
        if (!Files.exists(file)) {
            return 0;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file)).order(OutcomeCodec.ORDER);
        if (buffer.remaining() != CHECKPOINT_LENGTH
                || buffer.getInt(CHECKPOINT_MAGIC_OFFSET) != CHECKPOINT_MAGIC
                || buffer.getInt(CHECKPOINT_CRC_OFFSET) != crcOf(buffer.getLong(CHECKPOINT_POSITION_OFFSET))) {
            // Shipping is idempotent, so re-shipping every segment still on disk is safe; refusing to start is not.
            LOG.log(System.Logger.Level.ERROR, "journal checkpoint {0} is damaged; replaying every segment from the "
                    + "start (rows already in Postgres are skipped)", file);
            return 0;
        }
        return buffer.getLong(CHECKPOINT_POSITION_OFFSET);
    }

    private void writeCheckpoint(long position) throws IOException {
        final ByteBuffer buffer = ByteBuffer.allocate(CHECKPOINT_LENGTH).order(OutcomeCodec.ORDER);
        buffer.putInt(CHECKPOINT_MAGIC_OFFSET, CHECKPOINT_MAGIC)
                .putLong(CHECKPOINT_POSITION_OFFSET, position)
                .putInt(CHECKPOINT_CRC_OFFSET, crcOf(position));
        DurableFiles.replace(dir.resolve(JournalDescriptor.CHECKPOINT_FILE), buffer.array());
    }

    private static int crcOf(long position) {
        final CRC32C crc = new CRC32C();
        final ByteBuffer bytes = ByteBuffer.allocate(8).order(OutcomeCodec.ORDER).putLong(position).flip();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** Makes a file creation or rename durable (Linux: fsync on the directory). */
    void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        closeReadChannel();
        if (lock.isValid()) {
            lock.release();
        }
        lockChannel.close();
    }
}
