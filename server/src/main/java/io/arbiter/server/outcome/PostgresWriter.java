package io.arbiter.server.outcome;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * Writes one shipping batch into Postgres in two transactions, the ring's decision rows with the decision counts
 * ({@link #writeDecisions}, asynchronous commit) and the journal's records ({@link #writeOutcomes}, synchronous
 * commit): a handful of statements per batch, each carrying all its rows as arrays ({@code unnest}), never one round
 * trip per row.
 *
 * <p>Idempotency: every outcome row has a unique key ({@code rewards (decision_id, metric)}, {@code rtb_events (kind,
 * id)}), and so has every decision batch ({@code decision_batches.id}): the decision log itself has no unique key,
 * which halves Postgres's CPU time per logged decision, and a decision appended through the journal is checked against
 * {@code (time, id)} instead. Decision rows outside the range the partitions cover ({@code decision_log_range}) are
 * not stored. Rows are inserted with {@code ON CONFLICT DO NOTHING ... RETURNING}, and the aggregates are folded only
 * from the rows actually returned, in the same statement. Replaying a batch after a crash, or a client retrying an
 * outcome, therefore never counts twice; a decision batch retried after its commit's answer was lost inserts nothing
 * and adds no decision counts.
 *
 * <p>Lock order: the rows every node shares ({@code arm_aggregates}, {@code segment_aggregates}) are upserted in key
 * order ({@code ORDER BY} on the rows fed to the upsert) by every statement, so two nodes' transactions that fold into
 * the same rows wait for each other instead of deadlocking (in the order the rows happened to come in, a hash
 * aggregate's or the decision counters' iteration order, two nodes' transactions could each hold a row the other
 * needs: Postgres aborts one after {@code deadlock_timeout}, 1 s by default, and the shipper retries it after its
 * back-off; {@code IngestBenchmark} in benchmarks/ met it at every writer count above one). Within a statement the
 * tables are locked in one order too: {@code rewards}, {@code segment_aggregates}, this node's
 * {@code node_segment_aggregates}, {@code arm_aggregates}, this node's {@code node_aggregates}. The outcome rows'
 * own unique keys are taken in key order as well (rewards by {@code (decision_id, metric)}, OpenRTB events by
 * {@code (kind, id)}), for an outcome that two nodes store at once.
 */
final class PostgresWriter {

    /**
     * What one committed batch did.
     *
     * @param outcomesInserted  reward and OpenRTB rows inserted
     * @param outcomesDuplicate reward and OpenRTB rows skipped because their id was already present
     * @param decisionsInserted decision rows inserted (from the ring, or appended through the journal)
     */
    record Result(int outcomesInserted, int outcomesDuplicate, int decisionsInserted,
                  List<OutcomeEvent> rewardsStoredElsewhere) {
        Result(int outcomesInserted, int outcomesDuplicate, int decisionsInserted) {
            this(outcomesInserted, outcomesDuplicate, decisionsInserted, List.of());
        }
    }

    /**
     * Of a batch's reward ids that were not inserted, those another node stored ({@code rewards.node}, set from the
     * session's {@code arbiter.node}): this node applied them to its posterior when they arrived, and must take them
     * back. Rows without a node (logged before V41) and this node's own (a replay) are left out.
     */
    static final String STORED_ELSEWHERE = """
            SELECT decision_id, metric FROM rewards
            WHERE (decision_id, metric) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND node IS NOT NULL
              AND node <> coalesce(current_setting('arbiter.node', true), '')""";

    /**
     * Before a batch with rewards that taught a linear model: locks this node's row of {@code linear_reward_heads}
     * until the commit, so that the numbers the reward insert then draws for its {@code linear_rewards} rows follow
     * the order in which this node's transactions commit (a reader that has seen number n of a node has seen all
     * before it). Only this node's own row: no other node's transaction ever waits on it, and readers take no lock.
     */
    static final String LOCK_LINEAR_HEAD = """
            INSERT INTO linear_reward_heads AS h (node) VALUES (coalesce(current_setting('arbiter.node', true), ''))
            ON CONFLICT (node) DO UPDATE SET last = h.last""";

    /** Decision rows with their flags and context ({@code NULLIF}: an empty context is stored as NULL). */
    static final String INSERT_DECISIONS = """
            INSERT INTO decisions (id, experiment, variant, unit, propensity, time, flags, context)
            SELECT id, experiment, variant, unit, propensity, to_timestamp(time_ms / 1000.0), flags,
                   NULLIF(context, '')::jsonb
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::int8[], $7::int4[],
                        $8::text[])
                 AS input(id, experiment, variant, unit, propensity, time_ms, flags, context), decision_log_range r
            WHERE to_timestamp(time_ms / 1000.0) >= r.low AND to_timestamp(time_ms / 1000.0) < r.high""";

    /** Decisions appended through the journal, which a replay may ship again: skipped when already stored. */
    static final String INSERT_JOURNAL_DECISIONS = INSERT_DECISIONS + """

              AND NOT EXISTS (SELECT 1 FROM decisions d
                              WHERE d.time = to_timestamp(input.time_ms / 1000.0) AND d.id = input.id)""";

    /** Marks a decision batch as shipped; no row returned means it was shipped before (a retry). */
    static final String MARK_DECISION_BATCH = "INSERT INTO decision_batches (id) VALUES ($1) ON CONFLICT DO NOTHING";

    /** Decision batches only: see {@link #writeDecisions}. */
    static final String ASYNC_COMMIT = "SET LOCAL synchronous_commit = off";

    static final String ADD_DECISION_COUNTS = """
            INSERT INTO arm_aggregates AS a (scope, arm, decisions, updated_at)
            SELECT scope, arm, n, now() FROM unnest($1::text[], $2::text[], $3::int8[]) AS input(scope, arm, n)
            ORDER BY scope, arm
            ON CONFLICT (scope, arm) DO UPDATE
            SET decisions = a.decisions + EXCLUDED.decisions, updated_at = EXCLUDED.updated_at""";

    private static final String UPSERT_AGGREGATES = """
            ON CONFLICT (scope, arm) DO UPDATE
            SET trials = a.trials + EXCLUDED.trials,
                successes = a.successes + EXCLUDED.successes,
                reward_sum = a.reward_sum + EXCLUDED.reward_sum,
                reward_square_sum = a.reward_square_sum + EXCLUDED.reward_square_sum,
                updated_at = EXCLUDED.updated_at""";

    /**
     * REWARD: trials +1, successes +1 when reward > 0, reward_sum +r, reward_square_sum +r^2 per new reward row (keyed
     * by decision and metric), into the aggregate of every segment the reward updated (its context: space-separated
     * {@code segmentKey:levelKey} pairs, see {@link OutcomeEvent#context()}) and this node's share of it
     * ({@code node_segment_aggregates}, for the other nodes' sync), and into the arm's aggregate: the
     * experiment's own for a primary reward outside the holdout (what the bandit learns from), otherwise
     * {@code guard:<h|t>:<metric>:<experiment>} (the lift's and guardrails' counters, which must not teach the bandit;
     * {@code h} when the holdout flag is set). A REWARD event carries its metric in {@link OutcomeEvent#unit()}. A
     * reward that taught a linear model ({@link OutcomeEvent#TEACHES_LINEAR}) is also numbered into
     * {@code linear_rewards} for the other nodes, and this node's head moves to its newest number (the head was
     * locked first, {@link #LOCK_LINEAR_HEAD}).
     */
    static final String INSERT_REWARDS = """
            WITH input AS (
                SELECT DISTINCT ON (id, metric) id, metric, experiment, variant, reward, time_ms, flags, segments, code
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::int8[], $7::int4[],
                            $8::text[], $9::int4[])
                     AS input(id, metric, experiment, variant, reward, time_ms, flags, segments, code)
                ORDER BY id, metric
            ), inserted AS (
                INSERT INTO rewards (decision_id, metric, experiment, variant, reward, time, flags)
                SELECT id, metric, experiment, variant, reward, to_timestamp(time_ms / 1000.0), flags FROM input
                ON CONFLICT (decision_id, metric) DO NOTHING
                RETURNING decision_id, metric, flags, experiment, variant, reward
            ), segment_rows AS (
                SELECT i.experiment, split_part(pair, ':', 1)::int8 AS segment,
                       split_part(pair, ':', 2)::int8 AS level, i.variant, i.reward
                FROM inserted i JOIN input c ON c.id = i.decision_id AND c.metric = i.metric
                CROSS JOIN LATERAL unnest(string_to_array(NULLIF(c.segments, ''), ' ')) AS pair
            ), segments_folded AS (
                INSERT INTO segment_aggregates AS a (experiment, segment, level, variant, trials, successes,
                                                     reward_sum, reward_square_sum, updated_at)
                SELECT experiment, segment, min(level), variant, count(*), count(*) FILTER (WHERE reward > 0),
                       sum(reward), sum(reward * reward), now()
                FROM segment_rows GROUP BY experiment, segment, variant ORDER BY experiment, segment, variant
                ON CONFLICT (experiment, segment, variant) DO UPDATE
                SET trials = a.trials + EXCLUDED.trials,
                    successes = a.successes + EXCLUDED.successes,
                    reward_sum = a.reward_sum + EXCLUDED.reward_sum,
                    reward_square_sum = a.reward_square_sum + EXCLUDED.reward_square_sum,
                    updated_at = EXCLUDED.updated_at
                RETURNING 1
            ), node_segments_folded AS (
                INSERT INTO node_segment_aggregates AS a (node, experiment, segment, level, variant, trials,
                                                          successes, reward_sum, reward_square_sum, updated_at)
                SELECT coalesce(current_setting('arbiter.node', true), ''), experiment, segment, min(level), variant,
                       count(*), count(*) FILTER (WHERE reward > 0), sum(reward), sum(reward * reward),
                       clock_timestamp()
                FROM segment_rows GROUP BY experiment, segment, variant
                ON CONFLICT (node, experiment, segment, variant) DO UPDATE
                SET trials = a.trials + EXCLUDED.trials,
                    successes = a.successes + EXCLUDED.successes,
                    reward_sum = a.reward_sum + EXCLUDED.reward_sum,
                    reward_square_sum = a.reward_square_sum + EXCLUDED.reward_square_sum,
                    updated_at = EXCLUDED.updated_at
                RETURNING 1
            ), linear_shared AS (
                INSERT INTO linear_rewards (node, seq, decision_id, reward, time)
                SELECT coalesce(current_setting('arbiter.node', true), ''), nextval('linear_reward_seq'),
                       i.decision_id, i.reward, to_timestamp(c.time_ms / 1000.0)
                FROM inserted i JOIN input c ON c.id = i.decision_id AND c.metric = i.metric
                WHERE c.code = 1
                RETURNING seq
            ), linear_head AS (
                UPDATE linear_reward_heads SET last = (SELECT max(seq) FROM linear_shared)
                WHERE node = coalesce(current_setting('arbiter.node', true), '')
                  AND EXISTS (SELECT 1 FROM linear_shared)
                RETURNING 1
            ), folded AS (
                INSERT INTO arm_aggregates AS a (scope, arm, trials, successes, reward_sum, reward_square_sum,
                                                 updated_at)
                SELECT scope, variant, count(*), count(*) FILTER (WHERE reward > 0), sum(reward),
                       sum(reward * reward), now()
                FROM (SELECT CASE WHEN metric = '' AND flags & 1 = 0 THEN experiment
                                  ELSE 'guard:' || CASE WHEN flags & 1 = 0 THEN 't' ELSE 'h' END || ':' || metric
                                       || ':' || experiment END AS scope, variant, reward
                      FROM inserted) AS scoped
                GROUP BY scope, variant ORDER BY scope, variant
            """ + UPSERT_AGGREGATES + """

                RETURNING 1
            )
            SELECT count(*) FROM inserted""";

    /**
     * OpenRTB events, folded into the aggregates by the rules the pipeline was given ({@link AggregationRule}, passed
     * as arrays $8..$12, so this statement knows no rule): per new row and per rule of its kind, the aggregate
     * {@code (prefix || campaign, creative)} gains the rule's trials and successes, and its reward (the row's value
     * or the rule's successes) with its square.
     */
    static final String INSERT_RTB_EVENTS = """
            WITH inserted AS (
                INSERT INTO rtb_events (kind, id, campaign, creative, value, code, time)
                SELECT kind, id, campaign, creative, value, code, to_timestamp(time_ms / 1000.0)
                FROM unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::int4[], $7::int8[])
                     AS input(kind, id, campaign, creative, value, code, time_ms)
                ORDER BY kind, id
                ON CONFLICT (kind, id) DO NOTHING
                RETURNING kind, campaign, creative, value
            ), contributions AS (
                SELECT r.prefix || i.campaign AS scope, i.creative AS arm, r.trials, r.successes,
                       CASE WHEN r.from_value THEN i.value ELSE r.successes::float8 END AS reward
                FROM inserted i
                JOIN unnest($8::int2[], $9::text[], $10::int8[], $11::int8[], $12::bool[])
                     AS r(kind, prefix, trials, successes, from_value) ON r.kind = i.kind
            ), folded AS (
                INSERT INTO arm_aggregates AS a (scope, arm, trials, successes, reward_sum, reward_square_sum,
                                                 updated_at)
                SELECT scope, arm, sum(trials), sum(successes), sum(reward), sum(reward * reward), now()
                FROM contributions GROUP BY scope, arm ORDER BY scope, arm
            """ + UPSERT_AGGREGATES + """

                RETURNING 1
            )
            SELECT count(*) FROM inserted""";

    private final Pool pool;
    private final Short[] ruleKinds;
    private final String[] rulePrefixes;
    private final Long[] ruleTrials;
    private final Long[] ruleSuccesses;
    private final Boolean[] ruleFromValue;

    PostgresWriter(Pool pool, List<AggregationRule> rules) {
        this.pool = Objects.requireNonNull(pool, "pool");
        final int n = rules.size();
        ruleKinds = new Short[n];
        rulePrefixes = new String[n];
        ruleTrials = new Long[n];
        ruleSuccesses = new Long[n];
        ruleFromValue = new Boolean[n];
        for (int i = 0; i < n; i++) {
            final AggregationRule rule = rules.get(i);
            ruleKinds[i] = (short) rule.kind().code();
            rulePrefixes[i] = rule.scopePrefix();
            ruleTrials[i] = rule.trials();
            ruleSuccesses[i] = rule.successes();
            ruleFromValue[i] = rule.rewardFromValue();
        }
    }

    /**
     * Ships the sampled decision rows from the ring and the decision counts in their own transaction, committed with
     * {@code synchronous_commit = off}: Postgres acknowledges the commit before its WAL is flushed, so a crash of
     * Postgres (not of this process) may lose the last fraction of a second of decision rows and counts, which are
     * best effort by contract. Never used for anything a client was acknowledged for.
     *
     * @return the decision rows inserted
     */
    Future<Integer> writeDecisions(UUID batch, List<OutcomeEvent> decisions, List<DecisionCounts.Delta> counts) {
        if (decisions.isEmpty() && counts.isEmpty()) {
            return Future.succeededFuture(0);
        }
        return pool.withTransaction(conn -> conn.query(ASYNC_COMMIT).execute()
                .compose(v -> conn.preparedQuery(MARK_DECISION_BATCH).execute(Tuple.of(batch)))
                .compose(marked -> marked.rowCount() == 0 ? Future.succeededFuture(0)
                        : insertDecisions(conn, INSERT_DECISIONS, decisions)
                                .compose(inserted -> addCounts(conn, counts).map(inserted))));
    }

    /**
     * Ships journal records (rewards, OpenRTB events and durably appended decisions) in one transaction with the
     * server's {@code synchronous_commit} (on by default): the checkpoint moves past them only once they are durable
     * in Postgres.
     */
    Future<Result> writeOutcomes(List<OutcomeEvent> outcomes) {
        final List<OutcomeEvent> decisionRows = new ArrayList<>();
        final List<OutcomeEvent> rewards = new ArrayList<>();
        final List<OutcomeEvent> rtb = new ArrayList<>();
        for (final OutcomeEvent event : outcomes) {
            switch (event.kind()) {
                case DECISION -> decisionRows.add(event); // a durably appended decision: stored like a logged one
                case REWARD -> rewards.add(event);
                default -> rtb.add(event);
            }
        }
        if (outcomes.isEmpty()) {
            return Future.succeededFuture(new Result(0, 0, 0));
        }
        final int offered = rewards.size() + rtb.size();
        final Columns rewardColumns = Columns.of(rewards, true);
        return pool.withTransaction(conn -> insertDecisions(conn, INSERT_JOURNAL_DECISIONS, distinct(decisionRows))
                .compose(insertedDecisions -> insertRewards(conn, rewardColumns)
                        .compose(insertedRewards -> storedElsewhere(conn, rewards, rewardColumns, insertedRewards)
                        .compose(elsewhere -> insertRtb(conn, rtb)
                                .map(insertedRtb -> new Result(insertedRewards + insertedRtb,
                                        offered - insertedRewards - insertedRtb, insertedDecisions, elsewhere))))));
    }

    /** The batch's rewards that another node had stored first (none when every reward was inserted). */
    private static Future<List<OutcomeEvent>> storedElsewhere(SqlConnection conn, List<OutcomeEvent> rewards,
                                                              Columns columns, int inserted) {
        if (inserted >= rewards.size()) {
            return Future.succeededFuture(List.of());
        }
        // a reward's metric travels in the unit field; not Tuple.of: it would spread the arrays
        final Tuple keys = Tuple.tuple().addValue(columns.ids()).addValue(columns.units());
        return conn.preparedQuery(STORED_ELSEWHERE).execute(keys).map(rows -> {
            if (rows.size() == 0) {
                return List.of();
            }
            final Set<String> elsewhere = new HashSet<>();
            for (final Row row : rows) {
                elsewhere.add(row.getString(0) + '\u0000' + row.getString(1));
            }
            final List<OutcomeEvent> events = new ArrayList<>();
            for (final OutcomeEvent reward : rewards) {
                if (elsewhere.remove(reward.id() + '\u0000' + reward.unit())) { // once per key, even if repeated
                    events.add(reward);
                }
            }
            return events;
        });
    }

    /** The rows without repeats of one (id, time) (a client retry within one batch). */
    private static List<OutcomeEvent> distinct(List<OutcomeEvent> rows) {
        if (rows.size() < 2) {
            return rows;
        }
        final Set<String> seen = new HashSet<>();
        final List<OutcomeEvent> distinct = new ArrayList<>(rows.size());
        for (final OutcomeEvent row : rows) {
            if (seen.add(row.timeMillis() + "/" + row.id())) {
                distinct.add(row);
            }
        }
        return distinct;
    }

    private static Future<Integer> insertDecisions(SqlConnection conn, String sql, List<OutcomeEvent> rows) {
        if (rows.isEmpty()) {
            return Future.succeededFuture(0);
        }
        final Columns c = Columns.of(rows, false);
        return conn.preparedQuery(sql)
                .execute(Tuple.tuple().addValue(c.ids()).addValue(c.scopes()).addValue(c.arms()).addValue(c.units())
                        .addValue(c.values()).addValue(c.times()).addValue(c.flags()).addValue(c.contexts()))
                .map(rowSet -> rowSet.rowCount());
    }

    private static Future<Void> addCounts(SqlConnection conn, List<DecisionCounts.Delta> counts) {
        if (counts.isEmpty()) {
            return Future.succeededFuture();
        }
        final int n = counts.size();
        final String[] scopes = new String[n];
        final String[] arms = new String[n];
        final Long[] deltas = new Long[n];
        for (int i = 0; i < n; i++) {
            scopes[i] = counts.get(i).scope();
            arms[i] = counts.get(i).arm();
            deltas[i] = counts.get(i).count();
        }
        return conn.preparedQuery(ADD_DECISION_COUNTS).execute(Tuple.of(scopes, arms, deltas)).mapEmpty();
    }

    /** The rewards ({@code c}, with codes) as {@link #INSERT_REWARDS} takes them: the metric (unit) second. */
    private static Future<Integer> insertRewards(SqlConnection conn, Columns c) {
        if (c.ids().length == 0) {
            return Future.succeededFuture(0);
        }
        boolean teachesLinear = false;
        for (final Integer code : c.codes()) {
            teachesLinear |= code == OutcomeEvent.TEACHES_LINEAR;
        }
        final Tuple values = Tuple.tuple().addValue(c.ids()).addValue(c.units()).addValue(c.scopes())
                .addValue(c.arms()).addValue(c.values()).addValue(c.times()).addValue(c.flags())
                .addValue(c.contexts()).addValue(c.codes());
        final Future<?> locked = teachesLinear ? conn.query(LOCK_LINEAR_HEAD).execute() : Future.succeededFuture();
        return locked.compose(v -> conn.preparedQuery(INSERT_REWARDS).execute(values)).map(PostgresWriter::count);
    }

    /**
     * The columns decision and reward rows share, one array each over the rows, filled in one pass; each statement
     * binds them in its own order. {@code values} is the propensity of a decision and the reward of a reward;
     * {@code units} a reward's metric; {@code contexts} a reward's segments; {@code codes} null unless asked for.
     */
    private record Columns(String[] ids, String[] scopes, String[] arms, String[] units, Double[] values, Long[] times,
                           Integer[] flags, String[] contexts, Integer[] codes) {

        static Columns of(List<OutcomeEvent> rows, boolean withCodes) {
            final int n = rows.size();
            final Columns c = new Columns(new String[n], new String[n], new String[n], new String[n], new Double[n],
                new Long[n], new Integer[n], new String[n], withCodes ? new Integer[n] : null);
            for (int i = 0; i < n; i++) {
                final OutcomeEvent e = rows.get(i);
                c.ids[i] = e.id();
                c.scopes[i] = e.scope();
                c.arms[i] = e.arm();
                c.units[i] = e.unit();
                c.values[i] = e.value();
                c.times[i] = e.timeMillis();
                c.flags[i] = e.flags();
                c.contexts[i] = e.context();
                if (withCodes) {
                    c.codes[i] = e.code();
                }
            }
            return c;
        }
    }

    private Future<Integer> insertRtb(SqlConnection conn, List<OutcomeEvent> rows) {
        if (rows.isEmpty()) {
            return Future.succeededFuture(0);
        }
        final int n = rows.size();
        final Short[] kinds = new Short[n];
        final String[] ids = new String[n];
        final String[] campaigns = new String[n];
        final String[] creatives = new String[n];
        final Double[] values = new Double[n];
        final Integer[] codes = new Integer[n];
        final Long[] times = new Long[n];
        for (int i = 0; i < n; i++) {
            final OutcomeEvent e = rows.get(i);
            kinds[i] = (short) e.kind().code();
            ids[i] = e.id();
            campaigns[i] = e.scope();
            creatives[i] = e.arm();
            values[i] = e.value();
            codes[i] = e.code();
            times[i] = e.timeMillis();
        }
        return conn.preparedQuery(INSERT_RTB_EVENTS)
                .execute(Tuple.tuple().addValue(kinds).addValue(ids).addValue(campaigns).addValue(creatives)
                        .addValue(values).addValue(codes).addValue(times).addValue(ruleKinds).addValue(rulePrefixes)
                        .addValue(ruleTrials).addValue(ruleSuccesses).addValue(ruleFromValue))
                .map(PostgresWriter::count);
    }

    private static int count(io.vertx.sqlclient.RowSet<Row> rows) {
        return rows.iterator().next().getLong(0).intValue();
    }

    /** A round trip to check that Postgres answers. */
    Future<Void> ping() {
        return pool.query("SELECT 1").execute().mapEmpty();
    }

    private static final String ARM_AGGREGATES = "SELECT scope, arm, decisions, trials, successes, reward_sum, "
        + "reward_square_sum, (extract(epoch FROM updated_at) * 1000)::int8 FROM arm_aggregates ORDER BY scope, arm";
    private static final String SEGMENT_AGGREGATES = "SELECT experiment, segment, level, variant, trials, successes, "
        + "reward_sum, reward_square_sum FROM segment_aggregates ORDER BY experiment, segment, variant";
    private static final String OTHER_NODES = "SELECT node, scope, arm, 0::int8, trials, successes, reward_sum, "
        + "reward_square_sum, (extract(epoch FROM updated_at) * 1000)::int8 FROM node_aggregates WHERE node <> $1";
    private static final String OTHER_NODES_SEGMENTS = "SELECT node, experiment, segment, level, variant, trials, "
        + "successes, reward_sum, reward_square_sum FROM node_segment_aggregates WHERE node <> $1";

    Future<List<ArmAggregate>> loadAggregates() {
        return pool.query(ARM_AGGREGATES).execute().map(rows -> armAggregates(rows, 0));
    }

    /** Every segment's totals, for rebuilding segment statistics when their table file is lost. */
    Future<List<SegmentAggregate>> loadSegmentAggregates() {
        return pool.query(SEGMENT_AGGREGATES).execute().map(rows -> segmentAggregates(rows, 0));
    }

    /**
     * The aggregates and the other nodes' shares of them in one {@code REPEATABLE READ, READ ONLY} transaction (one
     * snapshot: a reward batch commits its rows in both, or in neither); the segment tables only when
     * {@code segments}.
     */
    Future<AggregateSnapshot> loadSnapshot(String node, boolean segments) {
        Objects.requireNonNull(node, "node");
        return pool.withTransaction(connection -> connection
            .query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
            .compose(v -> connection.query(ARM_AGGREGATES).execute())
            .compose(armRows -> connection.preparedQuery(OTHER_NODES).execute(Tuple.of(node))
                .compose(nodeRows -> {
                    final List<ArmAggregate> arms = armAggregates(armRows, 0);
                    final List<AggregateSnapshot.NodeTotals<ArmAggregate>> others = new ArrayList<>(nodeRows.size());
                    final List<ArmAggregate> totals = armAggregates(nodeRows, 1);
                    int i = 0;
                    for (final Row row : nodeRows) {
                        others.add(new AggregateSnapshot.NodeTotals<>(row.getString(0), totals.get(i++)));
                    }
                    if (!segments) {
                        return Future.succeededFuture(new AggregateSnapshot(arms, List.of(), others, List.of()));
                    }
                    return connection.query(SEGMENT_AGGREGATES).execute()
                        .compose(segmentRows -> connection.preparedQuery(OTHER_NODES_SEGMENTS).execute(Tuple.of(node))
                            .map(nodeSegmentRows -> {
                                final List<SegmentAggregate> nodeSegments = segmentAggregates(nodeSegmentRows, 1);
                                final List<AggregateSnapshot.NodeTotals<SegmentAggregate>> otherSegments =
                                    new ArrayList<>(nodeSegments.size());
                                int j = 0;
                                for (final Row row : nodeSegmentRows) {
                                    otherSegments.add(new AggregateSnapshot.NodeTotals<>(row.getString(0),
                                        nodeSegments.get(j++)));
                                }
                                return new AggregateSnapshot(arms, segmentAggregates(segmentRows, 0), others,
                                    otherSegments);
                            }));
                })));
    }

    /** Arm totals from {@code rows}, whose columns from {@code first} are those of {@link #ARM_AGGREGATES}. */
    private static List<ArmAggregate> armAggregates(RowSet<Row> rows, int first) {
        final List<ArmAggregate> aggregates = new ArrayList<>(rows.size());
        for (final Row row : rows) {
            aggregates.add(new ArmAggregate(row.getString(first), row.getString(first + 1), row.getLong(first + 2),
                row.getLong(first + 3), row.getLong(first + 4), row.getDouble(first + 5), row.getDouble(first + 6),
                row.getLong(first + 7)));
        }
        return aggregates;
    }

    /** Segment totals from {@code rows}, whose columns from {@code first} are those of {@link #SEGMENT_AGGREGATES}. */
    private static List<SegmentAggregate> segmentAggregates(RowSet<Row> rows, int first) {
        final List<SegmentAggregate> aggregates = new ArrayList<>(rows.size());
        for (final Row row : rows) {
            aggregates.add(new SegmentAggregate(row.getString(first), row.getLong(first + 1),
                row.getLong(first + 2), row.getString(first + 3), row.getLong(first + 4), row.getLong(first + 5),
                row.getDouble(first + 6), row.getDouble(first + 7)));
        }
        return aggregates;
    }

    /** The newest rewards since $1 (epoch ms), at most $2: a backward scan of {@code rewards_time}. */
    static final String NEWEST_REWARD_IDS = "SELECT CASE WHEN metric = '' THEN decision_id ELSE decision_id || ' ' "
            + "|| metric END FROM rewards WHERE time >= to_timestamp($1::int8 / 1000.0) ORDER BY time DESC LIMIT $2";
    /**
     * The newest notices of {@code kinds} since $1 (epoch ms), at most $2, newest first: per kind a backward scan of
     * {@code rtb_events_kind_time} (itself stopping at $2 rows), the scans merged by time under the outer limit (a
     * Merge Append under a Limit): Postgres reads at most $2 rows plus one per kind in all, and sorts none. Rows of
     * the same time come in no set order, and the limit may cut among them. The kind codes are written into the
     * statement from the enum (never from input), one branch per distinct kind.
     */
    static String newestNoticeIds(List<OutcomeKind> kinds) {
        final StringJoiner sql = new StringJoiner(" UNION ALL ", "", " ORDER BY time DESC LIMIT $2");
        for (final OutcomeKind kind : EnumSet.copyOf(kinds)) {
            sql.add("(SELECT kind, id, time FROM rtb_events WHERE kind = " + kind.code() + "::int2 "
                + "AND time >= to_timestamp($1::int8 / 1000.0) ORDER BY time DESC LIMIT $2)");
        }
        return sql.toString();
    }

    /** This session's node's BILL ids since then, with those of no node (stored before V47 or without a node id). */
    Future<List<String>> loadOwnBillIdsSince(long sinceMillis) {
        return ids(pool.preparedQuery("SELECT id FROM rtb_events WHERE kind = $2::int2 "
                + "AND time >= to_timestamp($1::int8 / 1000.0) "
                + "AND (node IS NULL OR node = nullif(current_setting('arbiter.node', true), ''))")
                .execute(Tuple.of(sinceMillis, (short) OutcomeKind.BILL.code())));
    }

    Future<List<String>> loadIdsSince(OutcomeKind kind, long sinceMillis) {
        final String sql = switch (kind) {
            case DECISION -> "SELECT id FROM decisions WHERE time >= to_timestamp($1::int8 / 1000.0)";
            case REWARD -> "SELECT CASE WHEN metric = '' THEN decision_id ELSE decision_id || ' ' || metric END "
                    + "FROM rewards WHERE time >= to_timestamp($1::int8 / 1000.0)";
            default -> "SELECT id FROM rtb_events WHERE kind = $2::int2 AND time >= to_timestamp($1::int8 / 1000.0)";
        };
        final Tuple args = kind == OutcomeKind.DECISION || kind == OutcomeKind.REWARD
                ? Tuple.of(sinceMillis) : Tuple.of(sinceMillis, (short) kind.code());
        return ids(pool.preparedQuery(sql).execute(args));
    }

    /**
     * {@link OutcomeLog#loadNewestOutcomeIds}: one backward scan of {@code rewards_time}, or of
     * {@code rtb_events_kind_time} per kind, merged newest first ({@link #newestNoticeIds}); at most {@code limit}
     * rows read (and one more per kind), none sorted.
     */
    Future<List<OutcomeId>> loadNewestIds(List<OutcomeKind> kinds, long sinceMillis, int limit) {
        if (kinds.contains(OutcomeKind.REWARD) || kinds.contains(OutcomeKind.DECISION)) {
            if (!kinds.equals(List.of(OutcomeKind.REWARD))) {
                throw new IllegalArgumentException("rewards are read alone, decisions never: " + kinds);
            }
            return pool.preparedQuery(NEWEST_REWARD_IDS).execute(Tuple.of(sinceMillis, limit)).map(rows -> {
                final List<OutcomeId> ids = new ArrayList<>(rows.size());
                for (final Row row : rows) {
                    ids.add(new OutcomeId(OutcomeKind.REWARD, row.getString(0)));
                }
                return ids;
            });
        }
        if (kinds.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        return pool.preparedQuery(newestNoticeIds(kinds)).execute(Tuple.of(sinceMillis, limit)).map(rows -> {
            final List<OutcomeId> ids = new ArrayList<>(rows.size());
            for (final Row row : rows) {
                ids.add(new OutcomeId(OutcomeKind.ofCode(row.getShort(0)), row.getString(1)));
            }
            return ids;
        });
    }

    private static Future<List<String>> ids(Future<RowSet<Row>> query) {
        return query.map(rows -> {
            final List<String> ids = new ArrayList<>(rows.size());
            for (final Row row : rows) {
                ids.add(row.getString(0));
            }
            return ids;
        });
    }
}
