package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.BoundedCandidate;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar server.jar evaluate --pg URL --experiment ID --policies FILE|JSON ...}: the evaluation of
 * {@code POST /v1/experiments/{id}/evaluations}, from a shell, against any Postgres holding the server's tables.
 * A progress line goes to standard error; the answer (a table, or the API's JSON) to standard output. Exit codes: 0
 * answered, 1 Postgres failed, 2 bad arguments or request, 3 nothing to evaluate (unknown experiment, empty window).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Off-policy evaluation of candidate policies from an experiment's decision log (IPS, SNIPS, "
        + "doubly robust, replay; 95%% bootstrap intervals). See docs/evaluation.md.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--pg", required = true, paramLabel = "URL",
        description = "the server's Postgres, postgres://user:password@host:port/database")
    private String pgUrl;

    @Option(names = "--experiment", required = true, paramLabel = "ID", description = "the experiment")
    private String experiment;

    @Option(names = "--policies", required = true, paramLabel = "FILE|JSON",
        description = "the candidates: a JSON array of policies, or a whole request object (policies, estimators, "
            + "from, to, seed), inline or in a file")
    private String policies;

    @Option(names = "--estimators", split = ",", paramLabel = "NAME",
        description = "ips, snips, dr, replay (default: ips,snips,dr)")
    private List<String> estimators;

    @Option(names = "--from", paramLabel = "INSTANT", description = "window start, ISO-8601 (default: the log's "
        + "start)")
    private String from;

    @Option(names = "--to", paramLabel = "INSTANT", description = "window end, exclusive (default: now)")
    private String to;

    @Option(names = "--seed", description = "seed of the bootstrap and the candidates' draws (default: random)")
    private Long seed;

    @Option(names = "--rows-per-second", defaultValue = "50000",
        description = "average read budget, 0 for none (default: ${DEFAULT-VALUE})")
    private double rowsPerSecond;

    @Option(names = "--page-rows", defaultValue = "5000", description = "rows per page (default: ${DEFAULT-VALUE})")
    private int pageRows;

    @Option(names = "--sample-rate", defaultValue = "1.0",
        description = "outcomes.decisionSampleRate the log was written with (default: ${DEFAULT-VALUE})")
    private double sampleRate;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
    private String format;

    private final PrintStream out;
    private final PrintStream err;

    public EvaluateCommand() {
        this(System.out, System.err);
    }

    /** A command writing to the given streams (for embedding and tests). */
    public EvaluateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (!"table".equals(format) && !"json".equals(format)) {
            err.println("--format must be table or json");
            return 2;
        }
        if (!(sampleRate > 0 && sampleRate <= 1) || !(rowsPerSecond >= 0) || pageRows < 100 || pageRows > 100_000) {
            err.println("--sample-rate must be in (0, 1], --rows-per-second at least 0, --page-rows in 100..100000");
            return 2;
        }
        final JsonObject body;
        try {
            body = body();
        } catch (IOException | DecodeException | IllegalArgumentException e) {
            err.println("--policies: " + e.getMessage());
            return 2;
        }
        final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            final PgConnectOptions connect;
            try {
                connect = PgConnectOptions.fromUri(pgUrl);
            } catch (RuntimeException e) {
                err.println("--pg: not a postgres:// URL: " + e.getMessage());
                return 2;
            }
            final Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(connect)
                .using(vertx).build();
            return evaluate(pool, body);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private JsonObject body() throws IOException {
        final String text = policies.trim().startsWith("[") || policies.trim().startsWith("{") ? policies
            : Files.readString(Path.of(policies));
        final Object parsed = text.trim().startsWith("[") ? new JsonArray(text) : new JsonObject(text);
        final JsonObject body = parsed instanceof JsonArray array ? new JsonObject().put("policies", array)
            : (JsonObject) parsed;
        if (estimators != null) {
            body.put("estimators", new JsonArray(new ArrayList<>(estimators)));
        }
        if (from != null) {
            body.put("from", from);
        }
        if (to != null) {
            body.put("to", to);
        }
        if (seed != null) {
            body.put("seed", seed);
        }
        return body;
    }

    private int evaluate(Pool pool, JsonObject body) throws Exception {
        final RowSet<Row> stored;
        try {
            stored = pool.preparedQuery("SELECT definition FROM experiments WHERE id = $1").execute(
                Tuple.of(experiment)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            err.println("could not read the experiment from Postgres: " + e.getCause().getMessage());
            return 1;
        }
        if (stored.size() == 0) {
            err.println("no experiment '" + experiment + "' in that database");
            return 3;
        }
        final JsonObject definition = toJson(stored.iterator().next().getValue(0));
        // The variants it once had: "retired" in the shared form, the arm map's keys in one stored before V42.
        final java.util.Set<String> retired = new TreeSet<>(definition.getJsonObject("arms",
            new JsonObject()).fieldNames());
        for (final Object r : definition.getJsonArray("retired", new io.vertx.core.json.JsonArray())) {
            retired.add(String.valueOf(r));
        }
        definition.remove("arms");
        definition.remove("retired");
        definition.remove("id");
        final EvaluationRequest request;
        final List<String> variants;
        try {
            final ExperimentSpec spec = ExperimentSpec.fromJson(experiment, definition, 10_000);
            variants = new ArrayList<>(spec.variants());
            for (final String v : retired) {
                if (!variants.contains(v)) {
                    variants.add(v);
                }
            }
            request = EvaluationRequest.parse(body, spec, variants, 10_000, Instant.now());
        } catch (ApiException e) {
            err.println("bad request" + (e.field() == null ? "" : " (" + e.field() + ")") + ": " + e.getMessage());
            return 2;
        }
        if (!EvaluationRun.anyDecision(pool, experiment, request.from(), request.to()).toCompletionStage()
            .toCompletableFuture().get(60, TimeUnit.SECONDS)) {
            err.println("experiment '" + experiment + "' has no logged decisions between " + request.from()
                + " and " + request.to());
            return 3;
        }
        final long runSeed = request.seed() != null ? request.seed() : new SecureRandom().nextLong();
        final JsonObject result;
        try {
            result = EvaluationRun.run(pool, experiment, variants, request,
                new EvaluationRun.Settings(rowsPerSecond, pageRows, sampleRate, 4000,
                    BoundedCandidate.DEFAULT_REFRESH_MILLIS), runSeed,
                (rows, time) -> err.print("\rread " + rows + " decisions, up to " + time + "   "), () -> false);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            err.println();
            err.println("evaluation failed: " + e.getMessage());
            return 1;
        }
        err.println();
        out.println("json".equals(format) ? result.encodePrettily() : table(result));
        return 0;
    }

    private static JsonObject toJson(Object value) {
        return value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value));
    }

    /** The answer as a table: one line per policy and estimator, then the warnings. */
    static String table(JsonObject result) {
        final StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "experiment %s, %s .. %s: %d decisions read, %d used, mean logged "
                + "reward %.4f, %d rewards without a decision row; seed %d%n%n", result.getString("experiment"),
            result.getString("from"), result.getString("to"), result.getLong("rowsRead"), result.getLong("rowsUsed"),
            number(result.getValue("meanLoggedReward")), result.getLong("missingDecisions"), result.getLong("seed")));
        s.append(String.format(Locale.ROOT, "%-24s %-9s %9s  %-21s %9s%n", "policy", "estimator", "value",
            "95% interval", "ESS"));
        final List<String> warnings = new ArrayList<>();
        for (final Object raw : result.getJsonArray("policies")) {
            final JsonObject p = (JsonObject) raw;
            final JsonObject estimates = p.getJsonObject("estimates");
            for (final String name : estimates.fieldNames()) {
                final JsonObject e = estimates.getJsonObject(name);
                final JsonArray ci = e.getJsonArray("confidenceInterval95");
                s.append(String.format(Locale.ROOT, "%-24s %-9s %9.4f  [%8.4f, %8.4f] %9.0f%n", p.getString("name"),
                    name, number(e.getValue("value")), number(ci.getValue(0)), number(ci.getValue(1)),
                    number(p.getValue("effectiveSampleSize"))));
            }
            for (final Object w : p.getJsonArray("warnings", new JsonArray())) {
                warnings.add(p.getString("name") + ": " + ((JsonObject) w).getString("message"));
            }
        }
        for (final Object w : result.getJsonArray("warnings", new JsonArray())) {
            warnings.add(((JsonObject) w).getString("message"));
        }
        if (!warnings.isEmpty()) {
            s.append(System.lineSeparator()).append("warnings:").append(System.lineSeparator());
            warnings.forEach(w -> s.append("  ").append(w).append(System.lineSeparator()));
        }
        return s.toString();
    }

    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
