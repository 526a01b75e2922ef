package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing of bid request bodies: mutations of the IAB examples (byte flips, truncations, deletions,
 * duplicated spans, type swaps, huge numbers, deep nesting) must each end in a bid, a no-bid, or a client error
 * (an ApiException with status 400), never anything else (a 500). In-process for
 * volume, plus a sample over HTTP where the status must be 200, 204 or 400. The seed is printed on failure.
 */
class BidFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20261123L);
    private static final int IN_PROCESS = 20_000;
    private static final int OVER_HTTP = 300;

    private static final String[] SNIPPETS = {"null", "true", "-1", "1e309", "99999999999999999999999", "\"\"",
        "[]", "{}", "\"x\"", "0.5", "[[[[[[[[", "]]]", "}", "{\"id\":", ",", ":", "\"imp\":[{}]", "\"\\u0000\"",
        "\"bidfloor\":-3", "\"at\":1", "\"w\":300,\"h\":250", "\"pmp\":{\"private_auction\":1}", "\uD83D\uDE00"};

    private static List<byte[]> seeds() throws Exception {
        final List<byte[]> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(BidFixture.iabExamples().resolve("bid-requests"))) {
            for (final Path p : files.sorted().toList()) {
                seeds.add(Files.readAllBytes(p));
            }
        }
        return seeds;
    }

    static byte[] mutate(byte[] input, SplittableRandom rng) {
        final StringBuilder s = new StringBuilder(new String(input, StandardCharsets.UTF_8));
        final int edits = 1 + rng.nextInt(4);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            final int at = rng.nextInt(s.length());
            switch (rng.nextInt(6)) {
                case 0 -> s.setCharAt(at, (char) (32 + rng.nextInt(95)));
                case 1 -> s.setLength(at);
                case 2 -> s.delete(at, Math.min(s.length(), at + 1 + rng.nextInt(20)));
                case 3 -> s.insert(at, SNIPPETS[rng.nextInt(SNIPPETS.length)]);
                case 4 -> {
                    final int end = Math.min(s.length(), at + rng.nextInt(60));
                    s.insert(at, s.substring(at, end));
                }
                default -> {
                    // swap a value's type: a number where a string was, or the other way round
                    final int quote = s.indexOf("\"", at);
                    if (quote >= 0) {
                        final int close = s.indexOf("\"", quote + 1);
                        if (close > quote) {
                            s.replace(quote, close + 1, Integer.toString(rng.nextInt(1000)));
                        }
                    }
                }
            }
        }
        final byte[] out = s.toString().getBytes(StandardCharsets.UTF_8);
        if (rng.nextInt(50) == 0 && out.length > 0) {
            out[rng.nextInt(out.length)] = (byte) rng.nextInt(256); // invalid UTF-8 too
        }
        return out;
    }

    @Test
    void seededMutationsOfTheIabExamplesNeverFailWithAnythingButAClientError() throws Exception {
        final List<byte[]> seeds = seeds();
        final BidFixture fixture = BidFixture.demo();
        final BidHandler handler = new BidHandler(fixture.module.newBidder(SEED),
            new BidResponseWriter("http://x", "arbiter"), fixture.clock);
        final SplittableRandom rng = new SplittableRandom(SEED);
        int bids = 0;
        int clientErrors = 0;
        for (int i = 0; i < IN_PROCESS; i++) {
            final byte[] body = mutate(seeds.get(rng.nextInt(seeds.size())), rng);
            try {
                if (handler.bidBody(body) != null) {
                    bids++;
                }
            } catch (ApiException e) {
                assertEquals(400, e.status(), "seed " + SEED + ", case " + i);
                clientErrors++;
            } catch (Throwable t) {
                throw new AssertionError("fuzz seed " + SEED + ", case " + i + ": unexpected " + t + " for body: "
                    + new String(body, StandardCharsets.UTF_8), t);
            }
            fixture.module.maintain(); // cheap; keeps reservations from piling up
            if (i % 1000 == 0) {
                fixture.clock.advance(fixture.module.config().reservationMillis() + 1);
            }
        }
        System.out.printf("fuzz seed %d: %d cases, %d bids, %d client errors%n", SEED, IN_PROCESS, bids,
            clientErrors);
    }

    @Test
    void overHttpMutatedBodiesGetABidANoBidOrAClientError() throws Exception {
        final List<byte[]> seeds = seeds();
        final BidFixture fixture = BidFixture.demo();
        try (HttpHarness http = new HttpHarness(fixture)) {
            final SplittableRandom rng = new SplittableRandom(SEED + 1);
            for (int i = 0; i < OVER_HTTP; i++) {
                final byte[] body = mutate(seeds.get(rng.nextInt(seeds.size())), rng);
                final int status = http.send(io.vertx.core.http.HttpMethod.POST, "/openrtb2/bid",
                    io.vertx.core.buffer.Buffer.buffer(body)).status();
                // A bid, a no-bid or a client error: any other status (a 5xx, a 3xx, a 404) is a defect.
                assertTrue(status == 200 || status == 204 || status == 400, "status " + status + "; fuzz seed "
                    + (SEED + 1) + ", case " + i + ": " + new String(body, StandardCharsets.UTF_8));
            }
        }
    }
}
