package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.policy.Workspace;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/**
 * The experiment admin API, behind the admin bearer token:
 * <ul>
 *   <li>{@code PUT /v1/experiments/{id}} creates (201) or updates (200) an experiment; see {@link ExperimentSpec}.
 *       Variants that stay keep their learning; removed ones are retired; the reward model cannot change (409).</li>
 *   <li>{@code GET /v1/experiments} lists them; {@code GET /v1/experiments/{id}} reports per-variant statistics.</li>
 *   <li>{@code POST /v1/experiments/{id}/pause} and {@code /resume}.</li>
 *   <li>{@code POST /v1/experiments/{id}/validate} checks a definition exactly as {@code PUT} would (400 naming the
 *       field, 409 for a changed reward model) and changes nothing: the dashboard's editor calls it first.</li>
 * </ul>
 * Changes are stored in Postgres before they are served, so they survive a restart and reach the other nodes
 * ({@code cluster.DefinitionSync}); {@code "arms"} in the answers are this node's own arms.
 */
public final class ExperimentAdminHandler {
    private static final String ENDPOINT = "admin_experiments";

    private final Vertx vertx;
    private final ExperimentRegistry registry;
    private final ExperimentStore store;
    private final RecentTraffic traffic;
    private final Clock clock;
    private final int maxVariants;
    private final SecureRandom seeds = new SecureRandom();

    public ExperimentAdminHandler(Vertx vertx, ExperimentRegistry registry, ExperimentStore store,
                                  RecentTraffic traffic, Clock clock, int maxVariants) {
        this.vertx = Objects.requireNonNull(vertx);
        this.registry = Objects.requireNonNull(registry);
        this.store = Objects.requireNonNull(store);
        this.traffic = Objects.requireNonNull(traffic);
        this.clock = Objects.requireNonNull(clock);
        this.maxVariants = maxVariants;
    }

    /** Declares the routes, admin only, on one event loop. */
    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.PUT, "/v1/experiments/:id", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, this::put)
            .route(HttpMethod.GET, "/v1/experiments", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, this::list)
            .route(HttpMethod.GET, "/v1/experiments/:id", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, this::get)
            .route(HttpMethod.POST, "/v1/experiments/:id/pause", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                ctx -> setPaused(ctx, true))
            .route(HttpMethod.POST, "/v1/experiments/:id/resume", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                ctx -> setPaused(ctx, false))
            .route(HttpMethod.POST, "/v1/experiments/:id/validate", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                this::validate);
    }

    private Future<Answer> validate(RoutingContext ctx) {
        final JsonObject body = JsonBodies.objectBody(ctx, "an experiment object");
        final String id = ctx.pathParam("id");
        final ExperimentSpec spec = ExperimentSpec.fromJson(id, body, maxVariants);
        final Experiment current = registry.get(id);
        if (current != null && current.rewardModel() != spec.rewardModel()) {
            throw new ApiException(409, "experiment '" + id + "' has rewardModel "
                + current.rewardModel().wireName() + "; create a new experiment to change it", "rewardModel");
        }
        ExperimentRegistry.checkLinearDimension(current, spec);
        final ExperimentSpec checked = registry.withCheckedLinearCapacity(spec); // its capacity, as a PUT fixes it
        final ExperimentSpec stored = current != null ? checked.withSalt(current.spec().guard().salt()) : checked;
        return Future.succeededFuture(Answer.json(200, new JsonObject().put("valid", true)
            .put("created", current == null).put("definition", stored.toJson().put("id", id))));
    }

    private Future<Answer> put(RoutingContext ctx) {
        final JsonObject body = JsonBodies.objectBody(ctx, "an experiment object");
        final String id = ctx.pathParam("id");
        final ExperimentSpec spec = ExperimentSpec.fromJson(id, body, maxVariants);
        final Experiment current = registry.get(id);
        final double holdoutBefore = current == null ? 0.0 : current.spec().guard().holdout();
        return save(spec).map(e -> {
            final JsonObject answer = ExperimentRegistry.adminForm(e);
            final double holdoutAfter = e.spec().guard().holdout();
            if (current != null && holdoutAfter != holdoutBefore) {
                // Units keep their hash; only those between the old and the new share change group.
                answer.put("holdoutChange", new JsonObject().put("from", holdoutBefore).put("to", holdoutAfter)
                    .put("reassignedShare", Math.abs(holdoutAfter - holdoutBefore))
                    .put("direction", holdoutAfter > holdoutBefore ? "treatment to holdout" : "holdout to treatment"));
            }
            return Answer.json(current == null ? 201 : 200, answer);
        });
    }

    /**
     * Prepares the experiment off the event loop (a new variant's arm is recorded in this node's arms file first),
     * stores it, and serves it unless a newer write (another node's) is served already.
     */
    private Future<Experiment> save(ExperimentSpec spec) {
        return vertx.executeBlocking(() -> registry.prepare(spec), false)
            .compose(next -> store.save(ExperimentRegistry.storedForm(next))
                .recover(failure -> Future.failedFuture(new ApiException(503,
                    "could not store the experiment (Postgres unavailable); nothing changed")))
                .map(version -> {
                    registry.publish(next, version);
                    return next;
                }));
    }

    private Future<Answer> setPaused(RoutingContext ctx, boolean paused) {
        final Experiment current = existing(ctx.pathParam("id"));
        return save(current.spec().withPaused(paused))
            .map(e -> Answer.json(200, ExperimentRegistry.adminForm(e)));
    }

    private Future<Answer> list(RoutingContext ctx) {
        final JsonArray all = new JsonArray();
        registry.all().stream().sorted((a, b) -> a.id().compareTo(b.id()))
            .forEach(e -> all.add(ExperimentRegistry.adminForm(e)));
        return Future.succeededFuture(Answer.json(200, new JsonObject().put("experiments", all)));
    }

    private Future<Answer> get(RoutingContext ctx) {
        final Experiment experiment = existing(ctx.pathParam("id"));
        final long seed = seeds.nextLong();
        // Thousands of posterior draws: keep them off the event loop.
        return vertx.executeBlocking(() -> Answer.json(200, ExperimentStats.report(experiment,
            registry.table(), traffic, new Workspace(seed, maxVariants), clock.millis())), false);
    }

    private Experiment existing(String id) {
        final Experiment experiment = registry.get(id);
        if (experiment == null) {
            throw new ApiException(404, "unknown experiment '" + id + "'", "id");
        }
        return experiment;
    }
}
