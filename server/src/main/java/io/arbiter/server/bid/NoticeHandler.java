package io.arbiter.server.bid;

import io.arbiter.server.http.Answer;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.http.RouteTable.Access;
import io.arbiter.server.http.RouteTable.Exposure;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * {@code GET /rtb/win}, {@code /rtb/bill}, {@code /rtb/imp} (the render pixel: a billing notice, claimed as one, so
 * a bid billed by {@code burl} and by its pixel is charged once), {@code /rtb/loss}, {@code /rtb/click},
 * {@code /rtb/conversion}, each with
 * {@code t} (the bid token) and, where the exchange substitutes them, {@code p} (clearing price) and {@code l} (loss
 * code). 200 {@code {"status": "accepted"|"duplicate"}}; 400 for a bad token; 422 for one out of its window or for a
 * campaign that no longer exists; 503 when the outcome journal is full. Clicks answer 200 as well (a landing-page
 * redirect is the creative's business: its markup links to the click URL, which the advertiser may wrap).
 */
public final class NoticeHandler {
    private static final String ENDPOINT = "rtb_notice";

    private final NoticeService notices;

    public NoticeHandler(NoticeService notices) {
        this.notices = Objects.requireNonNull(notices);
    }

    /** Declares the notice routes, public. */
    public void declareRoutes(RouteTable routes) {
        route(routes, "/rtb/win", OutcomeKind.WIN);
        route(routes, "/rtb/bill", OutcomeKind.BILL);
        route(routes, "/rtb/imp", OutcomeKind.BILL); // the render pixel in markup: the same claim as burl's
        route(routes, "/rtb/loss", OutcomeKind.LOSS);
        route(routes, "/rtb/click", OutcomeKind.CLICK);
        route(routes, "/rtb/conversion", OutcomeKind.CONVERSION);
    }

    private void route(RouteTable routes, String path, OutcomeKind kind) {
        routes.route(HttpMethod.GET, path, ENDPOINT, Access.PUBLIC, Exposure.SAME_ORIGIN, ctx -> handle(ctx, kind));
    }

    private Future<Answer> handle(RoutingContext ctx, OutcomeKind kind) {
        final HttpServerRequest request = ctx.request();
        return notices.notice(kind, request.getParam("t"), request.getParam("p"), request.getParam("l"))
            .map(status -> Answer.json(200, "{\"status\":\"" + status + "\"}"));
    }
}
