package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.pricing.WinRateCounts;
import io.arbiter.server.bid.pricing.WinRateCountsDescriptor;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@code GET /v1/bidder/win-rate} (admin): the first-price shading curves as a dashboard draws them, the bidder-wide
 * curve and the busiest contexts' (by decayed bids), each as the win rate per price bucket of the last refresh,
 * over the price range that has bids. Query: {@code top} (contexts, 1..100, default 10), {@code level}
 * (1 publisher x format, 2 + device type, 3 + hour; default all). The shape is in docs/api.md.
 */
public final class WinRateHandler {
    private static final String ENDPOINT = "admin_win_rate";
    private static final int MAX_TOP = 100;

    private final WinRateCurve curve;
    private final String currency;

    public WinRateHandler(WinRateCurve curve, String currency) {
        this.curve = Objects.requireNonNull(curve);
        this.currency = Objects.requireNonNull(currency);
    }

    /** Declares the route, admin only. */
    public void declareRoutes(RouteTable routes) {
        routes.route(HttpMethod.GET, "/v1/bidder/win-rate", ENDPOINT, Access.ADMIN, Exposure.SAME_ORIGIN,
            ctx -> Future.succeededFuture(Answer.json(200, describe(intParam(ctx, "top", 10, 1, MAX_TOP),
                intParam(ctx, "level", 0, 1, 3)))));
    }

    private static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
        final String raw = ctx.request().getParam(name);
        if (raw == null) {
            return fallback;
        }
        try {
            final int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badField(name, "'" + name + "' must be an integer in " + min + ".." + max);
    }

    /** The curves' description; {@code level} 0 for contexts of every level. */
    JsonObject describe(int top, int level) {
        final WinRateCounts counts = curve.counts();
        int lo = WinRateCurve.BUCKETS;
        int hi = -1;
        for (int b = 0; b < WinRateCurve.BUCKETS; b++) {
            if (counts.bids(WinRateCounts.GLOBAL, b) > 0) {
                lo = Math.min(lo, b);
                hi = b;
            }
        }
        if (hi < 0) {
            lo = 0;
            hi = -1;
        }
        final JsonArray prices = new JsonArray();
        for (int b = lo; b <= hi; b++) {
            prices.add(round(WinRateCurve.bucketPrice(b)));
        }
        final List<int[]> busiest = busiest(counts, top, level);
        final JsonArray contexts = new JsonArray();
        for (final int[] entry : busiest) {
            final int offset = entry[0];
            final long parent = counts.parent(offset);
            final JsonObject context = new JsonObject()
                .put("key", Long.toHexString(counts.key(offset)))
                .put("level", counts.level(offset))
                .put("parent", parent == 0 ? null : Long.toHexString(parent))
                .put("device", counts.level(offset) >= 2 ? counts.device(offset) : null)
                .put("hour", counts.level(offset) == 3 ? counts.hour(offset) : null);
            contexts.add(curveJson(context, counts, offset, curve.fitted(counts.key(offset)), lo, hi));
        }
        return new JsonObject()
            .put("trained", curve.trained())
            .put("currency", currency)
            .put("halfLife", curve.halfLifeMillis() == 0 ? null : Duration.ofMillis(curve.halfLifeMillis()).toString())
            .put("minObservations", curve.minObservations())
            .put("decayedAt", counts.decayedAtMillis())
            .put("contexts", counts.contexts())
            .put("maxContexts", counts.maxContexts())
            .put("untracked", curve.untracked())
            .put("prices", prices)
            .put("global", curveJson(new JsonObject(), counts, WinRateCounts.GLOBAL,
                curve.fitted(WinRateCountsDescriptor.GLOBAL_KEY), lo, hi))
            .put("busiest", contexts);
    }

    private static List<int[]> busiest(WinRateCounts counts, int top, int level) {
        final List<int[]> all = new ArrayList<>();
        final List<Double> totals = new ArrayList<>();
        for (int l = 1; l <= 3; l++) {
            if (level == 0 || level == l) {
                counts.forEachContext(l, offset -> {
                    all.add(new int[] {offset, totals.size()});
                    totals.add(counts.totalBids(offset));
                });
            }
        }
        all.sort(Comparator.comparingDouble((int[] e) -> -totals.get(e[1])));
        return all.subList(0, Math.min(top, all.size()));
    }

    private static JsonObject curveJson(JsonObject into, WinRateCounts counts, int offset, double[] fitted, int lo,
                                        int hi) {
        double bids = 0;
        double wins = 0;
        for (int b = 0; b < WinRateCurve.BUCKETS; b++) {
            bids += counts.bids(offset, b);
            wins += counts.wins(offset, b);
        }
        JsonArray rate = null;
        if (fitted != null) {
            rate = new JsonArray();
            for (int b = lo; b <= hi; b++) {
                rate.add(round(fitted[b]));
            }
        }
        return into.put("bids", round(bids)).put("wins", round(wins)).put("winRate", rate);
    }

    private static double round(double value) {
        return Math.round(value * 1e4) / 1e4;
    }
}
