package io.arbiter.server.bid;

import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.http.ErrorMapper;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.Objects;

/**
 * {@code POST /openrtb2/bid}: an OpenRTB 2.5 / 2.6 bid request in, a bid response (200) or no bid (204) out, with
 * {@code x-openrtb-version}. Malformed requests get a 400 naming the problem. gzip both ways is the HTTP server's
 * (decompression of {@code Content-Encoding: gzip} bodies, compression when the exchange sends
 * {@code Accept-Encoding}). One instance per event loop: parser, request, bidder and writer are this loop's own.
 */
public final class BidHandler implements Handler<RoutingContext> {
    private static final String VERSION_HEADER = "x-openrtb-version";

    private final BidRequestParser parser = new BidRequestParser();
    private final BidRequest request = new BidRequest();
    private final Bidder bidder;
    private final BidResponseWriter writer;
    private final Clock clock;
    private final ErrorMapper errors;
    private final Metrics.EndpointTimers timers;

    public BidHandler(Bidder bidder, BidResponseWriter writer, Clock clock, ErrorMapper errors, Metrics metrics) {
        this.bidder = Objects.requireNonNull(bidder);
        this.writer = Objects.requireNonNull(writer);
        this.clock = Objects.requireNonNull(clock);
        this.errors = Objects.requireNonNull(errors);
        this.timers = metrics.endpoint("openrtb_bid");
    }

    @Override
    public void handle(RoutingContext ctx) {
        final long start = System.nanoTime();
        final String asked = ctx.request().getHeader(VERSION_HEADER);
        ctx.response().putHeader(VERSION_HEADER, asked != null && asked.startsWith("2.5") ? "2.5" : "2.6");
        int status;
        try {
            final Buffer body = ctx.body().buffer();
            parser.parse(body == null ? null : body.getBytes(), request);
            final Bidder.Bids bids = bidder.bid(request, clock.millis());
            if (bids.size() == 0) {
                status = 204;
                ctx.response().setStatusCode(204).end();
            } else {
                status = 200;
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .end(writer.write(request, bids));
            }
        } catch (Throwable failure) {
            status = errors.respond(ctx, failure);
        }
        timers.record(status, System.nanoTime() - start);
    }

    /** The bid path without HTTP: parse, decide, write (benchmarks and tests). Null means no bid. */
    public String bidBody(byte[] body) throws java.io.IOException {
        parser.parse(body, request);
        final Bidder.Bids bids = bidder.bid(request, clock.millis());
        return bids.size() == 0 ? null : writer.write(request, bids);
    }
}
