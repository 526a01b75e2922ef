package io.arbiter.server.bid.openrtb;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.JsonBodies;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;

import java.util.List;

import static io.arbiter.server.bid.openrtb.JsonCursor.Case.AS_IS;
import static io.arbiter.server.bid.openrtb.JsonCursor.Case.LOWER;
import static io.arbiter.server.bid.openrtb.JsonCursor.Case.UPPER;

/**
 * Reads an OpenRTB 2.5 / 2.6 bid request into a reused {@link BidRequest}, straight from the body's bytes with a
 * {@link JsonCursor}: only the fields the bidder uses are read, everything else (unknown fields, unknown enum values,
 * whole unused objects) is skipped but still checked as JSON. A known field of the wrong JSON type, a missing
 * {@code id}, {@code imp} or {@code imp.id}, or malformed JSON is a 400 naming the field or the byte.
 *
 * <p>It keeps no per-request objects but the strings it returns and matches names as bytes, because this is the bid
 * path's hottest code after the socket (measurements: docs/BENCHMARKS.md). It reads exactly what a Jackson version
 * did (kept in the tests as the reference, with a differential fuzz test), and also refuses invalid UTF-8.
 *
 * <p>Not thread-safe: one per event loop.
 */
public final class BidRequestParser {
    /** More imps than any exchange sends; a request beyond it is refused rather than half-read. */
    public static final int MAX_IMPS = 100;

    private static final JsonCursor.Name ID = new JsonCursor.Name("id");
    private static final JsonCursor.Name IMP = new JsonCursor.Name("imp");
    private static final JsonCursor.Name AT = new JsonCursor.Name("at");
    private static final JsonCursor.Name TMAX = new JsonCursor.Name("tmax");
    private static final JsonCursor.Name TEST = new JsonCursor.Name("test");
    private static final JsonCursor.Name CUR = new JsonCursor.Name("cur");
    private static final JsonCursor.Name BCAT = new JsonCursor.Name("bcat");
    private static final JsonCursor.Name BADV = new JsonCursor.Name("badv");
    private static final JsonCursor.Name WSEAT = new JsonCursor.Name("wseat");
    private static final JsonCursor.Name BSEAT = new JsonCursor.Name("bseat");
    private static final JsonCursor.Name SITE = new JsonCursor.Name("site");
    private static final JsonCursor.Name APP = new JsonCursor.Name("app");
    private static final JsonCursor.Name DEVICE = new JsonCursor.Name("device");
    private static final JsonCursor.Name USER = new JsonCursor.Name("user");
    private static final JsonCursor.Name REGS = new JsonCursor.Name("regs");
    private static final JsonCursor.Name SOURCE = new JsonCursor.Name("source");
    private static final JsonCursor.Name BIDFLOOR = new JsonCursor.Name("bidfloor");
    private static final JsonCursor.Name BIDFLOORCUR = new JsonCursor.Name("bidfloorcur");
    private static final JsonCursor.Name INSTL = new JsonCursor.Name("instl");
    private static final JsonCursor.Name BANNER = new JsonCursor.Name("banner");
    private static final JsonCursor.Name VIDEO = new JsonCursor.Name("video");
    private static final JsonCursor.Name NATIVE = new JsonCursor.Name("native");
    private static final JsonCursor.Name VER = new JsonCursor.Name("ver");
    private static final JsonCursor.Name REQUEST = new JsonCursor.Name("request");
    private static final JsonCursor.Name PMP = new JsonCursor.Name("pmp");
    private static final JsonCursor.Name W = new JsonCursor.Name("w");
    private static final JsonCursor.Name H = new JsonCursor.Name("h");
    private static final JsonCursor.Name BATTR = new JsonCursor.Name("battr");
    private static final JsonCursor.Name FORMAT = new JsonCursor.Name("format");
    private static final JsonCursor.Name PRIVATE_AUCTION = new JsonCursor.Name("private_auction");
    private static final JsonCursor.Name DEALS = new JsonCursor.Name("deals");
    private static final JsonCursor.Name DOMAIN = new JsonCursor.Name("domain");
    private static final JsonCursor.Name BUNDLE = new JsonCursor.Name("bundle");
    private static final JsonCursor.Name PUBLISHER = new JsonCursor.Name("publisher");
    private static final JsonCursor.Name DEVICETYPE = new JsonCursor.Name("devicetype");
    private static final JsonCursor.Name IFA = new JsonCursor.Name("ifa");
    private static final JsonCursor.Name GEO = new JsonCursor.Name("geo");
    private static final JsonCursor.Name COUNTRY = new JsonCursor.Name("country");
    private static final JsonCursor.Name BUYERUID = new JsonCursor.Name("buyeruid");
    private static final JsonCursor.Name CONSENT = new JsonCursor.Name("consent");
    private static final JsonCursor.Name EIDS = new JsonCursor.Name("eids");
    private static final JsonCursor.Name EXT = new JsonCursor.Name("ext");
    private static final JsonCursor.Name GDPR = new JsonCursor.Name("gdpr");
    private static final JsonCursor.Name US_PRIVACY = new JsonCursor.Name("us_privacy");
    private static final JsonCursor.Name COPPA = new JsonCursor.Name("coppa");
    private static final JsonCursor.Name SCHAIN = new JsonCursor.Name("schain");
    private static final JsonCursor.Name COMPLETE = new JsonCursor.Name("complete");

    private final JsonCursor json = new JsonCursor();
    private final NativeRequestReader nativeReader = new NativeRequestReader();

    /** Parses {@code body} into {@code into} (which is reset first). */
    public void parse(byte[] body, BidRequest into) {
        parse(body, 0, body == null ? 0 : body.length, into);
    }

    /** Parses {@code length} bytes of {@code body} from {@code offset} where they lie (no copy) into {@code into}. */
    public void parse(byte[] body, int offset, int length, BidRequest into) {
        into.reset();
        requireBody(body == null ? 0 : length);
        json.reset(body, offset, length);
        parse(into);
    }

    /** Parses a request body where it lies when it is on the heap (as Vert.x hands bodies over), else a copy. */
    public void parse(Buffer body, BidRequest into) {
        final ByteBuf heap = body == null ? null : JsonBodies.heapBytes(body);
        if (heap != null) {
            parse(heap.array(), heap.arrayOffset() + heap.readerIndex(), heap.readableBytes(), into);
        } else {
            parse(body == null ? null : body.getBytes(), into);
        }
    }

    private static void requireBody(int length) {
        if (length == 0) {
            throw new ApiException(400, "request body is empty: expected an OpenRTB bid request");
        }
    }

    private void parse(BidRequest into) {
        final JsonCursor j = json;
        if (!j.beginRootObject()) {
            throw new ApiException(400, "a bid request must be a JSON object");
        }
        boolean sawImp = false;
        while (j.nextField()) {
            if (j.keyIs(ID)) {
                into.id = j.string("id");
            } else if (j.keyIs(IMP)) {
                sawImp = true;
                imps(into);
            } else if (j.keyIs(AT)) {
                into.at = j.integer("at");
            } else if (j.keyIs(TMAX)) {
                into.tmax = j.integer("tmax");
            } else if (j.keyIs(TEST)) {
                into.test = j.integer("test");
            } else if (j.keyIs(CUR)) {
                strings("cur", "cur[]", into.cur, UPPER);
            } else if (j.keyIs(BCAT)) {
                strings("bcat", "bcat[]", into.bcat, AS_IS);
            } else if (j.keyIs(BADV)) {
                strings("badv", "badv[]", into.badv, LOWER);
            } else if (j.keyIs(WSEAT)) {
                strings("wseat", "wseat[]", into.wseat, AS_IS);
            } else if (j.keyIs(BSEAT)) {
                strings("bseat", "bseat[]", into.bseat, AS_IS);
            } else if (j.keyIs(SITE)) {
                site(into);
            } else if (j.keyIs(APP)) {
                app(into);
            } else if (j.keyIs(DEVICE)) {
                device(into);
            } else if (j.keyIs(USER)) {
                user(into);
            } else if (j.keyIs(REGS)) {
                regs(into, false);
            } else if (j.keyIs(SOURCE)) {
                source(into, false);
            } else {
                j.skipValue();
            }
        }
        if (!j.atEnd()) {
            throw new ApiException(400, "unexpected content after the bid request object");
        }
        if (into.id == null || into.id.isEmpty()) {
            throw ApiException.badField("id", "'id' is required");
        }
        if (!sawImp || into.impCount() == 0) {
            throw ApiException.badField("imp", "'imp' must be a non-empty array");
        }
    }

    private void imps(BidRequest into) {
        final JsonCursor j = json;
        j.beginArray("imp", "an array");
        while (j.nextElement()) {
            if (into.impCount() >= MAX_IMPS) {
                throw ApiException.badField("imp", "at most " + MAX_IMPS + " imps per request");
            }
            j.beginObject("imp[]");
            final BidRequest.Imp imp = into.addImp();
            while (j.nextField()) {
                if (j.keyIs(ID)) {
                    imp.id = j.string("imp.id");
                } else if (j.keyIs(BIDFLOOR)) {
                    imp.bidfloor = j.nonNegative("imp.bidfloor");
                } else if (j.keyIs(BIDFLOORCUR)) {
                    imp.bidfloorcur = j.string("imp.bidfloorcur", UPPER);
                } else if (j.keyIs(INSTL)) {
                    imp.instl = j.integer("imp.instl");
                } else if (j.keyIs(BANNER)) {
                    banner(imp);
                } else if (j.keyIs(VIDEO)) {
                    video(imp);
                } else if (j.keyIs(NATIVE)) {
                    nativeImp(imp);
                } else if (j.keyIs(PMP)) {
                    pmp(imp);
                } else {
                    j.skipValue();
                }
            }
            if (imp.id == null || imp.id.isEmpty()) {
                throw ApiException.badField("imp.id", "'imp.id' is required (imp " + (into.impCount() - 1) + ")");
            }
        }
    }

    /**
     * {@code imp.native}: {@code battr}, {@code ver} and the markup request ({@code request}), read once the object
     * is done because {@code ver} may follow it. Native bodies allocate (the request string's bytes); others do not.
     */
    private void nativeImp(BidRequest.Imp imp) {
        final JsonCursor j = json;
        j.beginObject("imp.native");
        imp.hasNative = true;
        String ver = null;
        String text = null;
        int objectFrom = -1;
        int objectTo = -1;
        while (j.nextField()) {
            if (j.keyIs(BATTR)) {
                ints("imp.native.battr", "imp.native.battr[]", imp.nativeBattr);
            } else if (j.keyIs(VER) && j.peek() == '"') {
                ver = j.string("imp.native.ver");
            } else if (j.keyIs(REQUEST) && j.peek() == '"') {
                text = j.string("imp.native.request");
            } else if (j.keyIs(REQUEST) && j.peek() == '{') {
                objectFrom = j.position();
                j.skipValue();
                objectTo = j.position();
            } else {
                j.skipValue();
            }
        }
        if (text != null) {
            nativeReader.readString(text, ver, imp.nativeRequest);
        } else if (objectFrom >= 0) {
            nativeReader.read(j.document(), objectFrom, objectTo - objectFrom, ver, imp.nativeRequest);
        }
    }

    private void banner(BidRequest.Imp imp) {
        final JsonCursor j = json;
        j.beginObject("imp.banner");
        imp.hasBanner = true;
        while (j.nextField()) {
            if (j.keyIs(W)) {
                imp.bannerW = j.integer("imp.banner.w");
            } else if (j.keyIs(H)) {
                imp.bannerH = j.integer("imp.banner.h");
            } else if (j.keyIs(BATTR)) {
                ints("imp.banner.battr", "imp.banner.battr[]", imp.bannerBattr);
            } else if (j.keyIs(FORMAT)) {
                j.beginArray("imp.banner.format", "an array");
                while (j.nextElement()) {
                    j.beginObject("imp.banner.format[]");
                    int w = 0;
                    int h = 0;
                    while (j.nextField()) {
                        if (j.keyIs(W)) {
                            w = j.integer("imp.banner.format.w");
                        } else if (j.keyIs(H)) {
                            h = j.integer("imp.banner.format.h");
                        } else {
                            j.skipValue();
                        }
                    }
                    if (w > 0 && h > 0) {
                        imp.formatW.add(w);
                        imp.formatH.add(h);
                    }
                }
            } else {
                j.skipValue();
            }
        }
    }

    private void video(BidRequest.Imp imp) {
        final JsonCursor j = json;
        j.beginObject("imp.video");
        imp.hasVideo = true;
        while (j.nextField()) {
            if (j.keyIs(W)) {
                imp.videoW = j.integer("imp.video.w");
            } else if (j.keyIs(H)) {
                imp.videoH = j.integer("imp.video.h");
            } else if (j.keyIs(BATTR)) {
                ints("imp.video.battr", "imp.video.battr[]", imp.videoBattr);
            } else {
                j.skipValue();
            }
        }
    }

    private void pmp(BidRequest.Imp imp) {
        final JsonCursor j = json;
        j.beginObject("imp.pmp");
        while (j.nextField()) {
            if (j.keyIs(PRIVATE_AUCTION)) {
                imp.privateAuction = j.integer("imp.pmp.private_auction") == 1;
            } else if (j.keyIs(DEALS)) {
                j.beginArray("imp.pmp.deals", "an array");
                while (j.nextElement()) {
                    j.beginObject("imp.pmp.deals[]");
                    final BidRequest.Deal deal = imp.addDeal();
                    while (j.nextField()) {
                        if (j.keyIs(ID)) {
                            deal.id = j.string("imp.pmp.deals.id");
                        } else if (j.keyIs(BIDFLOOR)) {
                            deal.bidfloor = j.nonNegative("imp.pmp.deals.bidfloor");
                        } else if (j.keyIs(BIDFLOORCUR)) {
                            deal.bidfloorcur = j.string("imp.pmp.deals.bidfloorcur", UPPER);
                        } else if (j.keyIs(AT)) {
                            deal.at = j.integer("imp.pmp.deals.at");
                        } else if (j.keyIs(WSEAT)) {
                            strings("imp.pmp.deals.wseat", "imp.pmp.deals.wseat[]", deal.wseat, AS_IS);
                        } else {
                            j.skipValue();
                        }
                    }
                    if (deal.id == null || deal.id.isEmpty()) {
                        throw ApiException.badField("imp.pmp.deals.id", "'imp.pmp.deals.id' is required");
                    }
                }
            } else {
                j.skipValue();
            }
        }
    }

    private void site(BidRequest into) {
        final JsonCursor j = json;
        j.beginObject("site");
        into.hasSite = true;
        while (j.nextField()) {
            if (j.keyIs(DOMAIN)) {
                into.siteDomain = j.string("site.domain", LOWER);
            } else if (j.keyIs(PUBLISHER)) {
                into.publisherDomain = publisherDomain("site.publisher", "site.publisher.domain");
            } else {
                j.skipValue();
            }
        }
    }

    private void app(BidRequest into) {
        final JsonCursor j = json;
        j.beginObject("app");
        into.hasApp = true;
        while (j.nextField()) {
            if (j.keyIs(BUNDLE)) {
                into.appBundle = j.string("app.bundle", LOWER);
            } else if (j.keyIs(DOMAIN)) {
                into.appDomain = j.string("app.domain", LOWER);
            } else if (j.keyIs(PUBLISHER)) {
                into.publisherDomain = publisherDomain("app.publisher", "app.publisher.domain");
            } else {
                j.skipValue();
            }
        }
    }

    private String publisherDomain(String name, String domainName) {
        final JsonCursor j = json;
        j.beginObject(name);
        String domain = null;
        while (j.nextField()) {
            if (j.keyIs(DOMAIN)) {
                domain = j.string(domainName, LOWER);
            } else {
                j.skipValue();
            }
        }
        return domain;
    }

    private void device(BidRequest into) {
        final JsonCursor j = json;
        j.beginObject("device");
        while (j.nextField()) {
            if (j.keyIs(DEVICETYPE)) {
                into.deviceType = j.integer("device.devicetype");
            } else if (j.keyIs(IFA)) {
                into.ifa = j.string("device.ifa");
            } else if (j.keyIs(GEO)) {
                j.beginObject("device.geo");
                while (j.nextField()) {
                    if (j.keyIs(COUNTRY)) {
                        into.country = j.string("device.geo.country", UPPER);
                    } else {
                        j.skipValue();
                    }
                }
            } else {
                j.skipValue();
            }
        }
    }

    private void user(BidRequest into) {
        final JsonCursor j = json;
        j.beginObject("user");
        String extConsent = null;
        int extEids = -1;
        while (j.nextField()) {
            if (j.keyIs(ID)) {
                into.userId = j.string("user.id");
            } else if (j.keyIs(BUYERUID)) {
                into.buyerUid = j.string("user.buyeruid");
            } else if (j.keyIs(CONSENT)) {
                into.consent = j.string("user.consent");
            } else if (j.keyIs(EIDS)) {
                into.eidCount = j.countElements("user.eids");
            } else if (j.keyIs(EXT)) {
                j.beginObject("user.ext");
                while (j.nextField()) {
                    if (j.keyIs(CONSENT)) {
                        extConsent = j.string("user.ext.consent");
                    } else if (j.keyIs(EIDS)) {
                        extEids = j.countElements("user.ext.eids");
                    } else {
                        j.skipValue();
                    }
                }
            } else {
                j.skipValue();
            }
        }
        if (into.consent == null) {
            into.consent = extConsent;
        }
        if (into.eidCount == 0 && extEids > 0) {
            into.eidCount = extEids;
        }
    }

    /** {@code regs}, or (ext) the 2.5 {@code regs.ext}, whose values give way to the 2.6 ones. */
    private void regs(BidRequest into, boolean ext) {
        final JsonCursor j = json;
        final String name = ext ? "regs.ext" : "regs";
        j.beginObject(name);
        while (j.nextField()) {
            if (j.keyIs(GDPR)) {
                final int gdpr = j.integer(ext ? "regs.ext.gdpr" : "regs.gdpr");
                if (!ext || into.gdpr < 0) {
                    into.gdpr = gdpr;
                }
            } else if (j.keyIs(US_PRIVACY)) {
                final String value = j.string(ext ? "regs.ext.us_privacy" : "regs.us_privacy");
                if (!ext || into.usPrivacy == null) {
                    into.usPrivacy = value;
                }
            } else if (j.keyIs(COPPA)) {
                into.coppa = j.integer(ext ? "regs.ext.coppa" : "regs.coppa");
            } else if (j.keyIs(EXT) && !ext) {
                regs(into, true);
            } else {
                j.skipValue();
            }
        }
    }

    /** {@code source}, or (ext) the 2.5 {@code source.ext}, whose schain gives way to the 2.6 one. */
    private void source(BidRequest into, boolean ext) {
        final JsonCursor j = json;
        j.beginObject(ext ? "source.ext" : "source");
        while (j.nextField()) {
            if (j.keyIs(SCHAIN)) {
                schain(into, ext);
            } else if (j.keyIs(EXT) && !ext) {
                source(into, true);
            } else {
                j.skipValue();
            }
        }
    }

    private void schain(BidRequest into, boolean ext) {
        final JsonCursor j = json;
        j.beginObject(ext ? "source.ext.schain" : "source.schain");
        final boolean keep = !ext || !into.hasSchain;
        into.hasSchain = true;
        while (j.nextField()) {
            if (j.keyIs(COMPLETE) && keep) {
                into.schainComplete = j.integer(ext ? "source.ext.schain.complete" : "source.schain.complete");
            } else {
                j.skipValue();
            }
        }
    }

    // ----------------------------------------------------------------- arrays

    /** An array of strings into {@code into}, in {@code letters}' case. */
    private void strings(String field, String element, List<String> into, JsonCursor.Case letters) {
        final JsonCursor j = json;
        j.beginArray(field, "an array of strings");
        while (j.nextElement()) {
            into.add(j.string(element, letters));
        }
    }

    private void ints(String field, String element, BidRequest.IntList into) {
        final JsonCursor j = json;
        j.beginArray(field, "an array of integers");
        while (j.nextElement()) {
            into.add(j.integer(element));
        }
    }
}
