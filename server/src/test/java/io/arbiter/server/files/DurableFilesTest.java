package io.arbiter.server.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replacing a data-folder file: the new content whole in its place and nothing else left in the folder; a secret's
 * mode set before any of it is written; a failure before the rename leaves the old file as it was and no temporary
 * file.
 */
class DurableFilesTest {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @TempDir
    Path dir;

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private List<Path> folder() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private void assertTheOnlyFileIsASecret(Path file, String content) throws IOException {
        assertEquals(content, Files.readString(file));
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(file));
        assertEquals(List.of(file), folder());
    }

    @Test
    void createsThenReplacesTheContentAndLeavesNoTemporaryFile() throws IOException {
        final Path file = dir.resolve("state.json");
        DurableFiles.replace(file, utf8("{\"a\":1}"));
        assertEquals("{\"a\":1}", Files.readString(file));
        final byte[] large = new byte[1 << 20];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31);
        }
        DurableFiles.replace(file, large);
        assertArrayEquals(large, Files.readAllBytes(file));
        DurableFiles.replace(file, new byte[0]);
        assertEquals(0, Files.size(file), "a shorter content leaves nothing of the longer one");
        assertEquals(List.of(file), folder());
    }

    @Test
    void aLeftoverTemporaryFileOfACrashIsReplacedNotReused() throws IOException {
        final Path file = dir.resolve("password");
        final Path leftover = DurableFiles.temporaryOf(file);
        assertEquals(dir.resolve("password.tmp"), leftover);
        Files.writeString(leftover, "a much longer half-written secret of an earlier start");
        Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("rw-rw-rw-"));
        DurableFiles.replace(file, utf8("secret\n"), OWNER_ONLY);
        assertTheOnlyFileIsASecret(file, "secret\n");
    }

    @Test
    void aSecretsModeIsSetBeforeAnyOfItIsWritten() throws IOException {
        final Path file = dir.resolve("password");
        Files.writeString(file, "old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        final long[] sizeWhenPrepared = {-1};
        DurableFiles.replace(file, utf8("new\n"), OWNER_ONLY, temporary -> {
            assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(temporary), "the mode comes first");
            sizeWhenPrepared[0] = Files.size(temporary);
            assertEquals("old\n", Files.readString(file), "the old file is in place until the rename");
        });
        assertEquals(0, sizeWhenPrepared[0], "nothing written before the mode was set");
        assertTheOnlyFileIsASecret(file, "new\n");
    }

    @Test
    void aFailureBeforeTheRenameLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        final Path file = dir.resolve("pg_hba.conf");
        Files.writeString(file, "host all all 127.0.0.1/32 trust\n");
        final IOException refused = new IOException("cannot give it its owner");
        final IOException thrown = assertThrows(IOException.class, () -> DurableFiles.replace(file,
            utf8("host all all 127.0.0.1/32 scram-sha-256\n"), OWNER_ONLY, temporary -> {
                throw refused;
            }));
        assertSame(refused, thrown);
        assertEquals("host all all 127.0.0.1/32 trust\n", Files.readString(file));
        assertEquals(List.of(file), folder());
    }

    @Test
    void aRenameThatFailsLeavesWhatWasThereAndNoTemporaryFile() throws IOException {
        final Path target = dir.resolve("node-id");
        Files.createDirectory(target); // a non-empty folder where the file should be: the rename cannot replace it
        Files.writeString(target.resolve("inside"), "kept");
        assertThrows(IOException.class, () -> DurableFiles.replace(target, utf8("node-1\n")));
        assertTrue(Files.isDirectory(target));
        assertEquals("kept", Files.readString(target.resolve("inside")));
        assertEquals(List.of(target), folder());
    }

    @Test
    void aMissingFolderIsAFailureThatCreatesNothing() {
        final Path file = dir.resolve("gone").resolve("checkpoint");
        assertThrows(IOException.class, () -> DurableFiles.replace(file, utf8("x")));
        assertFalse(Files.exists(dir.resolve("gone")));
    }
}
