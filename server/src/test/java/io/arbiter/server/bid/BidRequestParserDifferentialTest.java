package io.arbiter.server.bid;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.bid.openrtb.JacksonBidRequestParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
 * The byte-level {@link BidRequestParser} against the Jackson parser it replaced ({@link JacksonBidRequestParser}),
 * on the IAB examples, on seeded random requests (field order, whitespace, escapes, non-ASCII text, number forms,
 * unknown and duplicate fields, wrong types) and on seeded mutations of both. For every body both must accept and
 * read the same request, or both refuse; the one difference allowed is that the new parser also refuses a body
 * that is not valid UTF-8, which Jackson lets through in places. The new parser refuses only with a 400. The seed is
 * printed on failure ({@code -Dfuzz.seed=...} replays it).
 */
class BidRequestParserDifferentialTest {
    private static final long SEED = Long.getLong("fuzz.seed", 7_2026_11_23L);
    private static final int RANDOM_REQUESTS = 4_000;
    private static final int MUTATIONS = 30_000;

    private final BidRequestParser parser = new BidRequestParser();
    private final JacksonBidRequestParser reference = new JacksonBidRequestParser();
    private final BidRequest mine = new BidRequest();
    private final BidRequest theirs = new BidRequest();
    private int agreedAccepted;
    private int agreedRefused;
    private int refusedAsInvalidUtf8;

    @Test
    void readsEveryRequestAsTheJacksonParserDid() throws Exception {
        final SplittableRandom rng = new SplittableRandom(SEED);
        final List<byte[]> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(BidFixture.iabExamples().resolve("bid-requests"))) {
            for (final Path p : files.sorted().toList()) {
                seeds.add(Files.readAllBytes(p));
            }
        }
        for (final byte[] example : seeds) {
            compare(example, "IAB example");
            assertTrue(describe(mine).contains("imps=1"), "the IAB examples are read: " + describe(mine));
        }
        for (int i = 0; i < RANDOM_REQUESTS; i++) {
            final byte[] body = RandomRequests.next(rng);
            seeds.add(body);
            compare(body, "random request " + i);
        }
        for (int i = 0; i < MUTATIONS; i++) {
            final byte[] seed = seeds.get(rng.nextInt(seeds.size()));
            final byte[] body = rng.nextInt(4) == 0 ? flipBytes(seed, rng) : BidFuzzTest.mutate(seed, rng);
            compare(body, "mutation " + i);
        }
        System.out.printf("differential seed %d: %d read alike, %d refused by both, %d refused only as invalid UTF-8%n",
            SEED, agreedAccepted, agreedRefused, refusedAsInvalidUtf8);
        assertTrue(agreedAccepted > RANDOM_REQUESTS && agreedRefused > MUTATIONS / 4,
            "the inputs exercise both outcomes: " + agreedAccepted + " accepted, " + agreedRefused + " refused");
    }

    private void compare(byte[] body, String what) {
        final String context = "seed " + SEED + ", " + what + ": " + new String(body, StandardCharsets.UTF_8);
        String expected = null;
        try {
            reference.parse(body, theirs);
            expected = describe(theirs);
        } catch (ApiException | IOException refused) {
            // expected stays null
        }
        String actual = null;
        try {
            parser.parse(body, mine);
            actual = describe(mine);
        } catch (ApiException refused) {
            assertEquals(400, refused.status(), context);
            assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), context);
        } catch (RuntimeException other) {
            throw new AssertionError("only 400s may be thrown; " + context, other);
        }
        if (expected != null && actual != null) {
            assertEquals(expected, actual, context);
            agreedAccepted++;
        } else if (expected == null && actual == null) {
            agreedRefused++;
        } else if (expected != null && !validUtf8(body)) {
            refusedAsInvalidUtf8++;
        } else {
            throw new AssertionError((expected == null ? "accepted what Jackson refused" : "refused what Jackson "
                + "accepted") + "; " + context);
        }
    }

    private static boolean validUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** A few bytes set to anything, including control characters and bytes that are not UTF-8. */
    private static byte[] flipBytes(byte[] input, SplittableRandom rng) {
        final byte[] out = input.clone();
        for (int n = 1 + rng.nextInt(3); n > 0 && out.length > 0; n--) {
            out[rng.nextInt(out.length)] = (byte) rng.nextInt(256);
        }
        return out;
    }

    /** Everything the parser reads, in one string (doubles exactly, -0.0 included). */
    static String describe(BidRequest r) {
        final StringBuilder s = new StringBuilder();
        s.append("id=").append(r.id).append(" at=").append(r.at).append(" tmax=").append(r.tmax)
            .append(" test=").append(r.test).append(" cur=").append(r.cur).append(" bcat=").append(r.bcat)
            .append(" badv=").append(r.badv).append(" wseat=").append(r.wseat).append(" bseat=").append(r.bseat)
            .append(" site=").append(r.hasSite).append('/').append(r.siteDomain).append(" pub=").append(
                    r.publisherDomain)
            .append(" app=").append(r.hasApp).append('/').append(r.appBundle).append('/').append(r.appDomain)
            .append(" devicetype=").append(r.deviceType).append(" country=").append(r.country)
            .append(" ifa=").append(r.ifa).append(" user=").append(r.userId).append('/').append(r.buyerUid)
            .append(" gdpr=").append(r.gdpr).append(" coppa=").append(r.coppa).append(" consent=").append(r.consent)
            .append(" usp=").append(r.usPrivacy).append(" eids=").append(r.eidCount)
            .append(" schain=").append(r.hasSchain).append('/').append(r.schainComplete)
            .append(" imps=").append(r.impCount());
        for (int i = 0; i < r.impCount(); i++) {
            final BidRequest.Imp imp = r.imp(i);
            s.append("\n imp id=").append(imp.id).append(" floor=").append(imp.bidfloor).append(' ')
                .append(imp.bidfloorcur).append(" instl=").append(imp.instl)
                .append(" banner=").append(imp.hasBanner).append('/').append(imp.bannerW).append('x').append(
                        imp.bannerH)
                .append(" formats=").append(ints(imp.formatW)).append('x').append(ints(imp.formatH))
                .append(" battr=").append(ints(imp.bannerBattr))
                .append(" video=").append(imp.hasVideo).append('/').append(imp.videoW).append('x').append(imp.videoH)
                .append('/').append(ints(imp.videoBattr))
                .append(" native=").append(imp.hasNative).append('/').append(ints(imp.nativeBattr))
                .append(" private=").append(imp.privateAuction);
            for (int d = 0; d < imp.dealCount(); d++) {
                final BidRequest.Deal deal = imp.deal(d);
                s.append("\n  deal id=").append(deal.id).append(" floor=").append(deal.bidfloor).append(' ')
                    .append(deal.bidfloorcur).append(" at=").append(deal.at).append(" wseat=").append(deal.wseat);
            }
        }
        return s.toString();
    }

    private static String ints(BidRequest.IntList list) {
        final StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            s.append(i == 0 ? "" : ",").append(list.get(i));
        }
        return s.append(']').toString();
    }

    /** Seeded random bid requests: mostly well-formed, in every shape the parser meets. */
    static final class RandomRequests {
        private static final String[] TEXT = {"abc", "News.Example.COM", "caf\u00e9", "\u65e5\u672c", "a\"b",
            "back\\slash", "tab\there", "line\nfeed", "\uD83D\uDE00", "slash/", "", "USD", "eur", "İstanbul",
            "ß", "\u0001ctl", "x".repeat(40)};
        private static final String[] NUMBERS = {"0", "-0", "1", "7", "300", "250", "2147483648", "-2147483649",
            "9223372036854775807", "-9223372036854775808", "0.5", "1.25", "2.0", "0.000001", "1e2", "1E+2",
            "2.5e-3", "-1", "-1.5", "123456789012345678", "1.7976931348623157e308", "4.9e-324", "0.1", "3.14159",
            "12345.678901234567", "99.99"};
        private static final String[] PRICES = {"0", "0.01", "0.5", "1", "1.5", "2.25", "10", "0.123456789",
            "3e-1", "1E1", "99.999999999999999", "0.0"};
        private static final String[] JUNK = {"null", "true", "false", "{}", "[]", "[1,[2,[3]]]",
            "{\"a\":{\"b\":[null,true,{\"c\":\"d\"}]}}", "\"\\u0041\\u00e9\\ud83d\\ude00\"", "-12.5e7", "\"\""};

        static byte[] next(SplittableRandom rng) {
            final List<String> fields = new ArrayList<>();
            fields.add(member(rng, "id", id(rng)));
            final int imps = rng.nextInt(50) == 0 ? 0 : 1 + rng.nextInt(3);
            final List<String> impList = new ArrayList<>();
            for (int i = 0; i < imps; i++) {
                impList.add(imp(rng));
            }
            fields.add(member(rng, "imp", "[" + String.join(",", impList) + "]"));
            maybe(rng, fields, "at", () -> num(rng));
            maybe(rng, fields, "tmax", () -> num(rng));
            maybe(rng, fields, "test", () -> num(rng));
            maybe(rng, fields, "cur", () -> strArray(rng));
            maybe(rng, fields, "bcat", () -> strArray(rng));
            maybe(rng, fields, "badv", () -> strArray(rng));
            maybe(rng, fields, "wseat", () -> strArray(rng));
            maybe(rng, fields, "bseat", () -> strArray(rng));
            maybe(rng, fields, "site", () -> object(rng, "domain", str(rng), "publisher",
                object(rng, "domain", str(rng), "id", str(rng)), "page", str(rng)));
            maybe(rng, fields, "app", () -> object(rng, "bundle", str(rng), "domain", str(rng), "publisher",
                object(rng, "domain", str(rng))));
            maybe(rng, fields, "device", () -> object(rng, "devicetype", num(rng), "ifa", str(rng), "geo",
                object(rng, "country", str(rng), "lat", num(rng)), "ua", str(rng)));
            maybe(rng, fields, "user", () -> object(rng, "id", str(rng), "buyeruid", str(rng), "consent", str(rng),
                "eids", junkArray(rng), "ext", object(rng, "consent", str(rng), "eids", junkArray(rng))));
            maybe(rng, fields, "regs", () -> object(rng, "gdpr", num(rng), "us_privacy", str(rng), "coppa", num(rng),
                "ext", object(rng, "gdpr", num(rng), "us_privacy", str(rng), "ext", junk(rng))));
            maybe(rng, fields, "source", () -> object(rng, "schain", object(rng, "complete", num(rng), "nodes",
                junkArray(rng)), "ext", object(rng, "schain", object(rng, "complete", num(rng)), "ext", junk(rng))));
            maybe(rng, fields, "ext", () -> junk(rng));
            maybe(rng, fields, "unknown_" + rng.nextInt(100), () -> junk(rng));
            if (rng.nextInt(10) == 0) {
                fields.add(fields.get(rng.nextInt(fields.size()))); // a duplicate member
            }
            shuffle(fields, rng);
            final String body = ws(rng) + "{" + String.join("," + ws(rng), fields) + ws(rng) + "}" + ws(rng);
            return ((rng.nextInt(50) == 0 ? "\uFEFF" : "") + body).getBytes(StandardCharsets.UTF_8);
        }

        private static String imp(SplittableRandom rng) {
            final List<String> fields = new ArrayList<>();
            if (rng.nextInt(50) != 0) {
                fields.add(member(rng, "id", id(rng)));
            }
            maybe(rng, fields, "bidfloor", () -> price(rng));
            maybe(rng, fields, "bidfloorcur", () -> str(rng));
            maybe(rng, fields, "instl", () -> num(rng));
            maybe(rng, fields, "banner", () -> object(rng, "w", num(rng), "h", num(rng), "battr", intArray(rng),
                "format", "[" + object(rng, "w", num(rng), "h", num(rng)) + "," + object(rng, "w", num(rng), "h",
                    num(rng), "wratio", num(rng)) + "]", "pos", num(rng)));
            maybe(rng, fields, "video", () -> object(rng, "w", num(rng), "h", num(rng), "battr", intArray(rng),
                "mimes", strArray(rng)));
            maybe(rng, fields, "native", () -> object(rng, "battr", intArray(rng), "request", str(rng)));
            maybe(rng, fields, "pmp", () -> object(rng, "private_auction", num(rng), "deals", "[" + deal(rng) + ","
                + deal(rng) + "]"));
            maybe(rng, fields, "metric", () -> junkArray(rng));
            shuffle(fields, rng);
            return "{" + String.join(",", fields) + "}";
        }

        private static String deal(SplittableRandom rng) {
            final String rest = object(rng, "bidfloor", price(rng), "bidfloorcur", str(rng), "at", num(rng),
                "wseat", strArray(rng));
            final String id = rng.nextInt(50) == 0 ? "" : member(rng, "id", id(rng)) + (rest.indexOf(':') > 0 ? ","
                    : "");
            return "{" + id + rest.substring(1);
        }

        /** A floor: mostly a price, now and then any number (negative ones are refused). */
        private static String price(SplittableRandom rng) {
            return rng.nextInt(20) == 0 ? num(rng) : PRICES[rng.nextInt(PRICES.length)];
        }

        private interface Value {
            String get();
        }

        private static void maybe(SplittableRandom rng, List<String> fields, String name, Value value) {
            if (rng.nextInt(3) != 0) {
                fields.add(member(rng, name, rng.nextInt(300) == 0 ? junk(rng) : value.get())); // rarely a wrong type
            }
        }

        private static String member(SplittableRandom rng, String name, String value) {
            return quote(name, rng) + ws(rng) + ":" + ws(rng) + value;
        }

        private static String object(SplittableRandom rng, String... pairs) {
            final List<String> fields = new ArrayList<>();
            for (int i = 0; i < pairs.length; i += 2) {
                if (rng.nextInt(4) != 0) {
                    fields.add(member(rng, pairs[i], rng.nextInt(300) == 0 ? junk(rng) : pairs[i + 1]));
                }
            }
            shuffle(fields, rng);
            return "{" + ws(rng) + String.join("," + ws(rng), fields) + ws(rng) + "}";
        }

        private static String str(SplittableRandom rng) {
            return quote(TEXT[rng.nextInt(TEXT.length)], rng);
        }

        /** Mostly a usable id; now and then an empty one, which is refused. */
        private static String id(SplittableRandom rng) {
            return rng.nextInt(100) == 0 ? "\"\"" : quote(TEXT[rng.nextInt(TEXT.length - 1)] + rng.nextInt(1000), rng);
        }

        private static String num(SplittableRandom rng) {
            return NUMBERS[rng.nextInt(NUMBERS.length)];
        }

        private static String junk(SplittableRandom rng) {
            return JUNK[rng.nextInt(JUNK.length)];
        }

        private static String strArray(SplittableRandom rng) {
            final List<String> items = new ArrayList<>();
            for (int n = rng.nextInt(4); n > 0; n--) {
                items.add(str(rng));
            }
            return "[" + String.join(",", items) + "]";
        }

        private static String intArray(SplittableRandom rng) {
            final List<String> items = new ArrayList<>();
            for (int n = rng.nextInt(4); n > 0; n--) {
                items.add(num(rng));
            }
            return "[" + String.join("," + ws(rng), items) + "]";
        }

        private static String junkArray(SplittableRandom rng) {
            final List<String> items = new ArrayList<>();
            for (int n = rng.nextInt(4); n > 0; n--) {
                items.add(junk(rng));
            }
            return "[" + String.join(",", items) + "]";
        }

        /** A JSON string for {@code text}, escaped in one of several legal ways. */
        private static String quote(String text, SplittableRandom rng) {
            final StringBuilder s = new StringBuilder("\"");
            for (int i = 0; i < text.length(); i++) {
                final char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    s.append('\\').append(c);
                } else if (c < 0x20) {
                    s.append(c == '\n' ? "\\n" : c == '\t' ? "\\t" : String.format("\\u%04x", (int) c));
                } else if (rng.nextInt(30) == 0) {
                    s.append(String.format(rng.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                } else if (c == '/' && rng.nextBoolean()) {
                    s.append("\\/");
                } else {
                    s.append(c);
                }
            }
            return s.append('"').toString();
        }

        private static String ws(SplittableRandom rng) {
            return switch (rng.nextInt(8)) {
                case 0 -> " ";
                case 1 -> "\n  ";
                case 2 -> "\t";
                case 3 -> "\r\n";
                default -> "";
            };
        }

        private static void shuffle(List<String> list, SplittableRandom rng) {
            for (int i = list.size() - 1; i > 0; i--) {
                final int j = rng.nextInt(i + 1);
                final String t = list.get(i);
                list.set(i, list.get(j));
                list.set(j, t);
            }
        }
    }
}
