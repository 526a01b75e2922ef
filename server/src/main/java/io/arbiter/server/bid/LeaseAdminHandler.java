package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.budget.LeaseStore;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.LocalDate;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The budget lease admin API (with {@code bidding.budgetLeases} on), behind the admin bearer token:
 * <ul>
 *   <li>{@code GET /v1/budget-leases}: every node's leases of today and later (leased, spent, whether unexpired), to
 *       find a dead node's id;</li>
 *   <li>{@code POST /v1/budget-leases/{node}/release}: frees what a node that is gone for good holds beyond its known
 *       spend ({@link LeaseStore#release}); 409 while any of its leases is unexpired, or for this node.</li>
 * </ul>
 */
final class LeaseAdminHandler {
    private static final String ENDPOINT = "admin_budget_leases";
    private static final System.Logger LOG = System.getLogger(LeaseAdminHandler.class.getName());
    /** A node id as {@code cluster.nodeId} accepts it. */
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final LeaseStore store;
    private final Clock clock;

    LeaseAdminHandler(LeaseStore store, Clock clock) {
        this.store = Objects.requireNonNull(store);
        this.clock = Objects.requireNonNull(clock);
    }

    void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.GET, "/v1/budget-leases", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, this::list)
            .route(HttpMethod.POST, "/v1/budget-leases/:node/release", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
                this::release);
    }

    private Future<Answer> list(RoutingContext ctx) {
        return unavailable(store.list(Pacing.day(clock.millis()))).map(leases -> {
            final JsonArray rows = new JsonArray();
            for (final LeaseStore.Lease lease : leases) {
                rows.add(new JsonObject().put("campaign", lease.campaign())
                    .put("day", LocalDate.ofEpochDay(lease.day()).toString()).put("node", lease.node())
                    .put("leased", lease.leasedMicros() / 1e6).put("spent", lease.spentMicros() / 1e6)
                    .put("live", lease.live()));
            }
            return Answer.json(200, new JsonObject().put("node", store.node()).put("leases", rows));
        });
    }

    private Future<Answer> release(RoutingContext ctx) {
        final String node = ctx.pathParam("node");
        if (!NODE.matcher(node).matches()) {
            throw ApiException.badField("node", "'node' must be a node id: 1 to 64 letters, digits, '_', '.' or '-'");
        }
        return store.release(node)
            .recover(failure -> Future.failedFuture(failure instanceof LeaseStore.NodeAliveException alive
                ? new ApiException(409, alive.getMessage() + "; nothing released", "node")
                : new ApiException(503, "could not reach the database; nothing released")))
            .map(released -> {
                final JsonArray rows = new JsonArray();
                long freed = 0;
                for (final LeaseStore.Released r : released) {
                    rows.add(new JsonObject().put("campaign", r.campaign())
                        .put("day", LocalDate.ofEpochDay(r.day()).toString()).put("freed", r.freedMicros() / 1e6));
                    freed += r.freedMicros();
                }
                if (!released.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "budget leases: node '" + node + "' released by the "
                        + "operator: " + freed + " micros freed over " + released.size() + " campaign day(s); if it "
                        + "comes back, what it charged and did not report counts on top of the budgets");
                }
                return Answer.json(200, new JsonObject().put("node", node).put("released", rows)
                    .put("freed", freed / 1e6));
            });
    }

    private static <T> Future<T> unavailable(Future<T> future) {
        return future.recover(failure -> Future.failedFuture(new ApiException(503,
            "could not reach the database")));
    }
}
