package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code POST /v1/experiments/{id}/variants/{variant}/resume} (admin): serves a variant that a guardrail suspended
 * again. The resume is stored before it is served; from then on the variant's guardrails watch it afresh (counts
 * since the resume), so a harm that is still there suspends it again once new evidence shows it. 404 for an unknown
 * experiment or variant, 409 when the variant is not suspended.
 */
public final class VariantAdminHandler {
    private static final String ENDPOINT = "admin_experiments";

    private final ExperimentRegistry registry;
    private final GuardStore store;
    private final Clock clock;

    public VariantAdminHandler(ExperimentRegistry registry, GuardStore store, Clock clock) {
        this.registry = Objects.requireNonNull(registry);
        this.store = Objects.requireNonNull(store);
        this.clock = Objects.requireNonNull(clock);
    }

    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.POST, "/v1/experiments/:id/variants/:variant/resume", ENDPOINT, Access.ADMIN,
            Exposure.SAME_ORIGIN, this::resume);
    }

    private Future<Answer> resume(RoutingContext ctx) {
        final String id = ctx.pathParam("id");
        final String variant = ctx.pathParam("variant");
        final Experiment experiment = registry.get(id);
        if (experiment == null) {
            throw new ApiException(404, "unknown experiment '" + id + "'", "id");
        }
        final Integer arm = experiment.armByVariant().get(variant);
        if (arm == null) {
            throw new ApiException(404, "experiment '" + id + "' has no variant '" + variant + "'", "variant");
        }
        final GuardState state = experiment.guard().state();
        if (!state.isSuspended(variant)) {
            throw new ApiException(409, "variant '" + variant + "' of '" + id + "' is not suspended", "variant");
        }
        final GuardState.Baseline baseline = baseline(experiment, variant, arm);
        final long now = clock.millis();
        return store.resume(id, variant, now, baseline.toJson())
            .recover(failure -> Future.failedFuture(new ApiException(503,
                "could not store the resume (Postgres unavailable); nothing changed")))
            .map(v -> {
                state.resume(variant, baseline);
                registry.rebuild(id);
                return Answer.json(200, new JsonObject().put("experiment", id).put("variant", variant)
                    .put("suspended", false).put("baseline", baseline.toJson()));
            });
    }

    /** The counts the variant's guardrails restart from: its decisions and events now. */
    private GuardState.Baseline baseline(Experiment experiment, String variant, int arm) {
        final PosteriorTable table = registry.table();
        final ExperimentGuard guard = experiment.guard();
        final Map<String, Long> events = new HashMap<>();
        for (int g = 0; g < guard.guardrails(); g++) {
            events.put(guard.metric(g), guard.counters().successes(guard.treatmentScope(g), variant));
        }
        return new GuardState.Baseline(table.decisions(arm), Map.copyOf(events));
    }
}
