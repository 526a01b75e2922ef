package io.arbiter.bandits.offheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapped-file lifecycle: create, reopen, validate, clean-close flag, refusal of files that are not ours. */
class MappedFileTest {
    /** A small structure: magic, version, a record count at 8, the clean-close flag at 16, 8-byte records from 64. */
    static final int COUNT_OFFSET = 8;
    static final int CLEAN_CLOSE_OFFSET = 16;
    static final int HEADER_LENGTH = 64;
    static final MappedFileLayout LAYOUT = new MappedFileLayout("test structure", 0x54455354, 3, CLEAN_CLOSE_OFFSET,
        HEADER_LENGTH, header -> {
            final int count = header.getInt(COUNT_OFFSET);
            return count > 0 ? HEADER_LENGTH + 8L * count : -1;
        });

    @TempDir
    Path dir;

    static MappedFile open(Path file, int count) {
        return MappedFile.mapNewOrExisting(file, LAYOUT, HEADER_LENGTH + 8L * count,
            b -> b.putInt(COUNT_OFFSET, count));
    }

    @Test
    void aNewFileIsInitialisedAndReopensWithItsContentsAndTheCleanCloseFlag() {
        final Path file = dir.resolve("s.bin");
        try (MappedFile created = open(file, 4)) {
            assertTrue(created.wasCreated());
            assertFalse(created.wasCleanlyClosed(), "a new file was never closed");
            assertEquals(LAYOUT.magic(), created.buffer().getInt(MappedFileLayout.MAGIC_OFFSET));
            assertEquals(3, created.buffer().getInt(MappedFileLayout.VERSION_OFFSET));
            assertEquals(0, created.buffer().getLong(CLEAN_CLOSE_OFFSET), "open");
            created.buffer().putLong(HEADER_LENGTH + 8, 42);
            created.force();
        }
        try (MappedFile reopened = open(file, 99)) {
            assertFalse(reopened.wasCreated());
            assertTrue(reopened.wasCleanlyClosed());
            assertEquals(4, reopened.buffer().getInt(COUNT_OFFSET), "an existing file keeps its header");
            assertEquals(HEADER_LENGTH + 32, reopened.buffer().capacity(), "and its length");
            assertEquals(42, reopened.buffer().getLong(HEADER_LENGTH + 8));
            assertEquals(0, reopened.buffer().getLong(CLEAN_CLOSE_OFFSET), "open again until closed");
            // A second opener meanwhile (as after a crash) sees the file as not cleanly closed.
            try (MappedFile second = MappedFile.mapExisting(file, LAYOUT)) {
                assertFalse(second.wasCleanlyClosed());
            }
        }
    }

    @Test
    void closeIsIdempotentAndForceAfterCloseIsANoOp() {
        final MappedFile file = open(dir.resolve("c.bin"), 1);
        file.close();
        assertTrue(file.isClosed());
        file.close();
        file.force();
    }

    @Test
    void aFileOfZerosAsATornCreationLeavesItIsRefused() throws IOException {
        final Path file = dir.resolve("zeros.bin");
        Files.write(file, new byte[HEADER_LENGTH + 8]);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(file, 1));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
        assertArrayEquals(new byte[HEADER_LENGTH + 8], Files.readAllBytes(file), "a refused file is left unchanged");
    }

    @Test
    void anotherVersionAnInconsistentHeaderAndATruncatedFileAreRefused() throws IOException {
        final Path file = dir.resolve("v.bin");
        open(file, 4).close();
        final byte[] good = Files.readAllBytes(file);

        patchInt(file, MappedFileLayout.VERSION_OFFSET, 4);
        assertRefused(file, "version 4, expected 3");
        Files.write(file, good);
        patchInt(file, COUNT_OFFSET, 0);
        assertRefused(file, "inconsistent");
        Files.write(file, good);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(HEADER_LENGTH + 8);
        }
        assertRefused(file, "truncated");
        Files.write(file, new byte[8]);
        assertRefused(file, "bad magic");
    }

    @Test
    void layoutsAreCheckedWhenDeclared() {
        assertThrows(IllegalArgumentException.class, () -> new MappedFileLayout("x", 0, 1, 8, 64, h -> 64));
        assertThrows(IllegalArgumentException.class, () -> new MappedFileLayout("x", 1, 1, 4, 64, h -> 64));
        assertThrows(IllegalArgumentException.class, () -> new MappedFileLayout("x", 1, 1, 0, 64, h -> 64));
        assertThrows(IllegalArgumentException.class, () -> new MappedFileLayout("x", 1, 1, 64, 64, h -> 64));
        assertThrows(IllegalArgumentException.class, () -> new MappedFileLayout("x", 1, 1, 8, 60, h -> 64));
        assertThrows(IllegalArgumentException.class, () -> MappedFile.mapNewOrExisting(dir.resolve("short.bin"),
            LAYOUT, HEADER_LENGTH - 8, b -> b.putInt(COUNT_OFFSET, 1)), "a new file shorter than its header");
        assertFalse(Files.exists(dir.resolve("short.bin")));
    }

    private static void assertRefused(Path file, String reason) {
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(file, 4));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static void patchInt(Path file, int offset, int value) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value), offset);
        }
    }
}
