package io.arbiter.server.bid;

import io.arbiter.server.http.ErrorMapper;
import io.arbiter.server.metrics.EndpointTimer;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * {@code GET /rtb/win}, {@code /rtb/bill}, {@code /rtb/loss}, {@code /rtb/click}, {@code /rtb/conversion}, each with
 * {@code t} (the bid token) and, where the exchange substitutes them, {@code p} (clearing price) and {@code l} (loss
 * code). 200 {@code {"status": "accepted"|"duplicate"}}; 400 for a bad token; 422 for one out of its window or for a
 * campaign that no longer exists; 503 when the outcome journal is full. Clicks answer 200 as well (a landing-page
 * redirect is the creative's business: its markup links to the click URL, which the advertiser may wrap).
 */
public final class NoticeHandler {
    private final NoticeService notices;
    private final ErrorMapper errors;
    private final EndpointTimer timers;

    public NoticeHandler(NoticeService notices, ErrorMapper errors, Metrics metrics) {
        this.notices = Objects.requireNonNull(notices);
        this.errors = Objects.requireNonNull(errors);
        this.timers = metrics.endpoint("rtb_notice");
    }

    public void mount(Router router) {
        router.get("/rtb/win").handler(ctx -> handle(ctx, OutcomeKind.WIN));
        router.get("/rtb/bill").handler(ctx -> handle(ctx, OutcomeKind.BILL));
        router.get("/rtb/loss").handler(ctx -> handle(ctx, OutcomeKind.LOSS));
        router.get("/rtb/click").handler(ctx -> handle(ctx, OutcomeKind.CLICK));
        router.get("/rtb/conversion").handler(ctx -> handle(ctx, OutcomeKind.CONVERSION));
    }

    private void handle(RoutingContext ctx, OutcomeKind kind) {
        final long start = System.nanoTime();
        Future<String> result;
        try {
            result = notices.notice(kind, ctx.request().getParam("t"), ctx.request().getParam("p"),
                ctx.request().getParam("l"));
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(done -> {
            final int status;
            if (done.succeeded()) {
                status = 200;
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .end("{\"status\":\"" + done.result() + "\"}");
            } else {
                status = errors.respond(ctx, done.cause());
            }
            timers.record(status, System.nanoTime() - start);
        });
    }
}
