package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_CRC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_FILE;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_LENGTH;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_MAGIC;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_MAGIC_OFFSET;
import static io.arbiter.server.outcome.JournalDescriptor.CHECKPOINT_POSITION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The checkpoint file has the layout {@link JournalDescriptor} draws, and a damaged one means "replay everything". */
class JournalCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void theCheckpointIsWrittenAsTheDescriptorSaysAndReadBack() throws IOException {
        final long position = 0x0102_0304_0506_0708L;
        try (Journal journal = Journal.open(dir)) {
            journal.markShipped(position, 0);
        }
        final byte[] bytes = Files.readAllBytes(dir.resolve(CHECKPOINT_FILE));
        assertEquals(CHECKPOINT_LENGTH, bytes.length);
        final ByteBuffer file = ByteBuffer.wrap(bytes).order(OutcomeCodec.ORDER);
        assertEquals(CHECKPOINT_MAGIC, file.getInt(CHECKPOINT_MAGIC_OFFSET));
        assertEquals(position, file.getLong(CHECKPOINT_POSITION_OFFSET));
        final CRC32C crc = new CRC32C();
        crc.update(bytes, CHECKPOINT_POSITION_OFFSET, Long.BYTES);
        assertEquals((int) crc.getValue(), file.getInt(CHECKPOINT_CRC_OFFSET));
        try (Journal reopened = Journal.open(dir)) {
            assertEquals(position, reopened.recovery().checkpoint());
        }
    }

    @Test
    void aCheckpointFailingItsCrcIsIgnored() throws IOException {
        try (Journal journal = Journal.open(dir)) {
            journal.markShipped(4096, 0);
        }
        final byte[] bytes = Files.readAllBytes(dir.resolve(CHECKPOINT_FILE));
        bytes[CHECKPOINT_POSITION_OFFSET] ^= 1; // the position no longer matches its CRC
        Files.write(dir.resolve(CHECKPOINT_FILE), bytes);
        try (Journal reopened = Journal.open(dir)) {
            assertEquals(0, reopened.recovery().checkpoint(), "replay from the start: shipping is idempotent");
        }
    }
}
