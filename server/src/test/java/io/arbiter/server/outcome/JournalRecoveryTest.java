package io.arbiter.server.outcome;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A torn or corrupt journal tail is found by its length/CRC, cut off, and every record before it still ships. */
class JournalRecoveryTest {

    private static final int N = 200;

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void truncatedLastRecordIsDroppedAndEarlierRecordsShip() throws IOException {
        writeJournalWithoutShipping();
        final Path segment = lastSegment();
        final long size = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(size - 5); // the last record lost its last 5 bytes: a torn write
        }
        shipAndExpect(N - 1, true);
    }

    @Test
    void lastRecordFailingItsCrcIsDroppedAndEarlierRecordsShip() throws IOException {
        writeJournalWithoutShipping();
        final Path segment = lastSegment();
        final long size = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, size - 3);
            one.flip();
            one.put(0, (byte) (one.get(0) ^ 0x5A));
            channel.write(one, size - 3); // a bit flip inside the last record's payload
        }
        shipAndExpect(N - 1, true);
    }

    @Test
    void garbageAfterTheLastRecordIsDroppedAndEveryRecordShips() throws IOException {
        writeJournalWithoutShipping();
        final Path segment = lastSegment();
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            // A header announcing 60 bytes, followed by only 10: the beginning of an append that never finished.
            final ByteBuffer partial = ByteBuffer.allocate(18).order(OutcomeCodec.ORDER);
            partial.putInt(60).putInt(12345).put(new byte[10]).flip();
            channel.write(partial);
        }
        shipAndExpect(N, true);
    }

    @Test
    void zeroFilledTailIsDropped() throws IOException {
        writeJournalWithoutShipping();
        try (FileChannel channel = FileChannel.open(lastSegment(), StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.allocate(4096)); // file size grew but the data never reached the disk
        }
        shipAndExpect(N, true);
    }

    @Test
    void aDamagedCheckpointReplaysWhatIsOnDiskWithoutCountingTwice() throws IOException {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        final List<Future<Void>> acks = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "r-" + i, "exp",
                    "v" + (i % 3), "", 1, 0)));
        }
        PgFixture.await(Future.all(acks));
        PgFixture.await(pipeline.flush());
        PgFixture.await(pipeline.close());
        Files.write(journalDir.resolve(JournalDescriptor.CHECKPOINT_FILE), new byte[] {1, 2, 3});

        final OutcomePipeline replaying = pg.start(PgFixture.config(journalDir));
        assertEquals(N, replaying.recoveredEvents()); // everything in the active segment, shipped before
        PgFixture.await(replaying.flush());
        assertEquals(N, pg.count("SELECT count(*) FROM rewards"));
        assertEquals(N, pg.count("SELECT sum(trials) FROM arm_aggregates"));
        assertEquals(0, replaying.status().journalEvents());
        PgFixture.await(replaying.close());
    }

    /** Appends N rewards with Postgres unreachable, so they stay in the journal, then closes. */
    private void writeJournalWithoutShipping() {
        final OutcomePipeline pipeline = pg.start(pg.deadPool(), PgFixture.config(journalDir).withSegmentBytes(8192));
        final List<Future<Void>> acks = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "r-" + i, "exp",
                    "v" + (i % 3), "", 1, 0)));
        }
        PgFixture.await(Future.all(acks));
        assertEquals(N, pipeline.status().journalEvents());
        assertTrue(pipeline.status().lagMillis() > 0);
        PgFixture.await(pipeline.close());
    }

    private void shipAndExpect(int expected, boolean truncated) {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        assertEquals(expected, pipeline.recoveredEvents());
        assertEquals(truncated, pipeline.recoveredTruncatedBytes() > 0);
        // New appends after recovery go after the cut, and ship too.
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_800_000_000_000L, "after", "exp",
                "v0", "", 1, 0)));
        PgFixture.await(pipeline.flush());
        final Set<String> ids = pg.strings("SELECT decision_id FROM rewards");
        final Set<String> want = new HashSet<>();
        for (int i = 0; i < expected; i++) {
            want.add("r-" + i);
        }
        want.add("after");
        assertEquals(want, ids);
        assertEquals(expected + 1, pg.count("SELECT sum(trials) FROM arm_aggregates"));
        PgFixture.await(pipeline.close());
        // Fully shipped: at most the active segment is left, and it holds nothing unshipped.
        final OutcomePipeline reopened = pg.start(PgFixture.config(journalDir));
        assertEquals(0, reopened.recoveredEvents());
        PgFixture.await(reopened.close());
    }

    private Path lastSegment() throws IOException {
        try (Stream<Path> files = Files.list(journalDir)) {
            return files.filter(p -> JournalDescriptor.segmentBase(p) >= 0).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
    }
}
