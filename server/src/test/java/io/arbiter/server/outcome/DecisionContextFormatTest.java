package io.arbiter.server.outcome;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payload version 2 (flags and context): journal records written in version 1 still replay; decision rows keep
 * their context and flags; rewards fold into the aggregates of the segments they carry.
 */
class DecisionContextFormatTest {

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void version2RoundTripsFlagsAndContext() {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocate(OutcomeCodec.MAX_PAYLOAD_LENGTH));
        final OutcomeEvent event = new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L, "d2.x", "exp", "A",
                "u", 0.25, 0, 0x0703, "{\"device\":\"mobile\",\"größe\":\"ä\"}");
        final int length = OutcomeCodec.encode(event, buffer, 0);
        assertEquals(OutcomeCodec.encodedLength(event), length);
        assertEquals(event, OutcomeCodec.decode(buffer, 0, length));
        final String tooLong = "x".repeat(OutcomeCodec.MAX_CONTEXT_BYTES + 1);
        assertEquals(-1, OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.DECISION, 0, "d", "e", "v", "",
                1, 0, 0, tooLong)));
        assertTrue(OutcomeCodec.encodedLength(new OutcomeEvent(OutcomeKind.DECISION, 0, "d", "e", "v", "", 1, 0, 0,
                tooLong.substring(1))) > 0);
    }

    @Test
    void aJournalWrittenInVersion1Replays() throws IOException {
        final int n = 50;
        final ByteBuffer file = ByteBuffer.allocate(64 * n).order(OutcomeCodec.ORDER);
        for (int i = 0; i < n; i++) {
            final byte[] payload = version1Reward("v1-" + i, "exp", "v" + (i % 2), 1_700_000_000_000L + i, 1.0);
            final CRC32C crc = new CRC32C();
            crc.update(payload);
            file.putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        }
        Files.write(journalDir.resolve(JournalDescriptor.segmentFileName(0)),
                java.util.Arrays.copyOf(file.array(), file.position()));

        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        assertEquals(n, pipeline.recoveredEvents());
        PgFixture.await(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_800_000_000_000L, "v2-0", "exp", "v0",
                "", 1.0, 0, 2, "11:1 -12:2")));
        PgFixture.await(pipeline.flush());
        assertEquals(n + 1, pg.count("SELECT count(*) FROM rewards"));
        assertEquals(n + 1, pg.count("SELECT sum(trials) FROM arm_aggregates WHERE scope = 'exp'"));
        assertEquals(0, pg.count("SELECT count(*) FROM rewards WHERE decision_id LIKE 'v1-%' AND flags <> 0"));
        assertEquals(2, pg.count("SELECT flags FROM rewards WHERE decision_id = 'v2-0'"));
        assertEquals(2, pg.count("SELECT count(*) FROM segment_aggregates"));
        PgFixture.await(pipeline.close());
    }

    @Test
    void decisionRowsKeepContextAndFlagsAndRewardsFoldIntoTheirSegments() {
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journalDir));
        assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L, "d-ctx", "exp",
                "A", "u1", 0.4, 0, 0x0102, "{\"device\":\"mobile\",\"recency\":3.5}")));
        assertTrue(pipeline.offerDecision(new OutcomeEvent(OutcomeKind.DECISION, 1_700_000_000_000L, "d-plain",
                "exp", "B", "u2", 0.6, 0)));
        final List<Future<Void>> acks = new ArrayList<>();
        // Two rewards in segment 7 (level 1), one of them also in segment -9 (level 3); one without segments.
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_100L, "r1", "exp", "A", "", 1.0,
                0, 0, "7:1 -9:3")));
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_200L, "r2", "exp", "A", "", 0.0,
                0, 0, "7:1")));
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_300L, "r3", "exp", "B", "", 1.0,
                0, 0, "")));
        // A duplicate of r1 in the same batch and later: counted once, in its segments too.
        acks.add(pipeline.append(new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_100L, "r1", "exp", "A", "", 1.0,
                0, 0, "7:1 -9:3")));
        PgFixture.await(Future.all(acks));
        PgFixture.await(pipeline.flush());

        final Row ctx = pg.query("SELECT context->>'device', (context->>'recency')::float8, flags FROM decisions "
                + "WHERE id = 'd-ctx'").iterator().next();
        assertEquals("mobile", ctx.getString(0));
        assertEquals(3.5, ctx.getDouble(1));
        assertEquals(0x0102, ctx.getInteger(2));
        final Row plain = pg.query("SELECT context, flags FROM decisions WHERE id = 'd-plain'").iterator().next();
        assertNull(plain.getValue(0));
        assertEquals(0, plain.getInteger(1));

        final Row seven = pg.query("SELECT level, trials, successes, reward_sum FROM segment_aggregates "
                + "WHERE experiment = 'exp' AND segment = 7 AND variant = 'A'").iterator().next();
        assertEquals(1L, seven.getLong(0));
        assertEquals(2L, seven.getLong(1));
        assertEquals(1L, seven.getLong(2));
        assertEquals(1.0, seven.getDouble(3));
        assertEquals(1, pg.count("SELECT trials FROM segment_aggregates WHERE segment = -9 AND level = 3"));
        assertEquals(2, pg.count("SELECT count(*) FROM segment_aggregates"));
        final List<SegmentAggregate> loaded = PgFixture.await(pipeline.loadSegmentAggregates());
        assertEquals(2, loaded.size());
        assertEquals(new SegmentAggregate("exp", -9, 3, "A", 1, 1, 1.0, 1.0), loaded.get(0));
        PgFixture.await(pipeline.close());
    }

    /** A REWARD payload exactly as a version 1 server wrote it: no flags, four strings from offset 22. */
    private static byte[] version1Reward(String id, String scope, String arm, long time, double value) {
        final String[] strings = {id, scope, arm, ""};
        int length = OutcomeCodec.V1_STRINGS_OFFSET;
        for (final String s : strings) {
            length += 2 + s.getBytes(StandardCharsets.UTF_8).length;
        }
        final ByteBuffer b = ByteBuffer.allocate(length).order(OutcomeCodec.ORDER);
        b.putLong(time).putDouble(value).putInt(0).put((byte) OutcomeKind.REWARD.code()).put((byte) 1);
        for (final String s : strings) {
            final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) bytes.length).put(bytes);
        }
        return b.array();
    }
}
