package io.arbiter.server.outcome;

import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OutcomeLog#loadNewestOutcomeIds} against a real Postgres with more rows than asked for: the newest, newest
 * first, at most the limit, from a backward scan of the time index (the plan checked with {@code EXPLAIN} on a
 * table large enough for the planner to prefer it), not the whole window. Notices of several kinds: a backward scan
 * per kind, merged by time under the limit (Merge Append, no sort), reading no more rows than the limit and one per
 * kind (checked with {@code EXPLAIN ANALYZE}).
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

        final String plan = plan(PostgresWriter.newestNoticeIds(NOTICE_KINDS), String.valueOf(T0), "500");
        assertMergedWithoutSort(plan);
        PgFixture.await(pipeline.close());
    }

    @Test
    void kindsInterleavedInTimeAreMergedNewestFirstAndTheLimitCutsInsideTheMergeReadingNoMoreThanItKeeps() {
        // 60,000 notices in the window, one a millisecond, the five kinds interleaved irregularly (kindAt), and
        // 5,000 older than the window, of every kind, that no read may return
        pg.query("INSERT INTO rtb_events (kind, id, campaign, creative, time) SELECT (ARRAY[2, 3, 4, 5, 6])"
            + "[(s * 2) % 13 % 5 + 1], 'n' || s, 'c', 'cr', to_timestamp((" + T0 + " + s) / 1000.0) "
            + "FROM generate_series(1, 60000) s");
        pg.query("INSERT INTO rtb_events (kind, id, campaign, creative, time) SELECT 2 + s % 5, 'old' || s, 'c', "
            + "'cr', to_timestamp((" + T0 + " - s) / 1000.0) FROM generate_series(1, 5000) s");
        pg.query("ANALYZE rtb_events");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journal));
        final List<OutcomeId> newest = PgFixture.await(pipeline.loadNewestOutcomeIds(NOTICE_KINDS, T0, 1_000));
        final List<OutcomeId> expected = new ArrayList<>();
        for (int s = 60_000; s > 59_000; s--) {
            expected.add(new OutcomeId(kindAt(s), "n" + s));
        }
        assertEquals(expected, newest);
        assertEquals(5, newest.stream().map(OutcomeId::kind).distinct().count(), "every kind in the newest");
        // A window holding fewer than the limit: all of it, nothing older
        final List<OutcomeId> lastTen = new ArrayList<>();
        for (int s = 60_000; s > 59_990; s--) {
            lastTen.add(new OutcomeId(kindAt(s), "n" + s));
        }
        assertEquals(lastTen, PgFixture.await(pipeline.loadNewestOutcomeIds(NOTICE_KINDS, T0 + 59_991, 1_000)));
        // Some of the kinds only: the others' rows never come
        final List<OutcomeKind> two = List.of(OutcomeKind.LOSS, OutcomeKind.WIN);
        final List<OutcomeId> expectedTwo = new ArrayList<>();
        for (int s = 60_000; expectedTwo.size() < 300; s--) {
            if (two.contains(kindAt(s))) {
                expectedTwo.add(new OutcomeId(kindAt(s), "n" + s));
            }
        }
        assertEquals(expectedTwo, PgFixture.await(pipeline.loadNewestOutcomeIds(two, T0, 300)));

        final String sql = PostgresWriter.newestNoticeIds(NOTICE_KINDS);
        assertMergedWithoutSort(plan(sql, String.valueOf(T0), "1000"));
        // What the plan actually read: 1,000 rows out of the merge, and from the five index scans together at most
        // those and the one row per kind the merge holds ahead
        final String analyzed = plan("(ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, String.valueOf(T0),
            "1000");
        final Matcher scans = Pattern.compile("Index Scan Backward using rtb_events_kind_time .*actual rows=(\\d+)")
            .matcher(analyzed);
        int scanned = 0;
        int count = 0;
        while (scans.find()) {
            scanned += Integer.parseInt(scans.group(1));
            count++;
        }
        assertEquals(5, count, analyzed);
        assertTrue(scanned >= 1_000 && scanned <= 1_000 + 5, scanned + " rows read\n" + analyzed);
        assertTrue(Pattern.compile("Merge Append \\(actual rows=1000 ").matcher(analyzed).find(), analyzed);
        PgFixture.await(pipeline.close());
    }

    @Test
    void rowsOfTheSameTimeAtTheCutFillTheLimitAfterEveryNewerRow() {
        // 30,000 notices three to a millisecond, of three kinds: the limit of 1,001 cuts inside a millisecond
        pg.query("INSERT INTO rtb_events (kind, id, campaign, creative, time) SELECT (ARRAY[2, 3, 5])[s % 3 + 1], "
            + "'n' || s, 'c', 'cr', to_timestamp((" + T0 + " + s / 3) / 1000.0) FROM generate_series(1, 30000) s");
        pg.query("ANALYZE rtb_events");
        final OutcomePipeline pipeline = pg.start(PgFixture.config(journal));
        final List<OutcomeId> newest = PgFixture.await(pipeline.loadNewestOutcomeIds(NOTICE_KINDS, T0, 1_001));
        assertEquals(1_001, newest.size());
        final OutcomeKind[] turn = {OutcomeKind.WIN, OutcomeKind.BILL, OutcomeKind.CLICK};
        long previous = Long.MAX_VALUE;
        final Set<String> ids = new HashSet<>();
        for (final OutcomeId id : newest) {
            final int s = Integer.parseInt(id.id().substring(1));
            assertEquals(turn[s % 3], id.kind(), id.id());
            assertTrue(s / 3 <= previous, "newest first: " + newest);
            previous = s / 3;
            ids.add(id.id());
        }
        // 30,000 alone at 10,000 ms, then 333 full milliseconds down to 9,667 (999 rows), then 1 of the 3 at 9,666
        for (int s = 30_000; s >= 29_001; s--) {
            assertTrue(ids.contains("n" + s), "n" + s + " missing: " + newest);
        }
        assertEquals(1, ids.stream().filter(i -> Set.of("n28998", "n28999", "n29000").contains(i)).count(), newest
            .toString());
        PgFixture.await(pipeline.close());
    }

    /** The kind of notice {@code "n" + s} in the interleaved test (as its insert writes it). */
    private static OutcomeKind kindAt(int s) {
        return OutcomeKind.ofCode(2 + (s * 2) % 13 % 5);
    }

    /** A merge of backward scans of the kind-time index under the limit: no sort of the kinds' rows, no full scan. */
    private static void assertMergedWithoutSort(String plan) {
        assertTrue(plan.startsWith("Limit"), plan);
        assertTrue(plan.contains("Merge Append"), plan);
        assertTrue(plan.contains("Index Scan Backward using rtb_events_kind_time"), plan);
        assertTrue(!Pattern.compile("(?m)^\\s*(->\\s+)?(Incremental )?Sort\\s+\\(").matcher(plan).find(), plan);
        assertTrue(!plan.contains("Seq Scan"), plan);
    }
}
