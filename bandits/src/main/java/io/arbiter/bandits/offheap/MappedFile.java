package io.arbiter.bandits.offheap;

import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The lifecycle of a memory-mapped off-heap structure, after Agrona's {@code MarkFile}: map an existing file or
 * create a new one, validate its magic, version and length ({@link MappedFileLayout}), keep a clean-close flag, force
 * to disk, unmap. The structure (a table, a ledger) owns one of these and reads and writes its records through
 * {@link #buffer()}; everything it maps survives a restart, and a SIGKILL too (the page cache outlives the process),
 * while the clean-close flag tells the next opener whether the last process shut down in order.
 *
 * <p>Adding a mapped structure: put its layout in a {@code *Descriptor} (ASCII diagram, named offsets, magic at 0,
 * version at 4, a clean-close long, a {@link MappedFileLayout} constant), give it a factory that calls
 * {@link #mapNewOrExisting} and a direct-memory factory that calls {@link MappedFileLayout#initialise}, and close the
 * mapped file in the structure's {@code close()}. {@code PosteriorTable} and {@code BudgetLedger} are the examples.
 *
 * <p><b>Threads.</b> The buffer is shared: any thread may use it through the structure's atomic operations.
 * {@link #force()} may be called from any thread at any time. {@link #close()} unmaps the memory, after which any
 * access to the buffer crashes the JVM: call it once, from one thread, after every user of the structure stopped.
 *
 * <p>Two openers of one file at once (two processes, say) would share it without any coordination; nothing here
 * prevents that, so the server's data directory must belong to one server.
 */
public final class MappedFile implements AutoCloseable {
    private static final long CLEAN = 1;
    private static final long OPEN = 0;

    private final Path path;
    private final MappedFileLayout layout;
    private final MappedByteBuffer mapped;
    private final AtomicBuffer buffer;
    private final boolean created;
    private final boolean wasCleanlyClosed;
    private boolean closed;

    private MappedFile(Path path, MappedFileLayout layout, MappedByteBuffer mapped, boolean created) {
        this.path = path;
        this.layout = layout;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        this.created = created;
        this.wasCleanlyClosed = !created && buffer.getLongAcquire(layout.cleanCloseOffset()) == CLEAN;
        // Open from now on: a crash before close() leaves 0 here for the next opener to see.
        buffer.putLongRelease(layout.cleanCloseOffset(), OPEN);
    }

    /**
     * Maps {@code file} if it exists, validating it against {@code layout}; otherwise creates it with
     * {@code newLength} zero bytes, writes the header through {@link MappedFileLayout#initialise} and forces it to
     * disk. An existing file keeps its own length and header (a capacity passed for a new file does not resize it).
     *
     * @param file      the file; its directory must exist
     * @param layout    the structure's header layout
     * @param newLength length in bytes of a new file: at least {@code layout.headerLength()} and at most
     *                  {@link Integer#MAX_VALUE} (one mapping, addressed by int offsets)
     * @param fields    writes the structure's own header fields into a new file (not called for an existing one)
     * @return the mapped file, open: its clean-close flag is 0 until {@link #close()}
     * @throws IllegalStateException if an existing file is not a valid file of {@code layout} (it is left unmapped
     *                               and unchanged)
     */
    public static MappedFile mapNewOrExisting(Path file, MappedFileLayout layout, long newLength,
                                              Consumer<AtomicBuffer> fields) {
        Objects.requireNonNull(layout, "layout");
        if (Files.exists(file)) {
            return mapExisting(file, layout);
        }
        if (newLength < layout.headerLength() || newLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a new " + layout.description() + " needs a length in "
                + layout.headerLength() + ".." + Integer.MAX_VALUE + ", was " + newLength);
        }
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), newLength);
        layout.initialise(new UnsafeBuffer(mapped), fields);
        mapped.force();
        return new MappedFile(file, layout, mapped, true);
    }

    /**
     * Maps an existing {@code file}, validating its magic, version and length against {@code layout}.
     *
     * @throws IllegalStateException if it is not a valid file of {@code layout} (it is left unmapped and unchanged)
     */
    public static MappedFile mapExisting(Path file, MappedFileLayout layout) {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), layout.description());
        final String problem = layout.problem(new UnsafeBuffer(mapped), mapped.capacity());
        if (problem != null) {
            IoUtil.unmap(mapped);
            throw new IllegalStateException(file + " " + problem);
        }
        return new MappedFile(file, layout, mapped, false);
    }

    /** The whole file, header included; valid until {@link #close()}. */
    public AtomicBuffer buffer() {
        return buffer;
    }

    public Path path() {
        return path;
    }

    public MappedFileLayout layout() {
        return layout;
    }

    /** Whether this call created the file (its header is new and its records are zero). */
    public boolean wasCreated() {
        return created;
    }

    /** Whether the file had been closed cleanly by its last user (false for a new file, and after a crash). */
    public boolean wasCleanlyClosed() {
        return wasCleanlyClosed;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Writes the mapped pages to the file (msync); a no-op after {@link #close()}. */
    public void force() {
        if (!closed) {
            mapped.force();
        }
    }

    /**
     * Sets the clean-close flag, forces the file and unmaps it. Idempotent. Every user of the buffer must have stopped:
     * touching unmapped memory crashes the JVM.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        buffer.putLongRelease(layout.cleanCloseOffset(), CLEAN);
        mapped.force();
        IoUtil.unmap(mapped);
    }
}
