package io.arbiter.server.bench;

import io.arbiter.server.bid.BidHandler;
import io.arbiter.server.bid.BidModule;
import io.arbiter.server.bid.BidResponseWriter;
import io.arbiter.server.bid.Bidder;
import io.arbiter.server.bid.BiddingConfig;
import io.arbiter.server.bid.budget.Reservations;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.bid.openrtb.JacksonBidRequestParser;
import io.arbiter.server.metrics.Metrics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;

/**
 * In-process timing of the server-side bid path for one imp with 20 eligible creatives (one campaign of 20 creatives,
 * all matching the 300x250 banner): parse the request body, sample 20 posteriors, price, reserve budget, sign the
 * token and write the response, exactly what {@code BidHandler} does between receiving the body and handing the
 * response to Vert.x. Each iteration's reservation is released afterwards (as a loss notice would), outside the
 * timed region; the decision and the parse are then timed on their own. Not JMH: a plain loop with a warm-up,
 * timing every call with {@code System.nanoTime()} (whose own cost, ~20-30 ns, is included), so read the
 * percentiles as upper bounds.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests}, then {@code java
 * --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$(cat cp.txt)" io.arbiter.server.bench.BidPathBenchmark}
 * (docs/BENCHMARKS.md has the class path line).
 */
public final class BidPathBenchmark {
    private BidPathBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        final int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final Clock clock = Clock.fixed(Instant.ofEpochMilli(BidBench.NOON), ZoneOffset.UTC);
        final BidModule module = BidBench.module(BiddingConfig.from(new JsonObject().put("frequencyCellsLog2", 12)),
            new JsonArray().add(BidBench.twentyCreatives()), clock, new Metrics());
        final BidHandler handler = new BidHandler(module.newBidder(1), new BidResponseWriter(
            "https://bidder.example", "arbiter"), clock);
        final byte[] body = BidBench.REQUEST.getBytes(StandardCharsets.UTF_8);
        final BidRequestParser parser = new BidRequestParser();
        final BidRequest parsed = new BidRequest();
        final Reservations reservations = module.reservations();
        // warm up
        for (int i = 0; i < 300_000; i++) {
            runOnce(handler, body, module);
        }
        final long[] full = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            final long start = System.nanoTime();
            final String response = handler.bidBody(body);
            full[i] = System.nanoTime() - start;
            if (response == null) {
                throw new IllegalStateException("expected a bid");
            }
            release(module);
        }
        report("parse + 20 creatives + write", full);
        final Bidder bidder = module.newBidder(2);
        parser.parse(body, parsed);
        final long[] decide = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            final long start = System.nanoTime();
            final Bidder.Bids bids = bidder.bid(parsed, clock.millis());
            decide[i] = System.nanoTime() - start;
            reservations.release(bids.get(0).nonce);
        }
        report("decision only (bidder.bid)", decide);
        final long[] parseOnly = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            final long start = System.nanoTime();
            parser.parse(body, parsed);
            parseOnly[i] = System.nanoTime() - start;
        }
        report("parse only", parseOnly);
        // Against the Jackson streaming parser the bid path used before (kept in the tests as the reference), in
        // turns: blocks of 5,000 parses alternating between the two, so both see the same machine weather.
        final JacksonBidRequestParser jackson = new JacksonBidRequestParser();
        for (int i = 0; i < 300_000; i++) {
            jackson.parse(body, parsed);
        }
        final int blocks = 200;
        final int perBlock = 5_000;
        final double[] cursorBlocks = new double[blocks];
        final double[] jacksonBlocks = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            final long t0 = System.nanoTime();
            for (int i = 0; i < perBlock; i++) {
                parser.parse(body, parsed);
            }
            final long t1 = System.nanoTime();
            for (int i = 0; i < perBlock; i++) {
                jackson.parse(body, parsed);
            }
            cursorBlocks[b] = (t1 - t0) / 1000.0 / perBlock;
            jacksonBlocks[b] = (System.nanoTime() - t1) / 1000.0 / perBlock;
        }
        Arrays.sort(cursorBlocks);
        Arrays.sort(jacksonBlocks);
        System.out.printf(Locale.ROOT, "parse, in turns (%d blocks of %d, mean per block): this parser min %.2f us "
                + "p25 %.2f us median %.2f us; Jackson (before) min %.2f us p25 %.2f us median %.2f us%n", blocks,
            perBlock, cursorBlocks[0], cursorBlocks[blocks / 4], cursorBlocks[blocks / 2], jacksonBlocks[0],
            jacksonBlocks[blocks / 4], jacksonBlocks[blocks / 2]);
        // Heap allocated per call (the thread's allocation counter around each call; release() not counted).
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long fullBytes = 0;
        long decideBytes = 0;
        long parseBytes = 0;
        long jacksonBytes = 0;
        final int counted = Math.min(iterations, 100_000);
        for (int i = 0; i < counted; i++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            handler.bidBody(body);
            fullBytes += threads.getCurrentThreadAllocatedBytes() - before;
            release(module);
            final long beforeDecide = threads.getCurrentThreadAllocatedBytes();
            final Bidder.Bids bids = bidder.bid(parsed, clock.millis());
            decideBytes += threads.getCurrentThreadAllocatedBytes() - beforeDecide;
            reservations.release(bids.get(0).nonce);
            final long beforeParse = threads.getCurrentThreadAllocatedBytes();
            parser.parse(body, parsed);
            parseBytes += threads.getCurrentThreadAllocatedBytes() - beforeParse;
            final long beforeJackson = threads.getCurrentThreadAllocatedBytes();
            jackson.parse(body, parsed);
            jacksonBytes += threads.getCurrentThreadAllocatedBytes() - beforeJackson;
        }
        System.out.printf(Locale.ROOT, "allocated per call: parse + 20 creatives + write %d B, decision only %d B, "
            + "parse only %d B, parse only with Jackson (before) %d B%n", fullBytes / counted, decideBytes / counted,
            parseBytes / counted, jacksonBytes / counted);
    }

    private static void runOnce(BidHandler handler, byte[] body, BidModule module) {
        handler.bidBody(body);
        release(module);
    }

    private static void release(BidModule module) {
        // the loss notice's effect, without the HTTP and journal parts
        module.reservations().expire(Long.MAX_VALUE);
    }

    static void report(String name, long[] nanos) {
        final long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%-30s n=%d  p50 %6.1f us  p90 %6.1f us  p99 %6.1f us  p99.9 %6.1f us"
                + "  max %8.1f us%n", name, sorted.length, at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99),
            at(sorted, 0.999), sorted[sorted.length - 1] / 1000.0);
    }

    private static double at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000.0;
    }
}
