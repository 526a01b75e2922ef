package io.arbiter.server.bid.openrtb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.JsonBodies;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The reference for {@link BidRequestParser}: the bid path's previous parser, on Jackson's streaming parser, kept
 * unchanged so that {@code BidRequestParserDifferentialTest} can check the byte-level parser reads every request
 * as it did, and {@code BidPathBenchmark} can show what the change bought.
 *
 * <p>Reads an OpenRTB 2.5 / 2.6 bid request into a reused {@link BidRequest} with Jackson's streaming parser: only the
 * fields the bidder uses are read, everything else (unknown fields, unknown enum values, whole unused objects) is
 * skipped. A known field of the wrong JSON type, a missing {@code id}, {@code imp} or {@code imp.id}, or broken
 * JSON is a 400 naming the field. Not thread-safe: one per event loop.
 */
public final class JacksonBidRequestParser {
    /** More imps than any exchange sends; a request beyond it is refused rather than half-read. */
    public static final int MAX_IMPS = 100;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64)
            .maxStringLength(1 << 20).build())
        .build();

    /** Parses {@code body} into {@code into} (which is reset first). */
    public void parse(byte[] body, BidRequest into) throws IOException {
        parse(body, 0, body == null ? 0 : body.length, into);
    }

    /** Parses {@code length} bytes of {@code body} from {@code offset} where they lie (no copy) into {@code into}. */
    public void parse(byte[] body, int offset, int length, BidRequest into) throws IOException {
        into.reset();
        requireBody(body == null ? 0 : length);
        try (JsonParser p = FACTORY.createParser(body, offset, length)) {
            parse(p, into);
        }
    }

    /** Parses a request body where it lies when it is on the heap (see {@link JsonBodies#parser}). */
    public void parse(Buffer body, BidRequest into) throws IOException {
        into.reset();
        requireBody(body == null ? 0 : body.length());
        try (JsonParser p = JsonBodies.parser(FACTORY, body)) {
            parse(p, into);
        }
    }

    private static void requireBody(int length) {
        if (length == 0) {
            throw new ApiException(400, "request body is empty: expected an OpenRTB bid request");
        }
    }

    private void parse(JsonParser p, BidRequest into) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new ApiException(400, "a bid request must be a JSON object");
        }
        boolean sawImp = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "id" -> into.id = string(p, "id");
                case "imp" -> {
                    sawImp = true;
                    imps(p, into);
                }
                case "at" -> into.at = integer(p, "at");
                case "tmax" -> into.tmax = integer(p, "tmax");
                case "test" -> into.test = integer(p, "test");
                case "cur" -> strings(p, "cur", into.cur, true);
                case "bcat" -> strings(p, "bcat", into.bcat, false);
                case "badv" -> lowerStrings(p, "badv", into.badv);
                case "wseat" -> strings(p, "wseat", into.wseat, false);
                case "bseat" -> strings(p, "bseat", into.bseat, false);
                case "site" -> site(p, into);
                case "app" -> app(p, into);
                case "device" -> device(p, into);
                case "user" -> user(p, into);
                case "regs" -> regs(p, into, "regs");
                case "source" -> source(p, into, "source");
                default -> p.skipChildren();
            }
        }
        if (p.nextToken() != null) {
            throw new ApiException(400, "unexpected content after the bid request object");
        }
        if (into.id == null || into.id.isEmpty()) {
            throw ApiException.badField("id", "'id' is required");
        }
        if (!sawImp || into.impCount() == 0) {
            throw ApiException.badField("imp", "'imp' must be a non-empty array");
        }
    }

    private void imps(JsonParser p, BidRequest into) throws IOException {
        expect(p, JsonToken.START_ARRAY, "imp", "an array");
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (into.impCount() >= MAX_IMPS) {
                throw ApiException.badField("imp", "at most " + MAX_IMPS + " imps per request");
            }
            expect(p, JsonToken.START_OBJECT, "imp[]", "an object");
            final BidRequest.Imp imp = into.addImp();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> imp.id = string(p, "imp.id");
                    case "bidfloor" -> imp.bidfloor = nonNegative(p, "imp.bidfloor");
                    case "bidfloorcur" -> imp.bidfloorcur = currency(p, "imp.bidfloorcur");
                    case "instl" -> imp.instl = integer(p, "imp.instl");
                    case "banner" -> banner(p, imp);
                    case "video" -> video(p, imp);
                    case "native" -> {
                        expect(p, JsonToken.START_OBJECT, "imp.native", "an object");
                        imp.hasNative = true;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            final String f = p.currentName();
                            p.nextToken();
                            if (f.equals("battr")) {
                                ints(p, "imp.native.battr", imp.nativeBattr);
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    case "pmp" -> pmp(p, imp);
                    default -> p.skipChildren();
                }
            }
            if (imp.id == null || imp.id.isEmpty()) {
                throw ApiException.badField("imp.id", "'imp.id' is required (imp " + (into.impCount() - 1) + ")");
            }
        }
    }

    private void banner(JsonParser p, BidRequest.Imp imp) throws IOException {
        expect(p, JsonToken.START_OBJECT, "imp.banner", "an object");
        imp.hasBanner = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "w" -> imp.bannerW = integer(p, "imp.banner.w");
                case "h" -> imp.bannerH = integer(p, "imp.banner.h");
                case "battr" -> ints(p, "imp.banner.battr", imp.bannerBattr);
                case "format" -> {
                    expect(p, JsonToken.START_ARRAY, "imp.banner.format", "an array");
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        expect(p, JsonToken.START_OBJECT, "imp.banner.format[]", "an object");
                        int w = 0;
                        int h = 0;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            final String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "w" -> w = integer(p, "imp.banner.format.w");
                                case "h" -> h = integer(p, "imp.banner.format.h");
                                default -> p.skipChildren();
                            }
                        }
                        if (w > 0 && h > 0) {
                            imp.formatW.add(w);
                            imp.formatH.add(h);
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void video(JsonParser p, BidRequest.Imp imp) throws IOException {
        expect(p, JsonToken.START_OBJECT, "imp.video", "an object");
        imp.hasVideo = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "w" -> imp.videoW = integer(p, "imp.video.w");
                case "h" -> imp.videoH = integer(p, "imp.video.h");
                case "battr" -> ints(p, "imp.video.battr", imp.videoBattr);
                default -> p.skipChildren();
            }
        }
    }

    private void pmp(JsonParser p, BidRequest.Imp imp) throws IOException {
        expect(p, JsonToken.START_OBJECT, "imp.pmp", "an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "private_auction" -> imp.privateAuction = integer(p, "imp.pmp.private_auction") == 1;
                case "deals" -> {
                    expect(p, JsonToken.START_ARRAY, "imp.pmp.deals", "an array");
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        expect(p, JsonToken.START_OBJECT, "imp.pmp.deals[]", "an object");
                        final BidRequest.Deal deal = imp.addDeal();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            final String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "id" -> deal.id = string(p, "imp.pmp.deals.id");
                                case "bidfloor" -> deal.bidfloor = nonNegative(p, "imp.pmp.deals.bidfloor");
                                case "bidfloorcur" -> deal.bidfloorcur = currency(p, "imp.pmp.deals.bidfloorcur");
                                case "at" -> deal.at = integer(p, "imp.pmp.deals.at");
                                case "wseat" -> strings(p, "imp.pmp.deals.wseat", deal.wseat, false);
                                default -> p.skipChildren();
                            }
                        }
                        if (deal.id == null || deal.id.isEmpty()) {
                            throw ApiException.badField("imp.pmp.deals.id", "'imp.pmp.deals.id' is required");
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void site(JsonParser p, BidRequest into) throws IOException {
        expect(p, JsonToken.START_OBJECT, "site", "an object");
        into.hasSite = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "domain" -> into.siteDomain = lower(string(p, "site.domain"));
                case "publisher" -> into.publisherDomain = publisherDomain(p, "site.publisher");
                default -> p.skipChildren();
            }
        }
    }

    private void app(JsonParser p, BidRequest into) throws IOException {
        expect(p, JsonToken.START_OBJECT, "app", "an object");
        into.hasApp = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "bundle" -> into.appBundle = lower(string(p, "app.bundle"));
                case "domain" -> into.appDomain = lower(string(p, "app.domain"));
                case "publisher" -> into.publisherDomain = publisherDomain(p, "app.publisher");
                default -> p.skipChildren();
            }
        }
    }

    private String publisherDomain(JsonParser p, String name) throws IOException {
        expect(p, JsonToken.START_OBJECT, name, "an object");
        String domain = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            if (field.equals("domain")) {
                domain = lower(string(p, name + ".domain"));
            } else {
                p.skipChildren();
            }
        }
        return domain;
    }

    private void device(JsonParser p, BidRequest into) throws IOException {
        expect(p, JsonToken.START_OBJECT, "device", "an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "devicetype" -> into.deviceType = integer(p, "device.devicetype");
                case "ifa" -> into.ifa = string(p, "device.ifa");
                case "geo" -> {
                    expect(p, JsonToken.START_OBJECT, "device.geo", "an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        final String f = p.currentName();
                        p.nextToken();
                        if (f.equals("country")) {
                            into.country = string(p, "device.geo.country").toUpperCase(Locale.ROOT);
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void user(JsonParser p, BidRequest into) throws IOException {
        expect(p, JsonToken.START_OBJECT, "user", "an object");
        String extConsent = null;
        int extEids = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "id" -> into.userId = string(p, "user.id");
                case "buyeruid" -> into.buyerUid = string(p, "user.buyeruid");
                case "consent" -> into.consent = string(p, "user.consent");
                case "eids" -> into.eidCount = countArray(p, "user.eids");
                case "ext" -> {
                    expect(p, JsonToken.START_OBJECT, "user.ext", "an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        final String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "consent" -> extConsent = string(p, "user.ext.consent");
                            case "eids" -> extEids = countArray(p, "user.ext.eids");
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (into.consent == null) {
            into.consent = extConsent;
        }
        if (into.eidCount == 0 && extEids > 0) {
            into.eidCount = extEids;
        }
    }

    private void regs(JsonParser p, BidRequest into, String name) throws IOException {
        expect(p, JsonToken.START_OBJECT, name, "an object");
        final boolean ext = name.endsWith(".ext");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "gdpr" -> {
                    final int gdpr = integer(p, name + ".gdpr");
                    if (!ext || into.gdpr < 0) {
                        into.gdpr = gdpr;
                    }
                }
                case "us_privacy" -> {
                    final String value = string(p, name + ".us_privacy");
                    if (!ext || into.usPrivacy == null) {
                        into.usPrivacy = value;
                    }
                }
                case "coppa" -> into.coppa = integer(p, name + ".coppa");
                case "ext" -> {
                    if (ext) {
                        p.skipChildren();
                    } else {
                        regs(p, into, name + ".ext");
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void source(JsonParser p, BidRequest into, String name) throws IOException {
        expect(p, JsonToken.START_OBJECT, name, "an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "schain" -> schain(p, into, name + ".schain");
                case "ext" -> {
                    if (name.endsWith(".ext")) {
                        p.skipChildren();
                    } else {
                        source(p, into, name + ".ext");
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void schain(JsonParser p, BidRequest into, String name) throws IOException {
        expect(p, JsonToken.START_OBJECT, name, "an object");
        final boolean ext = name.contains(".ext.");
        final boolean keep = !ext || !into.hasSchain;
        into.hasSchain = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            if (field.equals("complete") && keep) {
                into.schainComplete = integer(p, name + ".complete");
            } else {
                p.skipChildren();
            }
        }
    }

    // ----------------------------------------------------------------- value readers

    private static void expect(JsonParser p, JsonToken token, String field, String what) {
        if (p.currentToken() != token) {
            throw ApiException.badField(field, "'" + field + "' must be " + what);
        }
    }

    private static String string(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw ApiException.badField(field, "'" + field + "' must be a string");
        }
        return p.getText();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static String currency(JsonParser p, String field) throws IOException {
        return string(p, field).toUpperCase(Locale.ROOT);
    }

    private static int integer(JsonParser p, String field) throws IOException {
        final JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            final long value = p.getLongValue();
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            return (int) p.getDoubleValue();
        }
        throw ApiException.badField(field, "'" + field + "' must be an integer");
    }

    private static double nonNegative(JsonParser p, String field) throws IOException {
        final JsonToken token = p.currentToken();
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            throw ApiException.badField(field, "'" + field + "' must be a number");
        }
        final double value = p.getDoubleValue();
        if (!Double.isFinite(value) || value < 0) {
            throw ApiException.badField(field, "'" + field + "' must be a finite, non-negative number");
        }
        return value;
    }

    private static void strings(JsonParser p, String field, List<String> into, boolean upper) throws IOException {
        expect(p, JsonToken.START_ARRAY, field, "an array of strings");
        while (p.nextToken() != JsonToken.END_ARRAY) {
            final String value = string(p, field + "[]");
            into.add(upper ? value.toUpperCase(Locale.ROOT) : value);
        }
    }

    private static void lowerStrings(JsonParser p, String field, List<String> into) throws IOException {
        expect(p, JsonToken.START_ARRAY, field, "an array of strings");
        while (p.nextToken() != JsonToken.END_ARRAY) {
            into.add(lower(string(p, field + "[]")));
        }
    }

    private static void ints(JsonParser p, String field, BidRequest.IntList into) throws IOException {
        expect(p, JsonToken.START_ARRAY, field, "an array of integers");
        while (p.nextToken() != JsonToken.END_ARRAY) {
            into.add(integer(p, field + "[]"));
        }
    }

    private static int countArray(JsonParser p, String field) throws IOException {
        expect(p, JsonToken.START_ARRAY, field, "an array");
        int count = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
            count++;
        }
        return count;
    }
}
