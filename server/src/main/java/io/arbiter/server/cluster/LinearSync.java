package io.arbiter.server.cluster;

import io.arbiter.server.files.DurableFiles;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Linear models shared between server nodes on one Postgres: every {@code cluster.syncInterval} this node reads the
 * rewards that taught a linear model on the other nodes ({@code linear_rewards}, V48: one row per stored reward, its
 * decision id and value, numbered per node in commit order) past the newest number it has applied of each node, and
 * hands them, in order, to a {@link Sink}, which replays each into the local model's observation ring (the decision id
 * carries the features). A node's own rewards were applied when they arrived and are never read back.
 *
 * <p>Exactly once: a node's rows are numbered in the order its transactions commit (its head row is locked first), so
 * "applied up to n" of a node is a prefix of its rows. A row the sink cannot apply yet (the experiment's definition
 * has not reached this node, the model's ring is full) stops that node's replay for the round; it is offered again in
 * the next. A row whose experiment stays unknown for {@value #GIVE_UP_MILLIS} ms (deleted, or never to reach this
 * node) is passed over and counted as dropped, so it cannot hold back the rows behind it.
 *
 * <p>What was applied of each node is kept in {@value #SEEN_FILE}, replaced after every round that applied
 * anything (after the offers: the ring lives in the model's mapped file; not forced, as the ring's pages are not) and
 * forced at a clean stop, and read at start. Without it (a new node,
 * a lost data folder, whose models start from their priors too) every row within {@code outcomes.rewardRetention}
 * is replayed.
 *
 * <p>One round is one small query (the heads) and, when some node moved, one more (its new rows, at most
 * {@value #ROWS_PER_ROUND} of each node a round). Blocking; runs on its own thread, never on an event loop.
 */
public final class LinearSync implements AutoCloseable {

    /** Receives another node's reward, in that node's commit order; called on the sync thread. */
    public interface Sink {
        /** Offers the reward to the local model: {@link Outcome#RETRY} when it cannot be applied yet. */
        Outcome apply(String decisionId, double reward);
    }

    /** What the sink did with one row. */
    public enum Outcome {
        APPLIED, DROPPED, RETRY
    }

    public static final String SEEN_FILE = "cluster-seen-linear";
    /** Rows of one node read per round at most; the rest follow in the next rounds. */
    static final int ROWS_PER_ROUND = 20_000;
    /** How long a row whose experiment is unknown here may hold back the rows of its node. */
    static final long GIVE_UP_MILLIS = 120_000;
    private static final System.Logger LOG = System.getLogger(LinearSync.class.getName());
    private static final String READ_HEADS = "SELECT node, last FROM linear_reward_heads WHERE node <> $1";
    private static final String READ_ROWS = """
            SELECT p.node, l.seq, l.decision_id, l.reward, (extract(epoch FROM l.time) * 1000)::int8
            FROM unnest($1::text[], $2::int8[]) AS p(node, seen)
            CROSS JOIN LATERAL (SELECT seq, decision_id, reward, time FROM linear_rewards r
                                WHERE r.node = p.node AND r.seq > p.seen ORDER BY r.seq LIMIT $3) AS l
            ORDER BY p.node, l.seq""";

    private final Pool pool;
    private final String nodeId;
    private final long intervalMillis;
    private final Path seenFile;
    private final long giveUpMillis;
    /** Per other node, the newest number applied (or passed over); the sync thread's, and close's after it ends. */
    private final Map<String, Long> seen = new HashMap<>();
    /** Per other node, since when its next row has been waiting for an unknown experiment (epoch ms). */
    private final Map<String, Long> waitingSince = new HashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "arbiter-linear-sync");
        t.setDaemon(true);
        return t;
    });
    private volatile long applied;
    private volatile long dropped;
    private volatile long lastLagMillis;
    private volatile long lastRoundMillis;
    private volatile boolean reachable = true;

    public LinearSync(Pool pool, String nodeId, long intervalMillis, Path dataDir) {
        this(pool, nodeId, intervalMillis, dataDir, GIVE_UP_MILLIS);
    }

    LinearSync(Pool pool, String nodeId, long intervalMillis, Path dataDir, long giveUpMillis) {
        this.giveUpMillis = giveUpMillis;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.intervalMillis = intervalMillis;
        this.seenFile = dataDir.resolve(SEEN_FILE);
    }

    /** Reads what was applied before (the seen file), then syncs every interval. */
    public void start(Sink sink) throws IOException {
        readSeenFile();
        thread.scheduleWithFixedDelay(() -> round(sink), 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** One round: applies the other nodes' new rows in order. Answers the number of rows applied. */
    int round(Sink sink) {
        final long patience = Math.max(intervalMillis * 5, 5000);
        int appliedNow = 0;
        boolean moved = false;
        long oldest = Long.MAX_VALUE;
        try {
            final List<String> nodes = new ArrayList<>();
            final List<Long> from = new ArrayList<>();
            for (final Row head : pool.preparedQuery(READ_HEADS).execute(Tuple.of(nodeId))
                .await(patience, TimeUnit.MILLISECONDS)) {
                final long known = seen.getOrDefault(head.getString(0), 0L);
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
                    final String node = row.getString(0);
                    if (node.equals(blocked)) {
                        continue; // keep the node's order: what follows a row that must wait waits too
                    }
                    final Outcome outcome = sink.apply(row.getString(2), row.getDouble(3));
                    if (outcome == Outcome.RETRY) {
                        final long since = waitingSince.computeIfAbsent(node, n -> now);
                        if (now - since < giveUpMillis) {
                            blocked = node;
                            continue;
                        }
                        LOG.log(System.Logger.Level.WARNING, "linear sync: passed over node " + node + "'s reward "
                            + row.getLong(1) + " (its experiment or variant unknown here, or the model's ring full, "
                            + "for " + giveUpMillis / 1000 + " s)");
                    }
                    waitingSince.remove(node);
                    seen.put(node, row.getLong(1));
                    moved = true;
                    if (outcome == Outcome.APPLIED) {
                        appliedNow++;
                        oldest = Math.min(oldest, row.getLong(4));
                    } else {
                        dropped++;
                    }
                }
            }
            if (moved) {
                // After the offers, which the model's mapped ring holds. Not forced: like the ring's pages, the file
                // survives a killed process in the page cache; a rename is the whole window for a kill to fall in.
                try {
                    writeSeenFile(false);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "linear sync: cannot write " + seenFile + " (a restart "
                        + "replays from the last one written): " + e);
                }
            }
            if (!reachable) {
                LOG.log(System.Logger.Level.INFO, "linear sync: Postgres answers again");
            }
            reachable = true;
            lastRoundMillis = System.currentTimeMillis();
            if (appliedNow > 0) {
                applied += appliedNow;
                // From the reward's acceptance on its node (journal, shipping, this round) to its offer here.
                lastLagMillis = Math.max(0, lastRoundMillis - oldest);
            }
        } catch (Exception e) {
            if (reachable) {
                LOG.log(System.Logger.Level.WARNING, "linear sync: cannot read other nodes' linear rewards (retrying "
                    + "every " + intervalMillis + " ms): " + e);
            }
            reachable = false;
        }
        return appliedNow;
    }

    /** Other nodes' rewards offered to this node's linear models since start. */
    public long applied() {
        return applied;
    }

    /** Other nodes' linear rewards passed over: they teach no linear model here, or waited too long. */
    public long dropped() {
        return dropped;
    }

    /** From the acceptance of the oldest reward applied in the last round that applied any, to then (ms). */
    public long lastLagMillis() {
        return lastLagMillis;
    }

    /** When the last successful round ended (epoch ms), 0 before the first. */
    public long lastRoundMillis() {
        return lastRoundMillis;
    }

    public boolean reachable() {
        return reachable;
    }

    /** Stops syncing and writes what was applied. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (thread.awaitTermination(10, TimeUnit.SECONDS)) {
                writeSeenFile(true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "linear sync: cannot write " + seenFile + ": " + e);
        }
    }

    private void writeSeenFile(boolean durable) throws IOException {
        final StringBuilder text = new StringBuilder();
        seen.forEach((node, seq) -> text.append(node).append('\t').append(seq).append('\n'));
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (durable) {
            DurableFiles.replace(seenFile, bytes);
        } else {
            DurableFiles.replaceUnforced(seenFile, bytes);
        }
    }

    /** Reads what was applied before (package-private: tests run rounds without the schedule). */
    void readSeenFile() throws IOException {
        if (!Files.exists(seenFile)) {
            return;
        }
        for (final String line : Files.readAllLines(seenFile)) {
            final int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                seen.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
            }
        }
    }
}
