package io.arbiter.server.cluster;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Linear models shared between server nodes on one Postgres: every {@code cluster.syncInterval} this node reads the
 * rewards that taught a linear model on the other nodes ({@code linear_rewards}, V48: one row per stored reward, its
 * decision id and value, numbered per node in commit order) past the newest number it has applied of each node, and
 * hands them, in order, to a {@link Sink}, which replays each into the local model's observation ring (the decision id
 * carries the features) with its node and number. A node's own rewards were applied when they arrived and are never
 * read back.
 *
 * <p>Exactly once: a node's rows are numbered in the order its transactions commit (its head row is locked first), so
 * "applied up to n" of a node is a prefix of its rows. A row the sink cannot apply yet (the experiment's definition
 * has not reached this node, the model's ring is full) stops that node's replay for the round; it is offered again in
 * the next. A full ring is back-pressure, not a reason to give up: the row waits for the model's applier however long
 * that takes (counted in {@link #deferred}), and starts no give-up clock. A row whose experiment stays unknown for
 * {@value #GIVE_UP_MILLIS} ms (deleted, or never to reach this node) is passed over and counted as dropped, so it
 * cannot hold back the rows behind it; so are the rows behind it that cannot be applied either, at once, until one
 * of its node's rows can (the clock starts again then): rows of a deleted experiment wait the give-up time once, not
 * once each. A row whose offer throws (a defect, the same in every round) is skipped, counted in
 * {@link #failedRows} and logged once per cause with the row; a Postgres failure aborts the round and is logged as
 * such.
 *
 * <p>What was applied of each node is kept by the models themselves, not here: each linear model keeps, in its own
 * file and written by its one writer after it applied a row, the newest number of each node it contains, and skips a
 * row it has. This sync only keeps, in memory, how far it has read; at start it asks the {@link Sink} where the
 * models are ({@link Sink#replayedUpTo}: the oldest position over the models) and reads from there. So a kill between
 * offering a round and applying it replays rows the models skip, and a model whose file was lost (it has no
 * positions) is given every row within {@code outcomes.rewardRetention} again. After every round the sink is told
 * how far each node was read ({@link Sink#replayed}), so that the models whose experiments the rows did not teach
 * move too, and a restart does not read those rows again.
 *
 * <p>One round is one small query (the heads) and, when some node moved, one more (its new rows, at most
 * {@value #ROWS_PER_ROUND} of each node a round). Blocking; runs on its own thread, never on an event loop.
 */
public final class LinearSync extends PeriodicSync {

    /** Receives another node's rewards, in that node's commit order; called on the sync thread. */
    public interface Sink {
        /**
         * Offers reward {@code number} of {@code node} to the local model: {@link Outcome#RETRY} when it cannot be
         * applied yet, {@link Outcome#FULL} when the model's ring is full. A model that contains that number already
         * skips it.
         */
        Outcome apply(String node, long number, String decisionId, double reward);

        /** The newest number of {@code node} that every local linear model contains (0: none): reading starts after. */
        long replayedUpTo(String node);

        /** Every row of {@code node} up to {@code number} was offered or passed over: the models may move past it. */
        void replayed(String node, long number);

        /** How many local models have no position for {@code node} (all their slots taken by others). */
        default int withoutPosition(String node) {
            return 0;
        }
    }

    /** What the sink did with one row. */
    public enum Outcome {
        /** Offered to the model (or skipped by it, as one it has). */
        APPLIED,
        /** Teaches no model here: passed over. */
        DROPPED,
        /** Its experiment or variant is unknown here: offered again next round, passed over after the give-up time. */
        RETRY,
        /** The model's ring is full: offered again next round, however long the ring stays full. */
        FULL,
        /** The sink threw (never answered by a sink): skipped, counted in {@link #failedRows()}. */
        FAILED
    }

    /** Rows of one node read per round at most; the rest follow in the next rounds. */
    static final int ROWS_PER_ROUND = 20_000;
    /** How long a row whose experiment is unknown here may hold back the rows of its node. */
    static final long GIVE_UP_MILLIS = 120_000;
    /** Distinct causes of failed offers logged at most (then counted only). */
    private static final int MAX_LOGGED_CAUSES = 100;
    private static final System.Logger LOG = System.getLogger(LinearSync.class.getName());
    /** Each other node's newest number, and whether it has rows still (none once retention deleted them all). */
    private static final String READ_HEADS = "SELECT h.node, h.last, EXISTS (SELECT 1 FROM linear_rewards r "
        + "WHERE r.node = h.node) FROM linear_reward_heads h WHERE h.node <> $1";
    private static final String READ_ROWS = """
            SELECT p.node, l.seq, l.decision_id, l.reward, (extract(epoch FROM l.time) * 1000)::int8
            FROM unnest($1::text[], $2::int8[]) AS p(node, seen)
            CROSS JOIN LATERAL (SELECT seq, decision_id, reward, time FROM linear_rewards r
                                WHERE r.node = p.node AND r.seq > p.seen ORDER BY r.seq LIMIT $3) AS l
            ORDER BY p.node, l.seq""";

    private final Pool pool;
    private final String nodeId;
    private final long giveUpMillis;
    /** Per other node, the newest number offered (or passed over); the sync thread's. From the sink at first sight. */
    private final Map<String, Long> seen = new HashMap<>();
    /**
     * Per other node, since when its rows have been waiting (epoch ms): from the first that could not be applied
     * until one can.
     */
    private final Map<String, Long> waitingSince = new HashMap<>();
    /** The other nodes whose rows are being passed over (they waited the give-up time). */
    private final Set<String> passingOver = new HashSet<>();
    /** The other nodes that have stored rows, as of this round's heads: only they take a model's position slot. */
    private final Set<String> withRows = new HashSet<>();
    private volatile int withoutPosition;
    private volatile long applied;
    private volatile long dropped;
    private volatile long deferred;
    private volatile long failedRows;
    /** The causes of failed offers logged so far (class and message): each is logged once. */
    private final Set<String> loggedCauses = new HashSet<>();

    public LinearSync(Pool pool, String nodeId, long intervalMillis) {
        this(pool, nodeId, intervalMillis, GIVE_UP_MILLIS);
    }

    LinearSync(Pool pool, String nodeId, long intervalMillis, long giveUpMillis) {
        super("linear sync", "arbiter-linear-sync", intervalMillis);
        this.giveUpMillis = giveUpMillis;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    /** Syncs every interval, each node from where the sink's models are. */
    public void start(Sink sink) {
        schedule(() -> round(sink));
    }

    /** One round: applies the other nodes' new rows in order. Answers the number of rows applied. */
    int round(Sink sink) {
        final long patience = patienceMillis();
        int appliedNow = 0;
        long oldest = Long.MAX_VALUE;
        try {
            final List<String> nodes = new ArrayList<>();
            final List<Long> from = new ArrayList<>();
            withRows.clear();
            for (final Row head : pool.preparedQuery(READ_HEADS).execute(Tuple.of(nodeId))
                .await(patience, TimeUnit.MILLISECONDS)) {
                if (head.getBoolean(2)) {
                    withRows.add(head.getString(0));
                }
                final long known = seen.computeIfAbsent(head.getString(0), sink::replayedUpTo);
                if (head.getLong(1) > known) {
                    nodes.add(head.getString(0));
                    from.add(known);
                }
            }
            if (!nodes.isEmpty()) {
                final RowSet<Row> rows = pool.preparedQuery(READ_ROWS).execute(Tuple.of(
                        nodes.toArray(new String[0]), from.toArray(new Long[0]), ROWS_PER_ROUND))
                    .await(patience, TimeUnit.MILLISECONDS);
                String blocked = null;
                final long now = System.currentTimeMillis();
                for (final Row row : rows) {
                    if (Thread.currentThread().isInterrupted()) { // closing: the models close next, offer no more
                        applied += appliedNow;
                        return appliedNow;
                    }
                    final String node = row.getString(0);
                    if (node.equals(blocked)) {
                        continue; // keep the node's order: what follows a row that must wait waits too
                    }
                    final Outcome outcome = offer(sink, node, row.getLong(1), row.getString(2), row.getDouble(3));
                    if (outcome == Outcome.FULL) {
                        deferred++; // back-pressure: this row and the node's later ones wait for the applier
                        blocked = node;
                        continue;
                    }
                    if (outcome == Outcome.RETRY) {
                        final Long since = waitingSince.putIfAbsent(node, now);
                        if (since == null || now - since < giveUpMillis) {
                            blocked = node;
                            continue;
                        }
                        if (passingOver.add(node)) { // logged once a stall, not once a row
                            LOG.log(System.Logger.Level.WARNING, "linear sync: passing over node " + node
                                + "'s rewards from " + row.getLong(1) + " (experiment or variant unknown here for "
                                + giveUpMillis / 1000 + " s) until one can be applied");
                        }
                    } else if (outcome != Outcome.FAILED) { // a row that threw applied nothing: the clock runs on
                        waitingSince.remove(node);
                        passingOver.remove(node);
                    }
                    seen.put(node, row.getLong(1));
                    if (outcome == Outcome.APPLIED) {
                        appliedNow++;
                        oldest = Math.min(oldest, row.getLong(4));
                    } else if (outcome != Outcome.FAILED) { // dropped, or passed over after waiting
                        dropped++;
                    }
                }
            }
            // After the offers, behind them in each model's ring. Every round, not only when a row moved: a model
            // created since (a new experiment) then catches up its positions; the sink skips the models that have it.
            // Only nodes with rows: a model's 256 position slots would otherwise fill with the ids of nodes long
            // gone (heads are never deleted), and a live node could find none (its rows then count again at each
            // restart). A node without rows has nothing to re-read, so a model without its position loses nothing.
            try {
                int without = 0;
                for (final Map.Entry<String, Long> node : seen.entrySet()) {
                    if (withRows.contains(node.getKey())) {
                        sink.replayed(node.getKey(), node.getValue());
                        without += sink.withoutPosition(node.getKey());
                    }
                }
                withoutPosition = without;
            } catch (RuntimeException e) { // not Postgres: the models; tried again next round
                logOnce(e, "cannot move the linear models' replay positions (tried again next round)");
            }
            // From the reward's acceptance on its node (journal, shipping, this round) to its offer here.
            succeeded(oldest);
            applied += appliedNow;
        } catch (Exception e) {
            failed("read other nodes' linear rewards", e);
        }
        return appliedNow;
    }

    /**
     * Offers one row to the sink. A row whose offer throws (a defect, not Postgres: a Postgres failure aborts the round
     * instead) would throw again in every round and hold back every later row of its node: it is skipped, counted in
     * {@link #failedRows()} and logged once per cause with the row that showed it.
     */
    private Outcome offer(Sink sink, String node, long number, String decisionId, double reward) {
        try {
            return sink.apply(node, number, decisionId, reward);
        } catch (RuntimeException e) {
            failedRows++;
            logOnce(e, "skipped node " + node + "'s reward " + number + " (decision " + decisionId + "): applying "
                + "it failed");
            return Outcome.FAILED;
        }
    }

    /** Logs {@code what} with the exception, once per cause (its class and message) over the sync's life. */
    private void logOnce(RuntimeException e, String what) {
        final String cause = e.getClass().getName() + ": " + e.getMessage();
        if (loggedCauses.size() < MAX_LOGGED_CAUSES && loggedCauses.add(cause)) {
            LOG.log(System.Logger.Level.ERROR, "linear sync: " + what + "; further failures of this cause are "
                + "counted, not logged: " + cause, e);
        }
    }

    /**
     * Other nodes with rows that a local model keeps no position for (its slots all taken), summed over the models, as
     * of the last round.
     */
    public int withoutPosition() {
        return withoutPosition;
    }

    /** Other nodes' rewards offered to this node's linear models since start. */
    public long applied() {
        return applied;
    }

    /** Other nodes' linear rewards passed over: they teach no linear model here, or waited too long. */
    public long dropped() {
        return dropped;
    }

    /** Other nodes' linear rewards skipped because offering them threw (a defect, logged once per cause). */
    public long failedRows() {
        return failedRows;
    }

    /** Times a node's replay stopped for the round at a row because the model's ring was full (offered again). */
    public long deferred() {
        return deferred;
    }

    /**
     * Stops syncing (what was applied is in the models, closed with them): a round under way ends at its next row,
     * and this waits up to 10 s for it, so that nothing is offered to a model closed after this returns. A sink call
     * that outlasts that is logged.
     */
    @Override
    public void close() {
        if (!stop()) {
            LOG.log(System.Logger.Level.WARNING, "linear sync: a round was still under way when closing ("
                + (Thread.currentThread().isInterrupted() ? "interrupted while waiting" : "a sink call outlasted "
                + "10 s") + "); it may offer a row to a model closing under it");
        }
    }
}
