package io.arbiter.server.personalisation.evaluation;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.pg.BackgroundConnections;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Off-policy evaluation over the admin API:
 * <ul>
 *   <li>{@code POST /v1/experiments/{id}/evaluations} validates the body ({@link EvaluationRequest}: 400 naming the
 *       field), checks that the window holds logged decisions (422 otherwise; 503 when Postgres does not answer) and
 *       answers 202 {@code {"id", "status"}}; the job runs on the evaluation thread ({@link EvaluationJobs}).</li>
 *   <li>{@code GET /v1/experiments/{id}/evaluations/{job}} answers its progress, then its result or its error.</li>
 * </ul>
 */
public final class EvaluationAdminHandler {
    private static final String ENDPOINT = "admin_evaluations";

    private final ExperimentRegistry registry;
    private final EvaluationJobs jobs;
    private final Pool pool;
    private final BackgroundConnections background;
    private final EvaluationRun.Settings settings;
    private final Clock clock;
    private final int maxVariants;
    private final SecureRandom seeds = new SecureRandom();

    /**
     * @param pool       the server's pool, for the quick check that a window holds decisions
     * @param background where a job's own connection comes from (off the serving event loops)
     */
    public EvaluationAdminHandler(ExperimentRegistry registry, EvaluationJobs jobs, Pool pool,
                                  BackgroundConnections background, EvaluationRun.Settings settings, Clock clock,
                                  int maxVariants) {
        this.registry = Objects.requireNonNull(registry);
        this.jobs = Objects.requireNonNull(jobs);
        this.pool = Objects.requireNonNull(pool);
        this.background = Objects.requireNonNull(background);
        this.settings = Objects.requireNonNull(settings);
        this.clock = Objects.requireNonNull(clock);
        this.maxVariants = maxVariants;
    }

    /** Declares the routes, admin only, on one event loop. */
    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.POST, "/v1/experiments/:id/evaluations", ENDPOINT, Access.ADMIN,
                Exposure.SAME_ORIGIN, this::submit)
            .route(HttpMethod.GET, "/v1/experiments/:id/evaluations", ENDPOINT, Access.ADMIN,
                Exposure.SAME_ORIGIN, this::list)
            .route(HttpMethod.GET, "/v1/experiments/:id/evaluations/:job", ENDPOINT, Access.ADMIN,
                Exposure.SAME_ORIGIN, this::get);
    }

    /** Every variant the experiment's log may carry: the active ones in order, then the retired ones by name. */
    static List<String> variants(Experiment experiment) {
        final List<String> all = new ArrayList<>(List.of(experiment.variants()));
        for (final String v : new TreeSet<>(experiment.armByVariant().keySet())) {
            if (!all.contains(v)) {
                all.add(v);
            }
        }
        return all;
    }

    private Future<Answer> submit(RoutingContext ctx) {
        final Experiment experiment = existing(ctx.pathParam("id"));
        final JsonObject body = JsonBodies.objectBody(ctx, "an evaluation object");
        final List<String> variants = variants(experiment);
        final EvaluationRequest request = EvaluationRequest.parse(body, experiment.spec(), variants, maxVariants,
            clock.instant());
        final long seed = request.seed() != null ? request.seed() : seeds.nextLong();
        return EvaluationRun.anyDecision(pool, experiment.id(), request.from(), request.to())
            .recover(failure -> Future.failedFuture(new ApiException(503,
                "could not read the decision log (Postgres unavailable); nothing started")))
            .map(any -> {
                if (!any) {
                    throw new ApiException(422, "experiment '" + experiment.id() + "' has no logged decisions "
                        + "between " + request.from() + " and " + request.to() + ": nothing to evaluate", "from");
                }
                final EvaluationJobs.Job job = jobs.submit(experiment.id(), j -> {
                    final SqlConnection connection = background.open();
                    try {
                        return EvaluationRun.run(connection, experiment.id(), variants, request, settings, seed,
                            j::progress, j::cancelled);
                    } finally {
                        connection.close();
                    }
                });
                return Answer.json(202, new JsonObject().put("id", job.id()).put("status", job.status()));
            });
    }

    private Future<Answer> list(RoutingContext ctx) {
        final Experiment experiment = existing(ctx.pathParam("id"));
        final io.vertx.core.json.JsonArray all = new io.vertx.core.json.JsonArray();
        for (final EvaluationJobs.Job job : jobs.ofExperiment(experiment.id())) {
            all.add(job.toJson());
        }
        return Future.succeededFuture(Answer.json(200, new JsonObject().put("evaluations", all)));
    }

    private Future<Answer> get(RoutingContext ctx) {
        final String id = ctx.pathParam("id");
        final EvaluationJobs.Job job = jobs.get(ctx.pathParam("job"));
        if (job == null || !job.experiment().equals(id)) {
            throw new ApiException(404, "unknown evaluation '" + ctx.pathParam("job") + "' of experiment '" + id
                + "' (jobs live in the memory of the node that ran them and are lost when it restarts)", "job");
        }
        return Future.succeededFuture(Answer.json(200, job.toJson()));
    }

    private Experiment existing(String id) {
        final Experiment experiment = registry.get(id);
        if (experiment == null) {
            throw new ApiException(404, "unknown experiment '" + id + "'", "id");
        }
        return experiment;
    }
}
