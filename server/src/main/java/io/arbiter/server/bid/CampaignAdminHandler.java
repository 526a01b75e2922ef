package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.BudgetLedgerDescriptor;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSpec;
import io.arbiter.server.bid.campaign.CampaignStore;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * The campaign admin API, behind the admin bearer token (the same as experiments'):
 * <ul>
 *   <li>{@code PUT /v1/campaigns/{id}} creates (201) or replaces (200) a campaign (see {@link CampaignSpec});
 *       creatives that stay keep their learning, spend is kept.</li>
 *   <li>{@code GET /v1/campaigns} lists them; {@code GET /v1/campaigns/{id}} adds spend, pacing and counters.</li>
 * </ul>
 * Changes are stored before they are served, so they survive a restart.
 */
public final class CampaignAdminHandler {
    private static final String ENDPOINT = "admin_campaigns";

    private final CampaignRegistry registry;
    private final CampaignStore store;

    public CampaignAdminHandler(CampaignRegistry registry, CampaignStore store) {
        this.registry = Objects.requireNonNull(registry);
        this.store = Objects.requireNonNull(store);
    }

    /** Declares the routes, admin only. */
    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.PUT, "/v1/campaigns/:id", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, this::put)
            .route(HttpMethod.GET, "/v1/campaigns", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, ctx -> {
                final JsonArray all = new JsonArray();
                for (final Campaign campaign : registry.snapshot().campaigns()) {
                    all.add(status(campaign));
                }
                return Future.succeededFuture(Answer.json(200, new JsonObject().put("campaigns", all)));
            })
            .route(HttpMethod.GET, "/v1/campaigns/:id", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN, ctx -> {
                final Campaign campaign = registry.get(ctx.pathParam("id"));
                if (campaign == null) {
                    throw new ApiException(404, "unknown campaign '" + ctx.pathParam("id") + "'", "id");
                }
                return Future.succeededFuture(Answer.json(200, status(campaign)));
            });
    }

    private Future<Answer> put(RoutingContext ctx) {
        final JsonObject body = JsonBodies.objectBody(ctx, "a campaign object");
        final String id = ctx.pathParam("id");
        final CampaignSpec spec = CampaignSpec.fromJson(id, body, registry.rates());
        final boolean created = registry.get(id) == null;
        // Off the event loop: a new campaign's slot and arms are recorded in this node's slots file first.
        return ctx.vertx().executeBlocking(() -> registry.prepare(spec), false)
            .compose(prepared -> store.save(CampaignRegistry.storedForm(prepared))
                .recover(failure -> Future.failedFuture(new ApiException(503,
                    "could not store the campaign (database unavailable); nothing changed")))
                .map(version -> {
                    registry.publish(prepared, version);
                    return Answer.json(created ? 201 : 200, status(prepared.campaign()));
                }));
    }

    private JsonObject status(Campaign campaign) {
        final BudgetLedger ledger = registry.ledger();
        final int slot = campaign.slot();
        return campaign.spec().source().copy()
            .put("state", new JsonObject()
                .put("day", ledger.day(slot))
                .put("dailySpent", ledger.dailySpent(slot) / 1e6)
                .put("dailyExposure", ledger.dailyExposure(slot) / 1e6)
                .put("totalSpent", ledger.totalSpent(slot) / 1e6)
                .put("currency", registry.rates().base())
                .put("pacingModifier", ledger.modifier(slot))
                .put("bids", ledger.counter(slot, BudgetLedgerDescriptor.BIDS_OFFSET))
                .put("impressions", ledger.impressions(slot))
                .put("clicks", ledger.counter(slot, BudgetLedgerDescriptor.CLICKS_OFFSET))
                .put("conversions", ledger.counter(slot, BudgetLedgerDescriptor.CONVERSIONS_OFFSET))
                .put("pacingBlocked", ledger.counter(slot, BudgetLedgerDescriptor.PACING_BLOCKED_OFFSET)));
    }
}
