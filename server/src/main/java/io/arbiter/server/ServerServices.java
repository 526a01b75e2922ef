package io.arbiter.server;

import io.arbiter.server.admin.AdminAuth;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.experiment.ExperimentRegistry;
import io.arbiter.server.experiment.ExperimentStore;
import io.arbiter.server.experiment.RecentTraffic;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeLog;
import io.arbiter.server.reward.DuplicateIndex;
import io.arbiter.server.token.DecisionTokens;

import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * The shared, thread-safe services every HTTP verticle instance uses. Each verticle builds its own router and
 * handlers around these, so per-loop state (workspaces, builders) never crosses threads.
 */
public record ServerServices(ServerConfig config, Clock clock, Metrics metrics, ExperimentRegistry registry,
                             ExperimentStore experimentStore, DecisionTokens tokens, OutcomeLog outcomes,
                             DuplicateIndex duplicates, RecentTraffic traffic, AdminAuth adminAuth,
                             BooleanSupplier started, Extension extension) {

    /** A hook for further endpoints (the bidder mounts itself through it). */
    public interface Extension {
        /** Mounts this event loop's endpoints: per-request hot paths on {@code hot}, the rest on {@code router}. */
        void mount(io.vertx.core.Vertx vertx, io.vertx.ext.web.Router router, io.arbiter.server.http.HotRoutes hot,
                   long seed);
    }
}
