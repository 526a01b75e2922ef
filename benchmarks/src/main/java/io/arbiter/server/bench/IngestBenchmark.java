package io.arbiter.server.bench;

import io.arbiter.server.bid.NoticeRules;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.outcome.OutcomeConfig;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.ShippingWrites;
import io.arbiter.server.pg.Database;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * How many rows per second one Postgres ingests through the server's own write path: N writers (as N nodes' shippers
 * would) each ship full batches back to back, one batch at a time, through {@code ShippingWrites} (the server's
 * {@code PostgresWriter}: the decision transaction with its batch id and decision counts at asynchronous commit, then
 * the outcome transaction with the rewards and their aggregate folds at synchronous commit), each on a one-thread
 * Vert.x instance and a pool of two connections of its own, like the server's shipping pool, with its own
 * {@code arbiter.node}. Postgres is the server's embedded one (a fresh cluster in a temporary folder, started and
 * migrated by {@code pg.Database} as the server does), or {@code --pg URL}.
 *
 * <p>Per run: the outcome tables emptied (embedded, or {@code --truncate}) and a checkpoint, a warm-up, then a
 * measured window in which it counts the rows stored and reads the CPU time of Postgres's processes ({@code /proc}, the
 * postmaster and its descendants, as {@code DecisionLogCost} does), of this JVM, and of the whole machine, the WAL and
 * checkpoint counters ({@code pg_stat_wal}, {@code pg_stat_bgwriter}) and, every 100 ms, what the writers' backends
 * are doing ({@code pg_stat_activity}: on the CPU, waiting on a lock or the WAL, or waiting for the writer). Runs are
 * interleaved in rounds (every configuration once per round); the summary gives each configuration's median.
 *
 * <p>Mixes: {@code decisions} (decision rows only), {@code shipped} (plus one reward per {@code --reward-every}
 * decisions, default 10, each for a decision of the writer's previous batch, folded into the aggregates),
 * {@code context} (as {@code shipped}, the decisions carrying a three-attribute context and the rewards three
 * segments).
 * Not a test and not a timing assertion: run by hand, see docs/BENCHMARKS.md (series AL) for the command.
 */
public final class IngestBenchmark {

    /** Synthetic traffic: what one batch carries. */
    enum Mix {
        DECISIONS, SHIPPED, CONTEXT;

        static Mix parse(String text) {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The command line. */
    record Options(String pgUrl, boolean truncate, List<Mix> mixes, List<Integer> writers, List<Integer> batches,
                   int seconds, int warmupSeconds, int runs, int rewardEvery, long seed) {

        static final String USAGE = "usage: IngestBenchmark [--pg URL] [--truncate] [--mix decisions|shipped|context"
                + "[,...]] [--writers 1[,2,4]] [--batch 2000[,10000]] [--seconds 20] [--warmup 5] [--runs 3]"
                + " [--reward-every 10] [--seed N]";

        static Options parse(String... args) {
            String pgUrl = null;
            boolean truncate = false;
            List<Mix> mixes = List.of(Mix.SHIPPED);
            List<Integer> writers = List.of(1);
            List<Integer> batches = List.of(2000);
            int seconds = 20;
            int warmup = 5;
            int runs = 3;
            int rewardEvery = 10;
            long seed = System.nanoTime();
            for (int i = 0; i < args.length; i++) {
                final String name = args[i];
                if ("--truncate".equals(name)) {
                    truncate = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                final String value = args[++i];
                switch (name) {
                    case "--pg" -> pgUrl = value;
                    case "--mix" -> mixes = Arrays.stream(value.split(",")).map(Mix::parse).toList();
                    case "--writers" -> writers = positives(name, value, 64);
                    case "--batch" -> batches = positives(name, value, 50_000);
                    case "--seconds" -> seconds = positives(name, value, 3600).get(0);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--runs" -> runs = positives(name, value, 100).get(0);
                    case "--reward-every" -> rewardEvery = positives(name, value, 1_000_000).get(0);
                    case "--seed" -> seed = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be 0 or more");
            }
            return new Options(pgUrl, truncate || pgUrl == null, mixes, writers, batches, seconds, warmup, runs,
                    rewardEvery, seed);
        }

        private static List<Integer> positives(String name, String value, int max) {
            final List<Integer> list = new ArrayList<>();
            for (final String part : value.split(",")) {
                final int n = Integer.parseInt(part.trim());
                if (n < 1 || n > max) {
                    throw new IllegalArgumentException(name + " must be 1.." + max + ": " + n);
                }
                list.add(n);
            }
            return List.copyOf(list);
        }
    }

    /**
     * One measured run: the counters are the window's, except {@code failures} (transactions that failed and were
     * retried, by cause, warm-up included) and the bytes per row (the tables' whole size after the window over their
     * rows).
     */
    record Run(Mix mix, int writers, int batch, int round, double seconds, long decisions, long rewards,
               long duplicates, long batches, double pgCpuSeconds, double jvmCpuSeconds, double machineBusy,
               double machineIowait, double loadAverage, Map<String, Double> wal, Map<String, Integer> waits,
               int waitSamples, Map<String, Long> failures, double decisionRowBytes, double rewardRowBytes) {

        long failed() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }

        long rows() {
            return decisions + rewards;
        }

        double rowsPerSecond() {
            return rows() / seconds;
        }

        double pgCpuMillisPer1000() {
            return pgCpuSeconds < 0 || rows() == 0 ? Double.NaN : pgCpuSeconds * 1e6 / rows();
        }
    }

    private static final String[] EXPERIMENTS = {"hero", "checkout", "banner", "search"};
    private static final String[] VARIANTS = {"v0", "v1", "v2", "v3"};
    private static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    private static final String[] COUNTRIES = {"DE", "FR", "GB", "US", "ES", "IT", "NL", "PL", "SE", "BR", "JP",
        "IN", "CA", "AU", "MX", "AT", "CH", "BE", "DK", "NO"};
    private static final String[] VISITORS = {"new", "returning"};
    private static final String WRITER_NAME = "arbiter-ingest-";
    private static final long USER_HZ = 100;
    private static final long TIMEOUT_SECONDS = 120;
    private static final long WAIT_SAMPLE_MILLIS = 100;
    private static final String DECISION_BYTES = "SELECT (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)"
            + "::int8 FROM pg_inherits WHERE inhparent = 'decisions'::regclass), (SELECT count(*) FROM decisions)";
    private static final String REWARD_BYTES = "SELECT pg_total_relation_size('rewards'), "
            + "(SELECT count(*) FROM rewards)";
    /** The shipper's back-off after a failed transaction (the server's defaults). */
    private static final OutcomeConfig RETRY = OutcomeConfig.defaults();

    private IngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        run(options, System.out);
    }

    /** Runs every configuration {@code options.runs()} times, interleaved; prints each run and the medians. */
    static List<Run> run(Options options, PrintStream out) throws Exception {
        final Vertx vertx = Vertx.vertx();
        final Path dataDir = Files.createTempDirectory("arbiter-ingest");
        final JsonObject file = new JsonObject().put("dataDir", dataDir.toString());
        if (options.pgUrl() != null) {
            file.put("postgres", new JsonObject().put("url", options.pgUrl()));
        }
        Database database = null;
        try {
            database = Database.open(vertx, ServerConfig.of(file, Map.of()), "").await(TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
            final Pool admin = database.pool();
            final long postmaster = postmaster(admin);
            if (database.embedded() != null) {
                // So pg_stat_wal times its writes and syncs (off by default); the server never sets it.
                await(admin.query("ALTER SYSTEM SET track_wal_io_timing = on").execute());
                await(admin.query("SELECT pg_reload_conf()").execute());
            }
            describe(out, options, database, admin, postmaster);
            final List<Run> runs = new ArrayList<>();
            for (int round = 1; round <= options.runs(); round++) {
                for (final Mix mix : options.mixes()) {
                    for (final int writers : options.writers()) {
                        for (final int batch : options.batches()) {
                            final Run run = runOnce(options, database, admin, postmaster, mix, writers, batch, round);
                            out.println(line(run));
                            runs.add(run);
                        }
                    }
                }
            }
            summary(out, options, runs);
            return runs;
        } finally {
            if (database != null) {
                database.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            vertx.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            deleteRecursively(dataDir);
        }
    }

    private static Run runOnce(Options options, Database database, Pool admin, long postmaster, Mix mix, int writers,
                               int batch, int round) throws Exception {
        if (options.truncate()) {
            await(admin.query("TRUNCATE decisions, decision_batches, rewards, arm_aggregates, node_aggregates, "
                    + "segment_aggregates, node_segment_aggregates").execute());
        }
        try {
            await(admin.query("CHECKPOINT").execute()); // every run starts with no dirty pages of the last one
        } catch (Exception e) {
            // not a superuser on an external Postgres: the runs then share checkpoints
        }
        final List<Writer> started = new ArrayList<>();
        try {
            for (int i = 0; i < writers; i++) {
                final Writer writer = new Writer(database.connectOptions(), i, mix, batch, options.rewardEvery(),
                        options.seed() + 1_000_003L * round + 31L * i + 7L * batch + mix.ordinal());
                started.add(writer);
                writer.start();
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.warmupSeconds()));
            for (final Writer writer : started) {
                writer.failIfFailed();
            }
            final Snapshot before = Snapshot.take(started, admin, postmaster);
            final Map<String, Integer> waits = new TreeMap<>();
            final long end = before.nanos + TimeUnit.SECONDS.toNanos(options.seconds());
            int samples = 0;
            while (System.nanoTime() < end) {
                samples += sampleWaits(admin, waits);
                Thread.sleep(WAIT_SAMPLE_MILLIS);
            }
            final Snapshot after = Snapshot.take(started, admin, postmaster);
            final Map<String, Long> failures = new TreeMap<>();
            for (final Writer writer : started) {
                writer.failIfFailed();
                writer.failures.forEach((cause, n) -> failures.merge(cause, n, Long::sum));
            }
            final Map<String, Double> wal = new LinkedHashMap<>();
            after.counters.forEach((name, value) -> {
                final Double old = before.counters.get(name);
                if (old != null) {
                    wal.put(name, value - old);
                }
            });
            final long[] cpuBefore = before.machine;
            final long[] cpuAfter = after.machine;
            final double total = cpuAfter[0] - cpuBefore[0];
            return new Run(mix, writers, batch, round, (after.nanos - before.nanos) / 1e9,
                    after.decisions - before.decisions, after.rewards - before.rewards,
                    after.duplicates - before.duplicates, after.batches - before.batches,
                    postmaster < 0 ? -1 : (after.pgTicks - before.pgTicks) / (double) USER_HZ,
                    (after.jvmNanos - before.jvmNanos) / 1e9,
                    total <= 0 ? Double.NaN : (cpuAfter[1] - cpuBefore[1]) / total,
                    total <= 0 ? Double.NaN : (cpuAfter[2] - cpuBefore[2]) / total,
                    (before.load + after.load) / 2, wal, waits, samples, failures, bytesPerRow(admin, DECISION_BYTES),
                    bytesPerRow(admin, REWARD_BYTES));
        } finally {
            for (final Writer writer : started) {
                writer.stop();
            }
        }
    }

    /** Disk per row, the table's and its indexes' (every partition's, for the decision log), after the window. */
    private static double bytesPerRow(Pool admin, String sql) throws Exception {
        final Row row = await(admin.query(sql).execute()).iterator().next();
        final long rows = row.getLong(1);
        return rows == 0 ? Double.NaN : row.getLong(0) / (double) rows;
    }

    /** One writer's backends, sampled: what each is doing, as one label per backend. */
    private static int sampleWaits(Pool admin, Map<String, Integer> waits) throws Exception {
        int n = 0;
        for (final Row row : await(admin.query("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                + "WHERE application_name LIKE '" + WRITER_NAME + "%'").execute())) {
            final String state = row.getString(0);
            final String type = row.getString(1);
            final String label;
            if ("active".equals(state)) {
                label = type == null ? "cpu" : type + ":" + row.getString(2);
            } else if ("idle in transaction".equals(state)) {
                label = "writer (in transaction)";
            } else {
                label = "writer (idle)";
            }
            waits.merge(label, 1, Integer::sum);
            n++;
        }
        return n;
    }

    /** Counters read at the start and the end of the measured window. */
    private record Snapshot(long nanos, long decisions, long rewards, long duplicates, long batches, long pgTicks,
                            long jvmNanos, long[] machine, double load, Map<String, Double> counters) {

        static Snapshot take(List<Writer> writers, Pool admin, long postmaster) throws Exception {
            final Map<String, Double> counters = new LinkedHashMap<>();
            try {
                final Row wal = await(admin.query("SELECT wal_records, wal_fpi, wal_bytes, wal_buffers_full, "
                        + "wal_write, wal_sync, wal_write_time, wal_sync_time FROM pg_stat_wal").execute())
                        .iterator().next();
                for (int i = 0; i < wal.size(); i++) {
                    counters.put(wal.getColumnName(i), wal.getValue(i) == null ? 0
                            : Double.parseDouble(wal.getValue(i).toString()));
                }
            } catch (Exception e) {
                // before Postgres 14: no pg_stat_wal
            }
            try {
                final Row bgwriter = await(admin.query("SELECT checkpoints_timed, checkpoints_req, "
                        + "buffers_checkpoint, buffers_clean, buffers_backend, buffers_backend_fsync "
                        + "FROM pg_stat_bgwriter").execute()).iterator().next();
                for (int i = 0; i < bgwriter.size(); i++) {
                    counters.put(bgwriter.getColumnName(i), Double.parseDouble(bgwriter.getValue(i).toString()));
                }
            } catch (Exception e) {
                // Postgres 17 moved the checkpoint counters to pg_stat_checkpointer
            }
            long decisions = 0;
            long rewards = 0;
            long duplicates = 0;
            long batches = 0;
            for (final Writer writer : writers) {
                batches += writer.batches.get();
                decisions += writer.decisions.get();
                rewards += writer.rewards.get();
                duplicates += writer.duplicates.get();
            }
            return new Snapshot(System.nanoTime(), decisions, rewards, duplicates, batches,
                    postmaster < 0 ? 0 : cpuTicks(postmaster), jvmCpuNanos(), machineTicks(), loadAverage(),
                    counters);
        }
    }

    /**
     * One node's shipper: full batches back to back, one at a time, the decision transaction then the outcome
     * transaction, each awaited from this thread as the shipper's thread does.
     */
    private static final class Writer {
        private final Vertx loop;
        private final Pool pool;
        private final Context context;
        private final ShippingWrites writes;
        private final Traffic traffic;
        private final Thread thread;
        private final AtomicLong batches = new AtomicLong();
        private final AtomicLong decisions = new AtomicLong();
        private final AtomicLong rewards = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        /** Failed transactions by cause (retried): deadlocks between writers show here. */
        private final Map<String, Long> failures = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile boolean stopping;
        private volatile Throwable failure;

        Writer(PgConnectOptions connect, int index, Mix mix, int batch, int rewardEvery, long seed) {
            loop = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                    .setInternalBlockingPoolSize(1));
            connect.addProperty("arbiter.node", "ingest-" + index);
            connect.addProperty("application_name", WRITER_NAME + index);
            pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(connect).using(loop).build();
            context = loop.getOrCreateContext();
            writes = new ShippingWrites(pool, NoticeRules.aggregation());
            traffic = new Traffic(mix, batch, rewardEvery, new SplittableRandom(seed));
            thread = new Thread(this::loop, WRITER_NAME + index);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            try {
                while (!stopping) {
                    traffic.next(System.currentTimeMillis());
                    final List<OutcomeEvent> decided = traffic.decisions;
                    final List<OutcomeEvent> outcomes = traffic.rewards;
                    final ShippingWrites.Counts counts = writes.countDecisions(decided);
                    final UUID id = UUID.randomUUID();
                    // As the shipper: a failed transaction is retried as is after a back-off; a committed decision
                    // transaction is not run again when only the outcome transaction failed.
                    final int inserted = retrying(() -> writes.shipDecisions(id, decided, counts));
                    final ShippingWrites.Stored stored = retrying(() -> writes.shipOutcomes(outcomes));
                    decisions.addAndGet(inserted + stored.decisionsInserted());
                    rewards.addAndGet(stored.outcomesInserted());
                    duplicates.addAndGet(stored.outcomesDuplicate());
                    batches.incrementAndGet();
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        private <T> T retrying(Supplier<Future<T>> write) throws Exception {
            long backoff = RETRY.retryInitial().toNanos();
            while (true) {
                try {
                    return onContext(write);
                } catch (Exception e) {
                    if (stopping) {
                        throw e;
                    }
                    final String cause = e instanceof PgException pg && pg.getSqlState() != null
                            ? pg.getSqlState() + " " + pg.getErrorMessage() : e.getClass().getSimpleName();
                    if (failures.merge(cause, 1L, Long::sum) == 1L) {
                        System.err.println("# " + thread.getName() + ": first '" + cause + "', retried as the shipper"
                                + " does: " + (e instanceof PgException pg ? pg.getDetail() + " / " + pg.getWhere()
                                : e.toString()));
                    }
                    LockSupport.parkNanos(backoff);
                    backoff = Math.min(backoff * 2, RETRY.retryMax().toNanos());
                }
            }
        }

        private <T> T onContext(Supplier<Future<T>> write) throws Exception {
            final Promise<T> promise = Promise.promise();
            context.runOnContext(v -> write.get().onComplete(promise));
            return promise.future().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        void failIfFailed() {
            if (failure != null) {
                throw new IllegalStateException("writer " + thread.getName() + " failed", failure);
            }
        }

        void stop() throws Exception {
            stopping = true;
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            pool.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            loop.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * Synthetic rows shaped like the server's: decision ids of about 90 characters as {@code DecisionTokens} makes
     * them ({@code <version>.<experiment>.<variant>.<issue time, base 36>.<nonce>.<signature>}), four experiments of
     * four variants, a unit per decision; a reward for every {@code rewardEvery}-th decision of the previous batch
     * (primary metric, so the experiment's arm aggregate, and this node's, are folded), reward 1 for about a third.
     */
    private static final class Traffic {
        private final Mix mix;
        private final int batch;
        private final int rewardEvery;
        private final SplittableRandom random;
        private final byte[] signature = new byte[32];
        private final Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        private List<OutcomeEvent> decisions = List.of();
        private List<OutcomeEvent> rewards = List.of();
        private int[] devices = new int[0];
        private int[] countries = new int[0];

        Traffic(Mix mix, int batch, int rewardEvery, SplittableRandom random) {
            this.mix = mix;
            this.batch = batch;
            this.rewardEvery = rewardEvery;
            this.random = random;
        }

        /** The next batch: rewards for the previous batch's decisions, then new decisions. */
        void next(long now) {
            final List<OutcomeEvent> nextRewards = new ArrayList<>();
            if (mix != Mix.DECISIONS) {
                for (int i = 0; i < decisions.size(); i += rewardEvery) {
                    final OutcomeEvent decision = decisions.get(i);
                    final String segments = mix == Mix.CONTEXT ? segments(devices[i], countries[i]) : "";
                    nextRewards.add(new OutcomeEvent(OutcomeKind.REWARD, now, decision.id(), decision.scope(),
                            decision.arm(), "", random.nextInt(3) == 0 ? 1.0 : 0.0, 0, decision.flags(), segments));
                }
            }
            final List<OutcomeEvent> nextDecisions = new ArrayList<>(batch);
            final int[] nextDevices = new int[batch];
            final int[] nextCountries = new int[batch];
            final String time = Long.toString(now, 36);
            for (int i = 0; i < batch; i++) {
                final String experiment = EXPERIMENTS[random.nextInt(EXPERIMENTS.length)];
                final String variant = VARIANTS[random.nextInt(VARIANTS.length)];
                random.nextBytes(signature);
                final String id = "1." + experiment + "." + variant + "." + time + "."
                        + Long.toHexString(random.nextLong()) + "." + base64.encodeToString(signature);
                String context = "";
                if (mix == Mix.CONTEXT) {
                    nextDevices[i] = random.nextInt(DEVICES.length);
                    nextCountries[i] = random.nextInt(COUNTRIES.length);
                    context = "{\"device\":\"" + DEVICES[nextDevices[i]] + "\",\"country\":\""
                            + COUNTRIES[nextCountries[i]] + "\",\"visitor\":\""
                            + VISITORS[random.nextInt(VISITORS.length)] + "\"}";
                }
                nextDecisions.add(new OutcomeEvent(OutcomeKind.DECISION, now, id, experiment, variant,
                        "user-" + random.nextInt(1_000_000), 1.0 / VARIANTS.length, 0, 0, context));
            }
            decisions = nextDecisions;
            rewards = nextRewards;
            devices = nextDevices;
            countries = nextCountries;
        }

        /** Device, country and device x country, as the server's {@code segmentKey:levelKey} pairs. */
        private static String segments(int device, int country) {
            return key(1, device) + ":" + level(1, device) + " " + key(2, country) + ":" + level(2, country) + " "
                    + key(3, device * COUNTRIES.length + country) + ":" + level(3, device * COUNTRIES.length
                    + country);
        }

        private static long key(int dimension, int level) {
            return mix(dimension * 1_000_003L + level);
        }

        private static long level(int dimension, int level) {
            return mix(~(dimension * 1_000_003L + level));
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }

    private static void describe(PrintStream out, Options options, Database database, Pool admin, long postmaster)
            throws Exception {
        final StringBuilder settings = new StringBuilder();
        for (final Row row : await(admin.query("SELECT name, setting, coalesce(unit, '') FROM pg_settings WHERE name "
                + "IN ('server_version', 'fsync', 'synchronous_commit', 'wal_level', 'shared_buffers', "
                + "'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'full_page_writes', "
                + "'track_wal_io_timing') ORDER BY name").execute())) {
            settings.append(' ').append(row.getString(0)).append('=').append(row.getString(1))
                    .append(row.getString(2));
        }
        out.printf(Locale.ROOT, "# %s; %d CPUs, %s%n", database.description(),
                Runtime.getRuntime().availableProcessors(), cpuModel());
        out.println("#" + settings);
        out.printf(Locale.ROOT, "# mixes=%s writers=%s batch=%s seconds=%d warmup=%d runs=%d reward-every=%d "
                        + "seed=%d truncate=%s postgres-cpu=%s%n", options.mixes(), options.writers(),
                options.batches(), options.seconds(), options.warmupSeconds(), options.runs(), options.rewardEvery(),
                options.seed(), options.truncate(), postmaster < 0 ? "not readable here" : "postmaster " + postmaster);
    }

    private static String line(Run run) {
        final StringBuilder waits = new StringBuilder();
        topWaits(run.waits(), run.waitSamples(), 4, waits);
        return String.format(Locale.ROOT, "run round=%d mix=%s writers=%d batch=%d seconds=%.1f rows=%d decisions=%d "
                        + "rewards=%d duplicates=%d batches=%d rows_per_s=%.0f pg_cpu_s=%.2f pg_cpu_ms_per_1000=%.2f "
                        + "jvm_cpu_s=%.2f machine_busy=%.0f%% iowait=%.0f%% load=%.1f wal_mb_per_s=%.1f "
                        + "wal_syncs_per_s=%.0f wal_sync_ms=%.0f wal_write_ms=%.0f wal_fpi=%.0f checkpoints=%.0f "
                        + "buffers_backend=%.0f waits=[%s] retried=%s bytes_per_decision_row=%.0f "
                        + "bytes_per_reward_row=%.0f",
                run.round(), run.mix().label(), run.writers(), run.batch(), run.seconds(), run.rows(), run.decisions(),
                run.rewards(), run.duplicates(), run.batches(), run.rowsPerSecond(), run.pgCpuSeconds(),
                run.pgCpuMillisPer1000(), run.jvmCpuSeconds(), run.machineBusy() * 100, run.machineIowait() * 100,
                run.loadAverage(), run.wal().getOrDefault("wal_bytes", Double.NaN) / 1e6 / run.seconds(),
                run.wal().getOrDefault("wal_sync", Double.NaN) / run.seconds(),
                run.wal().getOrDefault("wal_sync_time", Double.NaN),
                run.wal().getOrDefault("wal_write_time", Double.NaN), run.wal().getOrDefault("wal_fpi", Double.NaN),
                run.wal().getOrDefault("checkpoints_timed", 0.0) + run.wal().getOrDefault("checkpoints_req", 0.0),
                run.wal().getOrDefault("buffers_backend", Double.NaN), waits, run.failures(), run.decisionRowBytes(),
                run.rewardRowBytes());
    }

    private static void topWaits(Map<String, Integer> waits, int samples, int top, StringBuilder out) {
        waits.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top).forEach(e -> {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(e.getKey()).append(' ').append(Math.round(100.0 * e.getValue() / Math.max(1, samples)))
                    .append('%');
        });
    }

    /** One Markdown row per configuration: medians over its runs, with the range of rows per second. */
    private static void summary(PrintStream out, Options options, List<Run> runs) {
        out.println();
        out.println("| mix | writers | batch | runs | rows/s median (min – max) | decisions/s "
                + "| Postgres CPU ms / 1,000 rows | Postgres cores | writer JVM cores | machine busy | iowait "
                + "| WAL MB/s | WAL syncs/s "
                + "| backends' time (samples) | transactions retried |");
        out.println("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
                + "| ---: |");
        for (final Mix mix : options.mixes()) {
            for (final int writers : options.writers()) {
                for (final int batch : options.batches()) {
                    final List<Run> cell = runs.stream()
                            .filter(r -> r.mix() == mix && r.writers() == writers && r.batch() == batch).toList();
                    if (cell.isEmpty()) {
                        continue;
                    }
                    final Map<String, Integer> waits = new TreeMap<>();
                    int samples = 0;
                    for (final Run run : cell) {
                        run.waits().forEach((k, v) -> waits.merge(k, v, Integer::sum));
                        samples += run.waitSamples();
                    }
                    final StringBuilder waitText = new StringBuilder();
                    topWaits(waits, samples, 3, waitText);
                    out.printf(Locale.ROOT, "| %s | %d | %,d | %d | %,.0f (%,.0f – %,.0f) | %,.0f | %.2f | %.2f | %.2f "
                                    + "| %.0f %% | %.0f %% | %.1f | %.0f | %s | %d |%n", mix.label(), writers, batch,
                            cell.size(), median(cell, Run::rowsPerSecond),
                            cell.stream().mapToDouble(Run::rowsPerSecond).min().orElse(0),
                            cell.stream().mapToDouble(Run::rowsPerSecond).max().orElse(0),
                            median(cell, r -> r.decisions() / r.seconds()), median(cell, Run::pgCpuMillisPer1000),
                            median(cell, r -> r.pgCpuSeconds() / r.seconds()),
                            median(cell, r -> r.jvmCpuSeconds() / r.seconds()),
                            median(cell, r -> r.machineBusy() * 100), median(cell, r -> r.machineIowait() * 100),
                            median(cell, r -> r.wal().getOrDefault("wal_bytes", Double.NaN) / 1e6 / r.seconds()),
                            median(cell, r -> r.wal().getOrDefault("wal_sync", Double.NaN) / r.seconds()),
                            waitText, cell.stream().mapToLong(Run::failed).sum());
                }
            }
        }
    }

    static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        final double[] values = runs.stream().mapToDouble(value).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        final int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /** The postmaster: the parent of this session's backend, when its process is visible here; otherwise -1. */
    private static long postmaster(Pool admin) throws Exception {
        final long backend = await(admin.query("SELECT pg_backend_pid()").execute()).iterator().next().getInteger(0);
        return ProcessHandle.of(backend).flatMap(ProcessHandle::parent)
                .filter(p -> Files.isReadable(Path.of("/proc", Long.toString(p.pid()), "stat")))
                .map(ProcessHandle::pid).orElse(-1L);
    }

    /** utime + stime of the postmaster and its live descendants, plus its exited children's, in clock ticks. */
    private static long cpuTicks(long postmaster) {
        long total = 0;
        final ProcessHandle root = ProcessHandle.of(postmaster).orElse(null);
        if (root == null) {
            return 0;
        }
        for (final ProcessHandle process : (Iterable<ProcessHandle>) () -> Stream.concat(Stream.of(root),
                root.descendants()).iterator()) {
            try {
                final String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
                final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
                if (process.pid() == postmaster) {
                    // cutime, cstime (16, 17): children that exited (autovacuum workers) and were waited for
                    total += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
                }
            } catch (IOException e) {
                // exited between listing and reading: its time shows in the postmaster's cutime next time
            }
        }
        return total;
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The machine's CPU ticks from {@code /proc/stat}: total, busy (not idle, not iowait), iowait. */
    private static long[] machineTicks() {
        try {
            final String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            final long idle = Long.parseLong(f[4]);
            final long iowait = Long.parseLong(f[5]);
            return new long[] {total, total - idle - iowait, iowait};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0, 0};
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("CPU model unknown");
        } catch (IOException e) {
            return "CPU model unknown";
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (final Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
