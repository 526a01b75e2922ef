package io.arbiter.server.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Replaces a small file of the data folder so that a crash or a power cut at any moment leaves either its old content
 * or the new one, whole. The bytes go to a temporary file beside it ({@code <name>.tmp}, made anew: a leftover of an
 * earlier crash is deleted first, so it never lends its mode or owner), which is forced to the disk and renamed over
 * the file (atomic within one folder); then the folder is forced so that the rename itself survives a power cut (not
 * on Windows, which cannot open a folder for it). A failure before the rename leaves the old file as it was and no
 * temporary file; one in forcing the folder after it is thrown, with the new content in place.
 *
 * <p>For a secret ({@code permissions} given, e.g. {@code rw-------}) the temporary file is created with them, so the
 * content is never readable by anyone else, not even before the rename. Blocking; not for an event loop.
 */
public final class DurableFiles {
    /** The suffix of the temporary file, beside its target. */
    public static final String TEMPORARY_SUFFIX = ".tmp";

    private static final boolean FOLDERS_CAN_BE_FORCED =
        !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");

    /** Something done to the temporary file after it is created and before the content is written (its owner). */
    @FunctionalInterface
    public interface Preparation {
        void prepare(Path temporary) throws IOException;
    }

    private DurableFiles() {
    }

    /** Replaces (or creates) {@code target} with {@code bytes}, atomically and durably. */
    public static void replace(Path target, byte[] bytes) throws IOException {
        replace(target, bytes, null, null);
    }

    /** As {@link #replace(Path, byte[])}, the file having exactly {@code permissions} from its creation on. */
    public static void replace(Path target, byte[] bytes, Set<PosixFilePermission> permissions) throws IOException {
        replace(target, bytes, permissions, null);
    }

    /**
     * As {@link #replace(Path, byte[], Set)} ({@code permissions} may be null: the default mode), with
     * {@code preparation} applied to the temporary file, still empty, before the content is written.
     */
    public static void replace(Path target, byte[] bytes, Set<PosixFilePermission> permissions,
                               Preparation preparation) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        final Path temporary = temporaryOf(target);
        Files.deleteIfExists(temporary);
        final Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        final FileAttribute<?>[] attributes = permissions == null ? new FileAttribute<?>[0]
            : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
        try {
            try (FileChannel channel = FileChannel.open(temporary, options, attributes)) {
                if (permissions != null) {
                    Files.setPosixFilePermissions(temporary, permissions); // exactly these, whatever the umask
                }
                if (preparation != null) {
                    preparation.prepare(temporary);
                }
                final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        forceFolderOf(target);
    }

    /** The temporary file {@link #replace} writes {@code target}'s new content to. */
    public static Path temporaryOf(Path target) {
        return target.resolveSibling(target.getFileName() + TEMPORARY_SUFFIX);
    }

    /** Makes a file's creation, deletion or renaming in its folder durable (Linux: fsync on the folder). */
    private static void forceFolderOf(Path file) throws IOException {
        if (!FOLDERS_CAN_BE_FORCED) {
            return;
        }
        final Path folder = file.toAbsolutePath().getParent();
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
