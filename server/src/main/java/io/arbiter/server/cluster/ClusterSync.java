package io.arbiter.server.cluster;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shared learning between server nodes on one Postgres: every {@code cluster.syncInterval} this node reads the other
 * nodes' committed reward totals ({@code node_aggregates}, one row per node, experiment and variant, folded in the
 * same transaction as the reward rows) and hands the growth since it last looked to a {@link Sink}, which adds it to
 * the posteriors. A node's own rewards are applied when they arrive and never read back, so nothing counts twice.
 *
 * <p>What was last seen of each other node is kept with the posterior table: written to {@code cluster-seen} when
 * the node stops cleanly (after the last round, so it matches the table file) and read at the next start. When the
 * table was rebuilt from Postgres's aggregates instead (an unclean stop, a new table), those aggregates already hold
 * every node's rewards, so the current totals are taken as seen without applying them.
 *
 * <p>One round is one query (rows: nodes x arms). Blocking; runs on its own thread.
 */
public final class ClusterSync implements AutoCloseable {

    /** Receives another node's growth for one (experiment, variant); called on the sync thread. */
    public interface Sink {
        void add(String scope, String arm, long trials, long successes, double rewardSum, double rewardSquareSum);
    }

    /** Totals of one (node, scope, arm) as last applied. */
    private record Seen(long trials, long successes, double rewardSum, double rewardSquareSum) {
    }

    public static final String SEEN_FILE = "cluster-seen";
    private static final System.Logger LOG = System.getLogger(ClusterSync.class.getName());
    private static final String READ = "SELECT node, scope, arm, trials, successes, reward_sum, reward_square_sum, "
        + "(extract(epoch FROM updated_at) * 1000)::int8 FROM node_aggregates WHERE node <> $1";

    private final Pool pool;
    private final String nodeId;
    private final long intervalMillis;
    private final Path seenFile;
    private final Map<String, Seen> seen = new HashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "arbiter-cluster-sync");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastRoundMillis;
    private volatile long lastLagMillis;
    private volatile boolean reachable = true;

    public ClusterSync(Pool pool, String nodeId, long intervalMillis, Path dataDir) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.intervalMillis = intervalMillis;
        this.seenFile = dataDir.resolve(SEEN_FILE);
    }

    /**
     * Sets what counts as already applied, then syncs every interval. {@code tableRebuilt}: the posteriors were just
     * rebuilt from Postgres's aggregates (all nodes' totals are in them already); otherwise what this node had seen
     * when it last stopped cleanly is read back (nothing: everything of the other nodes is new to this table).
     */
    public void start(boolean tableRebuilt, Sink sink) throws Exception {
        synchronized (seen) {
            if (tableRebuilt) {
                for (final Row row : pool.preparedQuery(READ).execute(Tuple.of(nodeId)).await(60, TimeUnit.SECONDS)) {
                    seen.put(key(row.getString(0), row.getString(1), row.getString(2)), new Seen(row.getLong(3),
                        row.getLong(4), row.getDouble(5), row.getDouble(6)));
                }
            } else {
                readSeenFile();
            }
            Files.deleteIfExists(seenFile); // from now on the table moves on; a crash must not reuse the file
        }
        thread.scheduleWithFixedDelay(() -> round(sink), 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** One round: reads the other nodes' totals and applies what grew. Answers the number of rows applied. */
    int round(Sink sink) {
        final long started = System.currentTimeMillis();
        int applied = 0;
        long oldestChange = Long.MAX_VALUE;
        try {
            final io.vertx.sqlclient.RowSet<Row> rows = pool.preparedQuery(READ).execute(Tuple.of(nodeId))
                .await(Math.max(intervalMillis * 5, 5000), TimeUnit.MILLISECONDS);
            synchronized (seen) {
                for (final Row row : rows) {
                    final String key = key(row.getString(0), row.getString(1), row.getString(2));
                    final Seen now = new Seen(row.getLong(3), row.getLong(4), row.getDouble(5), row.getDouble(6));
                    final Seen before = seen.getOrDefault(key, new Seen(0, 0, 0, 0));
                    if (now.trials() != before.trials() || now.successes() != before.successes()
                        || now.rewardSum() != before.rewardSum()) {
                        sink.add(row.getString(1), row.getString(2), now.trials() - before.trials(),
                            now.successes() - before.successes(), now.rewardSum() - before.rewardSum(),
                            now.rewardSquareSum() - before.rewardSquareSum());
                        seen.put(key, now);
                        applied++;
                        oldestChange = Math.min(oldestChange, row.getLong(7));
                    }
                }
            }
            if (!reachable) {
                LOG.log(System.Logger.Level.INFO, "cluster sync: Postgres answers again");
            }
            reachable = true;
            lastRoundMillis = System.currentTimeMillis();
            if (applied > 0) {
                // From the commit of the oldest change applied in this round to its application here.
                lastLagMillis = Math.max(0, lastRoundMillis - oldestChange);
            }
        } catch (Exception e) {
            if (reachable) {
                LOG.log(System.Logger.Level.WARNING, "cluster sync: cannot read other nodes' totals (retrying every "
                    + intervalMillis + " ms): " + e);
            }
            reachable = false;
        }
        return applied;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Milliseconds from the commit of the oldest change applied in the last round that applied any, to then. */
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

    /** Stops syncing and writes what was seen, to be read back with the cleanly closed table. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
            writeSeenFile();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cluster sync: cannot write " + seenFile + ": " + e);
        }
    }

    private static String key(String node, String scope, String arm) {
        return node + '\u0000' + scope + '\u0000' + arm;
    }

    private void writeSeenFile() throws IOException {
        final StringBuilder text = new StringBuilder();
        synchronized (seen) {
            seen.forEach((key, s) -> text.append(key.replace('\u0000', '\t')).append('\t').append(s.trials())
                .append('\t').append(s.successes()).append('\t').append(Double.doubleToRawLongBits(s.rewardSum()))
                .append('\t').append(Double.doubleToRawLongBits(s.rewardSquareSum())).append('\n'));
        }
        final Path tmp = seenFile.resolveSibling(SEEN_FILE + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, seenFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void readSeenFile() throws IOException {
        if (!Files.exists(seenFile)) {
            return;
        }
        for (final String line : Files.readAllLines(seenFile)) {
            final String[] f = line.split("\t", -1);
            if (f.length == 7) {
                seen.put(key(f[0], f[1], f[2]), new Seen(Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Double.longBitsToDouble(Long.parseLong(f[5])), Double.longBitsToDouble(Long.parseLong(f[6]))));
            }
        }
    }
}
