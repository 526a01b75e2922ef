package io.arbiter.server.cluster;

import io.arbiter.server.files.DurableFiles;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Shared learning between server nodes on one Postgres: every {@code cluster.syncInterval} this node reads the other
 * nodes' committed reward totals ({@code node_aggregates}, one row per node, experiment and variant, folded in the
 * same transaction as the reward rows) and hands the growth since it last looked to a {@link Sink}, which adds it to
 * the posteriors. A node's own rewards are applied when they arrive and never read back, so nothing counts twice.
 * Segment statistics go the same way ({@code node_segment_aggregates}, one row per node, segment and variant, to a
 * {@link SegmentSink}), except that a round reads only the rows changed since the newest change it has seen, less
 * {@value #SEGMENT_MARGIN_MICROS} microseconds for transactions that were still open then, and reads all of them every
 * {@value #FULL_SEGMENT_READ_EVERY} rounds (a row missed by the margin waits for that read, never counts twice: what
 * is applied is always the growth over what was seen).
 *
 * <p>A sink that cannot apply a row yet (the experiment's definition has not reached this node, the segment is still
 * being created) answers false: the row stays unseen and is offered again in a later round.
 *
 * <p>What was last seen of each other node is kept with the posterior table and the segment store: written to
 * {@code cluster-seen} and {@code cluster-seen-segments} when the node stops cleanly (after the last round, so they
 * match the files) and read at the next start. When the table or the segment store was rebuilt from Postgres's
 * aggregates instead (an unclean stop, new files), those aggregates already hold every node's rewards, so the other
 * nodes' totals as of the same snapshot (read in the rebuild's transaction, handed to {@link #start}) are taken as
 * seen without applying them: a reward another node commits after that snapshot is applied by a round, once.
 *
 * <p>One round is two queries (rows: nodes x arms, and the segment rows changed). Blocking; runs on its own thread.
 */
public final class ClusterSync extends PeriodicSync {

    /**
     * Receives another node's growth for one (experiment, variant); called on the sync thread. Answers false when it
     * cannot be applied yet (offered again later).
     */
    public interface Sink {
        boolean add(String scope, String arm, long trials, long successes, double rewardSum, double rewardSquareSum);
    }

    /**
     * Receives another node's growth for one variant in one segment ({@code segment} and {@code level}: the 64-bit
     * keys of {@code io.arbiter.bandits.context}); called on the sync thread. Answers false when it cannot be applied
     * yet (offered again later).
     */
    public interface SegmentSink {
        boolean add(String experiment, long segment, long level, String variant, long trials, long successes,
                    double rewardSum, double rewardSquareSum);
    }

    /** Totals of one (node, scope, arm) or (node, segment, variant) as last applied. */
    private record Seen(long trials, long successes, double rewardSum, double rewardSquareSum) {
        private static final Seen NONE = new Seen(0, 0, 0, 0);

        boolean differs(Seen other) {
            return trials != other.trials || successes != other.successes || rewardSum != other.rewardSum;
        }
    }

    /** Another node's totals of one (scope, arm), as the snapshot the posteriors were rebuilt from held them. */
    public record Totals(String node, String scope, String arm, long trials, long successes, double rewardSum,
                         double rewardSquareSum) {
    }

    /** Another node's totals of one variant in one segment, as the snapshot the segments were rebuilt from held. */
    public record SegmentTotals(String node, String experiment, long segment, String variant, long trials,
                                long successes, double rewardSum, double rewardSquareSum) {
    }

    /** One other node's row of one segment and variant. */
    private record SegmentKey(String node, String experiment, long segment, String variant) {
    }

    public static final String SEEN_FILE = "cluster-seen";
    public static final String SEEN_SEGMENTS_FILE = "cluster-seen-segments";
    /** How far before the newest change seen a segment round reads again: longer than a reward transaction lasts. */
    static final long SEGMENT_MARGIN_MICROS = 5_000_000;
    /** Every this many rounds (the first included), a round reads every segment row. */
    static final int FULL_SEGMENT_READ_EVERY = 60;
    private static final System.Logger LOG = System.getLogger(ClusterSync.class.getName());
    private static final String READ = "SELECT node, scope, arm, trials, successes, reward_sum, reward_square_sum, "
        + "(extract(epoch FROM updated_at) * 1000)::int8 FROM node_aggregates WHERE node <> $1";
    private static final String READ_SEGMENTS = "SELECT node, experiment, segment, level, variant, trials, successes, "
        + "reward_sum, reward_square_sum, (extract(epoch FROM updated_at) * 1000000)::int8 "
        + "FROM node_segment_aggregates WHERE node <> $1 AND updated_at > to_timestamp($2::float8 / 1e6)";

    private final Pool pool;
    private final String nodeId;
    private final Path seenFile;
    private final Path seenSegmentsFile;
    private final Map<String, Seen> seen = new HashMap<>();
    /** Guarded by {@link #seen}, as are the two fields below. */
    private final Map<SegmentKey, Seen> seenSegments = new HashMap<>();
    /** The newest {@code updated_at} (epoch microseconds) of the segment rows read so far. */
    private long segmentsChangedUntil;
    private long rounds;
    private volatile LongConsumer lagListener = millis -> { };

    public ClusterSync(Pool pool, String nodeId, long intervalMillis, Path dataDir) {
        super("cluster sync", "arbiter-cluster-sync", intervalMillis);
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.seenFile = dataDir.resolve(SEEN_FILE);
        this.seenSegmentsFile = dataDir.resolve(SEEN_SEGMENTS_FILE);
    }

    /**
     * Sets what counts as already applied, then syncs every interval. {@code tableRebuiltFrom}
     * ({@code segmentsRebuiltFrom}): the posteriors (the segment store) were just rebuilt from Postgres's aggregates,
     * and these are the other nodes' totals read in the same snapshot, taken as seen; null: not rebuilt, what this
     * node had seen when it last stopped cleanly is read back (nothing: everything of the other nodes is new to these
     * files). The first round reads every row, segments included.
     */
    public void start(List<Totals> tableRebuiltFrom, List<SegmentTotals> segmentsRebuiltFrom, Sink sink,
                      SegmentSink segmentSink) throws IOException {
        synchronized (seen) {
            if (tableRebuiltFrom != null) {
                for (final Totals row : tableRebuiltFrom) {
                    seen.put(key(row.node(), row.scope(), row.arm()), new Seen(row.trials(), row.successes(),
                        row.rewardSum(), row.rewardSquareSum()));
                }
            } else {
                readSeenFile();
            }
            if (segmentsRebuiltFrom != null) {
                for (final SegmentTotals row : segmentsRebuiltFrom) {
                    seenSegments.put(new SegmentKey(row.node(), row.experiment(), row.segment(), row.variant()),
                        new Seen(row.trials(), row.successes(), row.rewardSum(), row.rewardSquareSum()));
                }
            } else {
                readSeenSegmentsFile();
            }
            Files.deleteIfExists(seenFile); // from now on the table moves on; a crash must not reuse the file
            Files.deleteIfExists(seenSegmentsFile);
        }
        schedule(() -> round(sink, segmentSink));
    }

    /** One round: reads the other nodes' totals and applies what grew. Answers the number of rows applied. */
    int round(Sink sink, SegmentSink segmentSink) {
        final long patience = patienceMillis();
        int applied = 0;
        long oldestChange = Long.MAX_VALUE;
        try {
            final io.vertx.sqlclient.RowSet<Row> rows = pool.preparedQuery(READ).execute(Tuple.of(nodeId))
                .await(patience, TimeUnit.MILLISECONDS);
            final long since;
            synchronized (seen) {
                since = rounds++ % FULL_SEGMENT_READ_EVERY == 0 ? 0
                    : Math.max(0, segmentsChangedUntil - SEGMENT_MARGIN_MICROS);
            }
            final io.vertx.sqlclient.RowSet<Row> segmentRows = pool.preparedQuery(READ_SEGMENTS)
                .execute(Tuple.of(nodeId, since)).await(patience, TimeUnit.MILLISECONDS);
            synchronized (seen) {
                for (final Row row : rows) {
                    final String key = key(row.getString(0), row.getString(1), row.getString(2));
                    final Seen now = seenOf(row, 3);
                    final Seen before = seen.getOrDefault(key, Seen.NONE);
                    if (now.differs(before) && sink.add(row.getString(1), row.getString(2),
                        now.trials() - before.trials(), now.successes() - before.successes(),
                        now.rewardSum() - before.rewardSum(), now.rewardSquareSum() - before.rewardSquareSum())) {
                        seen.put(key, now);
                        applied++;
                        oldestChange = Math.min(oldestChange, row.getLong(7));
                    }
                }
                for (final Row row : segmentRows) {
                    final SegmentKey key = segmentKey(row);
                    final Seen now = seenOf(row, 5);
                    final Seen before = seenSegments.getOrDefault(key, Seen.NONE);
                    final long changedMicros = row.getLong(9);
                    segmentsChangedUntil = Math.max(segmentsChangedUntil, changedMicros);
                    if (now.differs(before) && segmentSink.add(key.experiment(), key.segment(), row.getLong(3),
                        key.variant(), now.trials() - before.trials(), now.successes() - before.successes(),
                        now.rewardSum() - before.rewardSum(), now.rewardSquareSum() - before.rewardSquareSum())) {
                        seenSegments.put(key, now);
                        applied++;
                        oldestChange = Math.min(oldestChange, changedMicros / 1000);
                    }
                }
            }
            // From the commit of the oldest change applied in this round to its application here.
            final long lag = succeeded(applied > 0 ? oldestChange : Long.MAX_VALUE);
            if (lag >= 0) {
                lagListener.accept(lag);
            }
        } catch (Exception e) {
            failed("read other nodes' totals", e);
        }
        return applied;
    }

    /** Told the lag of every round that applies anything (milliseconds, see {@link #lastLagMillis}). */
    public void onLag(LongConsumer listener) {
        lagListener = Objects.requireNonNull(listener, "listener");
    }

    public String nodeId() {
        return nodeId;
    }

    /** Stops syncing and writes what was seen, to be read back with the cleanly closed table. */
    @Override
    public void close() {
        stop();
        if (Thread.currentThread().isInterrupted()) {
            return; // interrupted while a round may still be under way: nothing written
        }
        try {
            writeSeenFile();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cluster sync: cannot write " + seenFile + ": " + e);
        }
    }

    private static String key(String node, String scope, String arm) {
        return node + '\u0000' + scope + '\u0000' + arm;
    }

    private static SegmentKey segmentKey(Row row) {
        return new SegmentKey(row.getString(0), row.getString(1), row.getLong(2), row.getString(4));
    }

    /** The four totals from {@code row}, starting at column {@code first}. */
    private static Seen seenOf(Row row, int first) {
        return new Seen(row.getLong(first), row.getLong(first + 1), row.getDouble(first + 2),
            row.getDouble(first + 3));
    }

    private void writeSeenFile() throws IOException {
        final StringBuilder text = new StringBuilder();
        synchronized (seen) {
            seen.forEach((key, s) -> text.append(key.replace('\u0000', '\t')).append('\t').append(s.trials())
                .append('\t').append(s.successes()).append('\t').append(Double.doubleToRawLongBits(s.rewardSum()))
                .append('\t').append(Double.doubleToRawLongBits(s.rewardSquareSum())).append('\n'));
        }
        DurableFiles.replace(seenFile, text.toString().getBytes(StandardCharsets.UTF_8));

        final StringBuilder segments = new StringBuilder();
        synchronized (seen) {
            seenSegments.forEach((key, s) -> segments.append(key.node()).append('\t').append(key.experiment())
                .append('\t').append(key.segment()).append('\t').append(key.variant()).append('\t')
                .append(s.trials()).append('\t').append(s.successes()).append('\t')
                .append(Double.doubleToRawLongBits(s.rewardSum())).append('\t')
                .append(Double.doubleToRawLongBits(s.rewardSquareSum())).append('\n'));
        }
        DurableFiles.replace(seenSegmentsFile, segments.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void readSeenSegmentsFile() throws IOException {
        if (!Files.exists(seenSegmentsFile)) {
            return;
        }
        for (final String line : Files.readAllLines(seenSegmentsFile)) {
            final String[] f = line.split("\t", -1);
            if (f.length == 8) {
                seenSegments.put(new SegmentKey(f[0], f[1], Long.parseLong(f[2]), f[3]), new Seen(
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Double.longBitsToDouble(Long.parseLong(f[6])),
                    Double.longBitsToDouble(Long.parseLong(f[7]))));
            }
        }
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
