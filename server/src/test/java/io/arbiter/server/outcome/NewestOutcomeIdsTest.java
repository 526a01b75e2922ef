package io.arbiter.server.outcome;

import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OutcomeLog#loadNewestOutcomeIds} against a real Postgres with more rows than asked for: the newest, newest
 * first, at most the limit, from a backward scan of the time index (the plan checked with {@code EXPLAIN} on a
 * table large enough for the planner to prefer it), not the whole window.
 */
class NewestOutcomeIdsTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final List<OutcomeKind> NOTICE_KINDS = List.of(OutcomeKind.BILL, OutcomeKind.WIN,
        OutcomeKind.LOSS, OutcomeKind.CLICK, OutcomeKind.CONVERSION);

    @TempDir
    Path journal;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    /** The plan of {@code sql} with its parameters written in. */
    private String plan(String sql, String... parameters) {
        String literal = sql;
        for (int i = parameters.length; i >= 1; i--) {
            literal = literal.replace("$" + i, parameters[i - 1]);
        }
        final StringBuilder plan = new StringBuilder();
        for (final Row row : pg.query("EXPLAIN " + literal)) {
            plan.append(row.getString(0)).append('\n');
        }
        return plan.toString();
    }

    @Test
    void theNewestRewardsOfTheWindowNewestFirstAtMostTheLimitFromTheTimeIndex() {
        // 100,000 rewards, one a millisecond; every tenth for a guardrail metric
        pg.query("INSERT INTO rewards (decision_id, experiment, variant, reward, time, metric) SELECT 'd' || s, 'e', "
            + "'A', 1, to_timestamp((" + T0 + " + s) / 1000.0), CASE WHEN s % 10 = 0 THEN 'm' ELSE '' END "
            + "FROM generate_series(1, 100000) s");
        pg.query("ANALYZE rewards");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journal));
        final List<OutcomeId> newest = PgFixture.await(pipeline.loadNewestOutcomeIds(List.of(OutcomeKind.REWARD),
            T0 + 50_000, 1_000));
        final List<String> expected = new ArrayList<>();
        for (int s = 100_000; s > 99_000; s--) {
            expected.add(s % 10 == 0 ? "d" + s + " m" : "d" + s);
        }
        assertEquals(expected, newest.stream().map(OutcomeId::id).toList());
        assertEquals(10, PgFixture.await(pipeline.loadNewestOutcomeIds(List.of(OutcomeKind.REWARD),
            T0 + 99_991, 1_000)).size(), "no older than the window");

        final String plan = plan(PostgresWriter.NEWEST_REWARD_IDS, String.valueOf(T0 + 50_000), "1000");
        assertTrue(plan.contains("Index Scan Backward using rewards_time"), plan);
        PgFixture.await(pipeline.close());
    }

    @Test
    void theNewestNoticesOfEveryKindTogetherNewestFirstAtMostTheLimitFromTheKindTimeIndex() {
        // 90,000 notices, one a millisecond, their kinds in turn: WIN, BILL, CLICK
        pg.query("INSERT INTO rtb_events (kind, id, campaign, creative, time) SELECT (ARRAY[2, 3, 5])[s % 3 + 1], "
            + "'n' || s, 'c', 'cr', to_timestamp((" + T0 + " + s) / 1000.0) FROM generate_series(1, 90000) s");
        pg.query("ANALYZE rtb_events");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journal));
        final List<OutcomeId> newest = PgFixture.await(pipeline.loadNewestOutcomeIds(NOTICE_KINDS, T0, 500));
        final List<OutcomeId> expected = new ArrayList<>();
        final OutcomeKind[] turn = {OutcomeKind.WIN, OutcomeKind.BILL, OutcomeKind.CLICK};
        for (int s = 90_000; s > 89_500; s--) {
            expected.add(new OutcomeId(turn[s % 3], "n" + s));
        }
        assertEquals(expected, newest);

        final String plan = plan(PostgresWriter.NEWEST_NOTICE_IDS, "'{3,2,4,5,6}'", String.valueOf(T0), "500");
        assertTrue(plan.contains("Index Scan Backward using rtb_events_kind_time"), plan);
        assertTrue(!plan.contains("Seq Scan"), plan);
        PgFixture.await(pipeline.close());
    }
}
