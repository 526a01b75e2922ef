package io.arbiter.server.bid;

import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.http.BodyHandler;
import io.arbiter.server.http.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.time.Clock;
import java.util.Objects;

/**
 * {@code POST /openrtb2/bid}: an OpenRTB 2.5 / 2.6 bid request in, a bid response (200) or no bid (204) out, with
 * {@code x-openrtb-version}. Malformed requests get a 400 naming the problem. gzip request bodies arrive decoded
 * ({@link io.arbiter.server.http.RequestBodies}); the HTTP server compresses the response when the exchange sends
 * {@code Accept-Encoding}. One instance per event loop: parser, request, bidder and writer are this loop's own.
 */
public final class BidHandler implements BodyHandler {
    private static final String VERSION_HEADER = "x-openrtb-version";

    private final BidRequestParser parser = new BidRequestParser();
    private final BidRequest request = new BidRequest();
    private final Bidder bidder;
    private final BidResponseWriter writer;
    private final Clock clock;

    public BidHandler(Bidder bidder, BidResponseWriter writer, Clock clock) {
        this.bidder = Objects.requireNonNull(bidder);
        this.writer = Objects.requireNonNull(writer);
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public void handle(HttpServerRequest http, Buffer body, Endpoint endpoint, long startNanos) {
        final String asked = http.getHeader(VERSION_HEADER);
        http.response().putHeader(VERSION_HEADER, asked != null && asked.startsWith("2.5") ? "2.5" : "2.6");
        parser.parse(body, request);
        final Bidder.Bids bids = bidder.bid(request, clock.millis());
        if (bids.size() == 0) {
            endpoint.respondEmpty(http, 204, startNanos);
        } else {
            endpoint.respond(http, 200, writer.write(request, bids), startNanos);
        }
    }

    /** The bid path without HTTP: parse, decide, write (benchmarks and tests). Null means no bid. */
    public String bidBody(byte[] body) {
        parser.parse(body, request);
        final Bidder.Bids bids = bidder.bid(request, clock.millis());
        return bids.size() == 0 ? null : writer.write(request, bids);
    }
}
