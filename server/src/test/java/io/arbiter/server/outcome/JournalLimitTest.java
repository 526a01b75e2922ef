package io.arbiter.server.outcome;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With Postgres away the journal grows to its limit, then refuses appends; nothing acknowledged is lost. */
class JournalLimitTest {

    private static final long LIMIT = 64 * 1024;

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void appendsFailWithJournalFullAtTheLimitAndAcknowledgedOnesShipLater() throws Exception {
        final OutcomeConfig config = PgFixture.config(journalDir).withMaxJournalBytes(LIMIT).withSegmentBytes(
                16 * 1024);
        final OutcomePipeline pipeline = pg.start(pg.deadPool(), config);
        final Set<String> acknowledged = new HashSet<>();
        int rejected = 0;
        // A burst far larger than the limit, not waiting for acknowledgements: memory must stay bounded too.
        final List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            futures.add(pipeline.append(reward(i)));
        }
        for (int i = 0; i < futures.size(); i++) {
            try {
                futures.get(i).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                acknowledged.add("r-" + i);
            } catch (ExecutionException e) {
                assertInstanceOf(JournalFullException.class, e.getCause());
                rejected++;
            }
        }
        System.out.println("journal limit: acknowledged " + acknowledged.size() + ", rejected " + rejected);
        assertTrue(rejected > 15_000, "rejected " + rejected);
        assertTrue(acknowledged.size() > 100, "acknowledged " + acknowledged.size());
        final PipelineStatus status = pipeline.status();
        assertTrue(status.journalFull(), status.toString());
        assertFalse(status.postgresUp(), status.toString());
        assertTrue(status.journalBytes() <= LIMIT, status.toString());
        assertEquals(acknowledged.size(), status.journalEvents());
        assertTrue(journalFileBytes() <= LIMIT, "journal files hold " + journalFileBytes() + " bytes");
        // Still full: a further append is refused, not queued.
        final ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> pipeline.append(reward(99_999)).toCompletionStage().toCompletableFuture()
                        .get(10, TimeUnit.SECONDS));
        assertInstanceOf(JournalFullException.class, refused.getCause());
        PgFixture.await(pipeline.close());

        // Postgres is back: everything acknowledged ships, and appends are accepted again.
        final OutcomePipeline recovered = pg.start(config);
        PgFixture.await(recovered.flush());
        PgFixture.await(recovered.append(reward(100_000)));
        PgFixture.await(recovered.flush());
        acknowledged.add("r-100000");
        assertEquals(acknowledged, pg.strings("SELECT decision_id FROM rewards"));
        assertFalse(recovered.status().journalFull());
        PgFixture.await(recovered.close());
    }

    private static OutcomeEvent reward(int i) {
        return new OutcomeEvent(OutcomeKind.REWARD, 1_700_000_000_000L + i, "r-" + i, "exp", "v" + (i % 4), "",
                i % 2, 0);
    }

    private long journalFileBytes() throws IOException {
        try (Stream<Path> files = Files.list(journalDir)) {
            return files.filter(p -> JournalDescriptor.segmentBase(p) >= 0).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
