package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.BanditCandidate;
import io.arbiter.bandits.eval.BoundedCandidate;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.Candidates;
import io.arbiter.bandits.eval.EvaluationConfig;
import io.arbiter.bandits.eval.EvaluationResult;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.eval.OffPolicyEvaluation;
import io.arbiter.server.outcome.OutcomePipeline;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.server.personalisation.experiment.ContextDefinition;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.guard.GuardSpec;
import io.arbiter.server.token.DecisionFlags;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * One evaluation over one experiment's decision log, run on the calling thread (a worker, never an event loop).
 *
 * <p>It reads {@code decisions LEFT JOIN rewards} of the window in time order by keyset pagination on
 * {@code (time, id)} (index {@code decisions_experiment_time}): pages of {@code pageRows}, the next page requested
 * while the current one is evaluated, so memory holds at most two pages whatever the window's length, and no
 * transaction stays open between pages. Before each page request it sleeps as long as needed to keep the average at
 * most {@code rowsPerSecond} (0: no limit). Then it reads the rewards of the window whose decision row is missing
 * and whose decision id falls in the logged sample, for the evaluation's missing-decision treatment.
 *
 * <p>Each row is weighted {@code 1 / decisionSampleRate} (the rate in force now, taken to hold over the window).
 * Rows whose variant the experiment never had are counted and skipped; holdout rows are skipped and counted by the
 * evaluation. Only primary rewards ({@code rewards.metric = ''}) are read, never a guardrail metric's. The context
 * key (DR's per-context reward model, the support check) is a hash of the row's context.
 */
public final class EvaluationRun {
    private static final long QUERY_TIMEOUT_SECONDS = 120;
    private static final String PAGE = "SELECT d.id, array_position($6::text[], d.variant), d.propensity, "
        + "(extract(epoch FROM d.time) * 1000000)::bigint, r.reward, d.flags, d.context::text "
        + "FROM decisions d LEFT JOIN rewards r ON r.decision_id = d.id AND r.metric = '' "
        + "WHERE d.experiment = $1 AND (d.time, d.id) > ($2, $3) AND d.time < $4 "
        + "ORDER BY d.time, d.id LIMIT $5";
    private static final String MISSING = "SELECT r.decision_id, r.reward, "
        + "(extract(epoch FROM r.time) * 1000000)::bigint FROM rewards r "
        + "WHERE r.experiment = $1 AND r.metric = '' AND (r.time, r.decision_id) > ($2, $3) AND r.time < $4 "
        + "AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.experiment = r.experiment "
        + "AND d.time = arbiter_decision_time(r.decision_id) AND d.id = r.decision_id) "
        + "ORDER BY r.time, r.decision_id LIMIT $5";
    private static final String ANY = "SELECT 1 FROM decisions WHERE experiment = $1 AND time >= $2 AND time < $3 "
        + "LIMIT 1";

    /**
     * How a run reads.
     *
     * @param rowsPerSecond      average read budget; 0 for none
     * @param pageRows           rows per page
     * @param decisionSampleRate the share of decisions logged
     * @param propensityDraws    Monte-Carlo draws of a bounded {@code thompson} candidate's choice probabilities
     *                           (serving's {@code decisions.propensityDraws})
     * @param propensityRefreshMillis log time between two such estimates for one context (serving's
     *                           {@code decisions.propensityRefresh})
     */
    public record Settings(double rowsPerSecond, int pageRows, double decisionSampleRate, int propensityDraws,
                           long propensityRefreshMillis) {
    }

    /** Progress, published after every page (from the run's thread). */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param rowsRead decision rows read so far
         * @param lastTime decision time of the last row read
         */
        void update(long rowsRead, Instant lastTime);
    }

    private EvaluationRun() {
    }

    /** Whether the window holds any logged decision of the experiment (async; any thread). */
    public static Future<Boolean> anyDecision(SqlClient db, String experiment, Instant from, Instant to) {
        return db.preparedQuery(ANY).execute(Tuple.of(experiment, utc(from), utc(to)))
            .map(rows -> rows.size() > 0);
    }

    /**
     * Runs the evaluation and returns the answer's JSON.
     *
     * @param variants  every variant the log may carry; each one's index is its action
     * @param seed      seed of the bootstrap and of the candidates' draws
     * @param cancelled polled between pages; a cancelled run throws {@link InterruptedException}
     * @throws ExecutionException when Postgres fails a query (the message says which)
     */
    public static JsonObject run(SqlClient db, String experiment, List<String> variants, EvaluationRequest request,
                                 Settings settings, long seed, Progress progress, BooleanSupplier cancelled)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("an evaluation blocks: never run it on an event loop");
        }
        final long started = System.nanoTime();
        final int k = variants.size();
        final long fromMillis = request.from().toEpochMilli();
        final List<ContextualCandidate> contextual = new ArrayList<>();
        final List<OffPolicyEvaluation.Candidate> candidates = candidates(request, experiment, variants, fromMillis,
            settings, seed, contextual);
        final OffPolicyEvaluation evaluation = new OffPolicyEvaluation(new EvaluationConfig(k)
            .estimators(request.estimators()).seed(seed), candidates);
        final double rate = settings.decisionSampleRate();
        final double weight = 1.0 / rate;
        final LoggedDecision row = new LoggedDecision(0);
        long unknownVariant = 0;
        long read = 0;
        OffsetDateTime afterTime = utc(request.from()).minus(1, ChronoUnit.MICROS);
        String afterId = "";
        final String[] names = variants.toArray(new String[0]);
        Future<RowSet<Row>> next = decisionPage(db, experiment, afterTime, afterId, request.to(), settings, names);
        while (true) {
            final RowSet<Row> rows = await(next, "reading decisions");
            final int n = rows.size();
            if (n == 0) {
                break;
            }
            Row last = null;
            for (final Row r : rows) {
                last = r;
            }
            afterTime = fromMicros(last.getLong(3));
            afterId = last.getString(0);
            read += n;
            throttle(started, read, settings.rowsPerSecond(), cancelled);
            next = n < settings.pageRows() ? null
                : decisionPage(db, experiment, afterTime, afterId, request.to(), settings, names);
            for (final Row r : rows) {
                final Integer position = r.getInteger(1); // 1-based, null for a variant not in the list
                if (position == null) {
                    unknownVariant++;
                    continue;
                }
                final Double reward = r.getDouble(4);
                final int flags = (reward == null ? 0 : LoggedDecision.REWARD_OBSERVED)
                    | ((r.getInteger(5) & DecisionFlags.HOLDOUT) != 0 ? LoggedDecision.HOLDOUT : 0);
                final String context = r.getString(6);
                row.set(r.getLong(3) / 1000, contextKey(context), position - 1, r.getDouble(2),
                    reward == null ? 0.0 : reward, weight, flags);
                if (!contextual.isEmpty() && !row.has(LoggedDecision.HOLDOUT)) { // holdout rows reach no candidate
                    final JsonObject parsed = parseContext(context);
                    for (final ContextualCandidate c : contextual) {
                        c.context(parsed);
                    }
                }
                evaluation.add(row);
            }
            progress.update(read, afterTime.toInstant());
            if (next == null) {
                break;
            }
        }
        final long missing = missingDecisions(db, experiment, request, settings, evaluation, started, read,
            cancelled);
        final EvaluationResult result = evaluation.result();
        final double seconds = (System.nanoTime() - started) / 1e9;
        final JsonObject answer = new JsonObject(result.toJson());
        reportSegments(answer, request, contextual);
        reportBounds(answer, candidates);
        return answer
            .put("experiment", experiment)
            .put("from", request.from().toString())
            .put("to", request.to().toString())
            .put("variants", new JsonArray(new ArrayList<>(variants)))
            .put("decisionSampleRate", rate)
            .put("unknownVariantRows", unknownVariant)
            .put("missingDecisionRewardsRead", missing)
            .put("seed", seed)
            .put("seconds", Math.round(seconds * 1000) / 1000.0)
            .put("rowsPerSecond", seconds > 0 ? Math.round(read / seconds) : 0);
    }

    private static long missingDecisions(SqlClient db, String experiment, EvaluationRequest request, Settings settings,
                                         OffPolicyEvaluation evaluation, long started, long decisionRows,
                                         BooleanSupplier cancelled)
            throws InterruptedException, ExecutionException, TimeoutException {
        final double rate = settings.decisionSampleRate();
        long counted = 0;
        long read = decisionRows;
        OffsetDateTime afterTime = utc(request.from()).minus(1, ChronoUnit.MICROS);
        String afterId = "";
        while (true) {
            final RowSet<Row> rows = await(page(db, MISSING, experiment, afterTime, afterId, request.to(),
                settings), "reading rewards without a decision row");
            for (final Row r : rows) {
                final String id = r.getString(0);
                if (OutcomePipeline.sampledIn(id, rate)) { // sampled out: not missing, just not logged
                    evaluation.addMissingDecision(r.getDouble(1), 1.0 / rate);
                    counted++;
                }
                afterId = id;
                afterTime = fromMicros(r.getLong(2));
            }
            read += rows.size();
            if (rows.size() < settings.pageRows()) {
                return counted;
            }
            throttle(started, read, settings.rowsPerSecond(), cancelled);
        }
    }

    private static List<OffPolicyEvaluation.Candidate> candidates(EvaluationRequest request, String experiment,
                                                                  List<String> variants, long fromMillis,
                                                                  Settings settings, long seed,
                                                                  List<ContextualCandidate> contextual) {
        final int k = variants.size();
        final List<OffPolicyEvaluation.Candidate> list = new ArrayList<>();
        int i = 0;
        for (final EvaluationRequest.PolicySpec p : request.policies()) {
            final CandidatePolicy policy = switch (p.type()) {
                case "logged" -> Candidates.logged();
                case "uniform" -> Candidates.uniform(k);
                case "fixed" -> Candidates.fixed(k, p.variant());
                case "thompson" -> {
                    final long candidateSeed = seed ^ (0x9E3779B97F4A7C15L * ++i);
                    final CandidatePolicy model = thompson(p.spec(), experiment, k, fromMillis, settings,
                        candidateSeed, contextual);
                    yield bounded(p, variants, burnIn(p, variants, model), settings, candidateSeed);
                }
                default -> throw new IllegalStateException("unknown policy type " + p.type());
            };
            list.add(new OffPolicyEvaluation.Candidate(p.name(), policy));
        }
        return list;
    }

    /** A row's logged context as an object; null without one (or, never written by the server, not an object). */
    private static JsonObject parseContext(String context) {
        if (context == null || !context.startsWith("{")) {
            return null;
        }
        try {
            return new JsonObject(context);
        } catch (DecodeException e) {
            return null;
        }
    }

    /**
     * Adds {@code segments} and {@code segmentFallbacks} (segments not created: the candidate's cap was reached) to the
     * answer of each segmented candidate; {@code contextual} is in the order of the request's contextual candidates.
     */
    private static void reportSegments(JsonObject answer, EvaluationRequest request,
                                       List<ContextualCandidate> contextual) {
        final JsonArray policies = answer.getJsonArray("policies");
        int next = 0;
        for (int i = 0; i < request.policies().size() && policies != null && i < policies.size(); i++) {
            final EvaluationRequest.PolicySpec p = request.policies().get(i);
            if (p.spec() == null || ContextDefinition.NONE.equals(p.spec().context().model())) {
                continue;
            }
            final ContextualCandidate c = contextual.get(next++);
            if (p.spec().context().isSegments()) {
                policies.getJsonObject(i).put("segments", c.segmentCount())
                    .put("segmentFallbacks", c.capacityFallbacks());
            }
        }
    }

    /**
     * The candidate under its own share bounds ({@link BoundedCandidate}, as serving applies them after the choice and
     * the burn-in), over the variants its definition serves; itself without bounds.
     */
    private static CandidatePolicy bounded(EvaluationRequest.PolicySpec p, List<String> variants,
                                           CandidatePolicy candidate, Settings settings, long seed) {
        if (!p.bounded()) {
            return candidate;
        }
        final List<String> defined = p.spec().variants();
        final int[] positions = new int[variants.size()];
        for (int a = 0; a < positions.length; a++) {
            positions[a] = defined.indexOf(variants.get(a)); // -1: a retired variant of the log, never served
        }
        final GuardSpec guard = p.spec().guard();
        return new BoundedCandidate(candidate, ShareBounds.of(guard.minShares(), guard.maxShares()), positions,
            settings.propensityDraws(), settings.propensityRefreshMillis(),
            BoundedCandidate.DEFAULT_CACHE_SLOTS, seed ^ 0x5DEECE66DL);
    }

    /**
     * Adds {@code choiceEstimates} (Monte-Carlo estimates of its bandit's choice probabilities) and
     * {@code choiceEstimateEvictions} (estimates replaced by another key's) to the answer of each bounded candidate.
     */
    private static void reportBounds(JsonObject answer, List<OffPolicyEvaluation.Candidate> candidates) {
        final JsonArray policies = answer.getJsonArray("policies");
        for (int i = 0; policies != null && i < candidates.size() && i < policies.size(); i++) {
            if (candidates.get(i).policy() instanceof BoundedCandidate b) {
                policies.getJsonObject(i).put("choiceEstimates", b.refreshes())
                    .put("choiceEstimateEvictions", b.evictions());
            }
        }
    }

    /** The candidate under its own burn-in, over the variants its definition serves; itself without one. */
    private static CandidatePolicy burnIn(EvaluationRequest.PolicySpec p, List<String> variants,
                                          CandidatePolicy candidate) {
        if (p.burnIn() <= 0) {
            return candidate;
        }
        final boolean[] served = new boolean[variants.size()];
        for (final String v : p.spec().variants()) {
            final int a = variants.indexOf(v);
            if (a >= 0) {
                served[a] = true;
            }
        }
        return new BurnInCandidate(candidate, served, p.burnIn());
    }

    /** A thompson candidate: non-contextual, or over its own context model (then also added to {@code contextual}). */
    private static CandidatePolicy thompson(ExperimentSpec spec, String experiment, int k, long fromMillis,
                                            Settings settings, long seed, List<ContextualCandidate> contextual) {
        final ThompsonPolicy policy = Experiment.policyFor(spec, settings.propensityDraws());
        if (ContextDefinition.NONE.equals(spec.context().model())) {
            return new BanditCandidate(policy, k, fromMillis, seed);
        }
        final ContextualCandidate candidate = new ContextualCandidate(spec.context(), policy, k, fromMillis, seed,
            experiment);
        contextual.add(candidate);
        return candidate;
    }

    private static Future<RowSet<Row>> decisionPage(SqlClient db, String experiment, OffsetDateTime afterTime,
                                                    String afterId, Instant to, Settings settings, String[] names) {
        return db.preparedQuery(PAGE).execute(Tuple.of(experiment, afterTime, afterId, utc(to),
            settings.pageRows(), names));
    }

    private static Future<RowSet<Row>> page(SqlClient db, String sql, String experiment, OffsetDateTime afterTime,
                                            String afterId, Instant to, Settings settings) {
        return db.preparedQuery(sql).execute(Tuple.of(experiment, afterTime, afterId, utc(to),
            settings.pageRows()));
    }

    private static void throttle(long started, long rows, double rowsPerSecond, BooleanSupplier cancelled)
            throws InterruptedException {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("evaluation cancelled");
        }
        if (rowsPerSecond <= 0) {
            return;
        }
        final long dueNanos = (long) (rows / rowsPerSecond * 1e9);
        final long aheadNanos = dueNanos - (System.nanoTime() - started);
        if (aheadNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(aheadNanos);
        }
    }

    private static <T> T await(Future<T> future, String what)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            final Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ExecutionException(what + " failed: " + cause.getMessage(), cause);
        }
    }

    /**
     * The context key of a decision row: a 64-bit FNV-1a hash of its context as Postgres writes the {@code jsonb}
     * (keys in a canonical order, so equal contexts give equal text), 0 without a context.
     */
    static long contextKey(String context) {
        if (context == null) {
            return 0L;
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < context.length(); i++) {
            h ^= context.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static OffsetDateTime fromMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
