package io.arbiter.server.outcome;

import io.arbiter.server.personalisation.reward.DuplicateIndex;
import io.arbiter.server.token.DecisionToken;
import io.arbiter.server.token.DecisionTokens;
import io.arbiter.server.token.SignedTokens;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * What a start costs to rebuild a full reward claims table (docs/BENCHMARKS.md, series AU): 4,000,000 stored rewards
 * with real signed decision ids, of which the newest 3,670,016 (a 2^22-slot table's capacity) are read
 * ({@link OutcomeLog#loadNewestOutcomeIds}) and claimed as the start does (each id parsed and verified, then claimed).
 * Three runs. Prints; asserts nothing; not part of the build:
 * {@code ./mvnw -B -o -q -pl server -am test -Dcheckstyle.skip -Dtest=ClaimsRestoreMeasurement -Dclaims.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "claims.measure", matches = "true")
class ClaimsRestoreMeasurement {
    private static final int ROWS = 4_000_000;
    private static final int CHUNK = 200_000;
    /** One reward a millisecond, the newest now: every claim live in a 7-day window. */
    private static final long T0 = System.currentTimeMillis() - ROWS;

    @TempDir
    Path journal;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void measure() throws Exception {
        final DecisionTokens tokens = new DecisionTokens(new SignedTokens(
            "integration-test-secret-0123456789".getBytes(StandardCharsets.UTF_8)));
        final long insertStarted = System.nanoTime();
        for (int from = 0; from < ROWS; from += CHUNK) {
            final String[] ids = new String[CHUNK];
            for (int i = 0; i < CHUNK; i++) {
                ids[i] = tokens.issue("hero", i % 2 == 0 ? "A" : "B", T0 + from + i,
                    0x9E3779B97F4A7C15L * (from + i));
            }
            PgFixture.await(pg.pool.preparedQuery("INSERT INTO rewards (decision_id, experiment, variant, reward, "
                + "time) SELECT d, 'hero', 'A', 1, to_timestamp(($2::int8 + o) / 1000.0) FROM unnest($1::text[]) "
                + "WITH ORDINALITY AS u(d, o)").execute(Tuple.of(ids, T0 + from)));
        }
        pg.query("ANALYZE rewards");
        System.out.printf("inserted %,d rewards in %.1f s%n", ROWS, (System.nanoTime() - insertStarted) / 1e9);
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journal));
        for (int run = 0; run < 3; run++) {
            final DuplicateIndex duplicates = new DuplicateIndex(22, 7L * 24 * 3600 * 1000, Clock.systemUTC());
            final long t0 = System.nanoTime();
            final List<OutcomeId> ids = PgFixture.await(pipeline.loadNewestOutcomeIds(List.of(OutcomeKind.REWARD), 0,
                (int) duplicates.capacity()));
            final long read = System.nanoTime();
            int claimed = 0;
            for (int i = ids.size() - 1; i >= 0; i--) { // as PersonalisationModule.rebuildDuplicates
                final DecisionToken token = tokens.parse(ids.get(i).id(), "decisionId");
                claimed += duplicates.claim(token.nonce(), token.issuedAtMillis(), "") ? 1 : 0;
            }
            final long done = System.nanoTime();
            System.out.printf("run %d: read %,d ids in %.2f s, parsed and claimed them in %.2f s (%,d claimed, "
                + "%,d evicted): %.2f s%n", run, ids.size(), (read - t0) / 1e9, (done - read) / 1e9, claimed,
                duplicates.evicted(), (done - t0) / 1e9);
        }
        PgFixture.await(pipeline.close());
    }
}
