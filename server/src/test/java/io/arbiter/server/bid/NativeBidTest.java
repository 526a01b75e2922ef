package io.arbiter.server.bid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Native responses built for the request: the IAB Native 1.2 example requests and seeded random ones (asset sets,
 * required flags, sizes, lengths, versions, string and object forms, the pre-1.1 root). Every bid's {@code adm} must
 * parse as a native response of the request's version whose asset ids are a subset of the request's and include every
 * required one, with sizes, lengths and types as asked and values from the bid's creative; and a bid must be made
 * exactly when some creative can fill every required asset (an independent reference decides that).
 */
class NativeBidTest {
    private static final String LONG_DESC = "Everything for the garden, delivered in two days, with free returns and a "
        + "year of advice from our gardeners.";

    /** Creatives with different assets, so that which of them can fill a request varies. */
    static JsonArray creatives() {
        return new JsonArray()
            .add(creative("full", new JsonObject()
                .put("title", "Spring sale: 30% off")
                .put("images", new JsonArray()
                    .add(image(3, 1200, 627)).add(image(1, 80, 80)))
                .put("data", new JsonArray()
                    .add(new JsonObject().put("type", 1).put("value", "Shop Example"))
                    .add(new JsonObject().put("type", 2).put("value", LONG_DESC)))
                .put("video", new JsonObject().put("vasttag", "<VAST version=\"3.0\"><Ad><InLine><Creatives>"
                    + "<Creative><Linear><VideoClicks><ClickThrough>{{CLICK_URL}}</ClickThrough></VideoClicks>"
                    + "</Linear></Creative></Creatives></InLine></Ad></VAST>").put("duration", 20)
                    .put("mime", "video/mp4"))
                .put("link", "https://shop.example/spring")
                .put("imptrackers", new JsonArray().add("https://tracker.example/i?a=${AUCTION_PRICE}"))
                .put("impressionPixel", true)))
            .add(creative("wordy", new JsonObject()
                .put("title", "An unusually long headline that only the roomiest native placements can take in full")
                .put("images", new JsonArray().add(image(3, 836, 627)))
                .put("data", new JsonArray().add(new JsonObject().put("type", 3).put("value", "4.5")))))
            .add(creative("pictures", new JsonObject()
                .put("images", new JsonArray().add(image(3, 600, 314)).add(image(1, 50, 50)))
                .put("data", new JsonArray().add(new JsonObject().put("type", 1).put("value", "B")))
                .put("link", "https://pictures.example/")));
    }

    private static JsonObject image(int type, int w, int h) {
        return new JsonObject().put("type", type).put("url", "https://cdn.example/" + type + "-" + w + "x" + h
            + ".png").put("w", w).put("h", h);
    }

    private static JsonObject creative(String id, JsonObject nativeAd) {
        return new JsonObject().put("id", id).put("native", nativeAd).put("adomain", new JsonArray().add(
            "shop.example")).put("cat", new JsonArray().add("IAB22")).put("attr", new JsonArray());
    }

    static JsonObject campaign(JsonArray creatives) {
        return new JsonObject().put("id", "natives").put("budget", new JsonObject().put("daily", 100_000))
            .put("goal", new JsonObject().put("type", "click").put("value", 1.0)).put("maxCpm", 20)
            .put("ctrPrior", new JsonObject().put("alpha", 5000).put("beta", 995000))
            .put("creatives", creatives);
    }

    private static BidFixture fixture(JsonArray creatives) {
        return new BidFixture(new JsonObject(), new JsonArray().add(campaign(creatives)));
    }

    /** A bid request with one native imp carrying {@code nativeRequest} as a string or as an object. */
    static String bidRequest(JsonObject nativeRequest, boolean asString, String outerVer) {
        final JsonObject nativeImp = new JsonObject().put("request", asString ? nativeRequest.encode() : nativeRequest);
        if (outerVer != null) {
            nativeImp.put("ver", outerVer);
        }
        return new JsonObject().put("id", "r1")
            .put("imp", new JsonArray().add(new JsonObject().put("id", "1").put("native", nativeImp)))
            .put("site", new JsonObject().put("domain", "news.example")).encode();
    }

    @Test
    void everyIabExampleGetsAResponseThatMatchesItsAssetsInBothForms() {
        final BidFixture f = fixture(creatives());
        final Bidder bidder = f.module.newBidder(1);
        final Path dir = BidFixture.iabExamples().resolveSibling("iab-native-examples");
        for (final String name : List.of("social-clickout", "content-video", "third-party", "issue-main-image")) {
            final JsonObject nativeRequest = new JsonObject(BidFixture.read(dir.resolve(name + ".json")));
            for (final boolean asString : new boolean[] {true, false}) {
                final String request = bidRequest(nativeRequest, asString, "1.2");
                final String response = f.bid(bidder, request);
                assertNotNull(response, name + " (string form " + asString + ") must get a bid");
                final JsonObject bid = ResponseChecks.onlyBid(new JsonObject(response));
                ResponseChecks.assertValidResponse(new JsonObject(request), new JsonObject(response));
                assertEquals(4, bid.getInteger("mtype"), name);
                assertNull(bid.getValue("w"), "a native bid has no size");
                assertMatches(nativeRequest, bid, creatives(), name);
            }
        }
    }

    @Test
    void theIssuesTwoRequiredAssetsAreBothAnsweredWithTheRequestsIds() {
        final BidFixture f = fixture(creatives());
        final Bidder bidder = f.module.newBidder(2);
        final JsonObject nativeRequest = new JsonObject(BidFixture.read(BidFixture.iabExamples()
            .resolveSibling("iab-native-examples").resolve("issue-main-image.json")));
        final JsonObject bid = ResponseChecks.onlyBid(new JsonObject(f.bid(bidder, bidRequest(nativeRequest, true,
            null))));
        assertEquals("full", bid.getString("crid"), "only one creative has a 1200x627 main image");
        final JsonObject adm = new JsonObject(bid.getString("adm"));
        assertEquals("1.2", adm.getString("ver"));
        final JsonArray assets = adm.getJsonArray("assets");
        assertEquals(2, assets.size());
        assertEquals(1, assets.getJsonObject(0).getInteger("id"));
        assertEquals("Spring sale: 30% off", assets.getJsonObject(0).getJsonObject("title").getString("text"));
        assertEquals(2, assets.getJsonObject(1).getInteger("id"));
        assertEquals(1200, assets.getJsonObject(1).getJsonObject("img").getInteger("w"));
        final JsonObject link = adm.getJsonObject("link");
        assertEquals("https://shop.example/spring", link.getString("url"));
        assertTrue(link.getJsonArray("clicktrackers").getString(0).contains("/rtb/click?t=n3."), link.encode());
        final JsonArray trackers = adm.getJsonArray("eventtrackers");
        assertEquals(2, trackers.size(), "our render pixel and the creative's tracker");
        assertTrue(trackers.getJsonObject(0).getString("url").contains("/rtb/imp?t=n3."));
        assertTrue(trackers.getJsonObject(0).getString("url").endsWith("&p=${AUCTION_PRICE}"), "price macro kept");
        assertEquals("https://tracker.example/i?a=${AUCTION_PRICE}", trackers.getJsonObject(1).getString("url"),
            "OpenRTB macros in the creative pass through untouched");
        assertNull(adm.getValue("imptrackers"), "1.2 with eventtrackers: no deprecated imptrackers");
    }

    @Test
    void aCreativeThatCannotFillARequiredAssetIsNotBid() {
        final BidFixture f = fixture(new JsonArray().add(creatives().getJsonObject(1))); // no icon, no brand
        final Bidder bidder = f.module.newBidder(3);
        final JsonObject social = new JsonObject(BidFixture.read(BidFixture.iabExamples()
            .resolveSibling("iab-native-examples").resolve("social-clickout.json")));
        assertNull(f.bid(bidder, bidRequest(social, true, null)), "required icon and sponsored data missing: 204");
        final JsonObject titleOnly = new JsonObject().put("ver", "1.2").put("assets", new JsonArray()
            .add(new JsonObject().put("id", 5).put("required", 1).put("title", new JsonObject().put("len", 25))));
        assertNull(f.bid(bidder, bidRequest(titleOnly, true, null)), "the title is longer than 25");
        titleOnly.getJsonArray("assets").getJsonObject(0).getJsonObject("title").put("len", 140);
        assertNotNull(f.bid(bidder, bidRequest(titleOnly, true, null)));
    }

    @Test
    void anUnreadableNativeRequestIsNotBidButTheRequestIsNoError() {
        final BidFixture f = fixture(creatives());
        final Bidder bidder = f.module.newBidder(4);
        for (final String bad : new String[] {"\"not json\"", "\"{\\\"assets\\\":7}\"", "\"{\\\"assets\\\":[]}\"",
            "{\"assets\":[{\"id\":\"x\",\"title\":{\"len\":9}}]}", "17"}) {
            final String body = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"native\":{\"request\":" + bad + "}}]}";
            assertNull(f.bid(bidder, body), bad);
        }
    }

    @Test
    void oldVersionsAndThePre11RootAreAnsweredInTheirOwnShape() {
        final BidFixture f = fixture(creatives());
        final Bidder bidder = f.module.newBidder(5);
        final JsonObject inner = new JsonObject().put("ver", "1").put("assets", new JsonArray()
            .add(new JsonObject().put("id", 9).put("required", 1).put("title", new JsonObject().put("len", 90))));
        final JsonObject adm10 = adm(f.bid(bidder, bidRequest(new JsonObject().put("native", inner), true, "1.0")));
        assertEquals("1", adm10.getJsonObject("native").getString("ver"));
        assertEquals(9, adm10.getJsonObject("native").getJsonArray("assets").getJsonObject(0).getInteger("id"));
        final JsonObject adm11 = adm(f.bid(bidder, bidRequest(inner.copy().put("ver", "1.1"), false, null)));
        assertEquals("1.1", adm11.getString("ver"));
        assertNull(adm11.getValue("native"));
    }

    @Test
    void fixedNativeMarkupOfTheEarlierShapeIsConvertedOrRefusedNamingTheField() {
        final JsonObject legacy = new JsonObject().put("id", "old").put("native", true).put("markup",
            "{\"native\":{\"ver\":\"1.2\",\"assets\":[{\"id\":1,\"title\":{\"text\":\"Today's headlines\"}},"
            + "{\"id\":2,\"img\":{\"url\":\"https://cdn.example/m.jpg\",\"w\":1200,\"h\":627}}],"
            + "\"link\":{\"url\":\"{{CLICK_URL}}\"}}}").put("adomain", new JsonArray().add("news.example"));
        final JsonObject definition = campaign(new JsonArray().add(legacy));
        assertTrue(io.arbiter.server.bid.campaign.CampaignSpec.legacyNative(definition));
        final io.arbiter.server.bid.campaign.NativeAd converted = io.arbiter.server.bid.campaign.CampaignSpec
            .fromJson("old", definition, io.arbiter.server.bid.pricing.ExchangeRates.fromJson("USD",
                new JsonObject())).creatives().get(0).nativeAd();
        assertEquals("Today's headlines", converted.title());
        assertEquals(3, converted.images()[0].type(), "an untyped image is taken as the main image");
        assertNull(converted.link(), "the click URL placeholder is not a landing page");
        legacy.put("markup", "<div>not a native response</div>");
        final io.arbiter.server.api.ApiException refused = org.junit.jupiter.api.Assertions.assertThrows(
            io.arbiter.server.api.ApiException.class, () -> io.arbiter.server.bid.campaign.CampaignSpec.fromJson(
                "old", definition, io.arbiter.server.bid.pricing.ExchangeRates.fromJson("USD", new JsonObject())));
        assertEquals(400, refused.status());
        assertEquals("creatives[0].native", refused.field());
        assertTrue(refused.getMessage().contains("declare the assets"), refused.getMessage());
    }

    private static JsonObject adm(String response) {
        assertNotNull(response);
        return new JsonObject(ResponseChecks.onlyBid(new JsonObject(response)).getString("adm"));
    }

    @Test
    void seededRandomNativeRequestsAreAnsweredExactlyWhenACreativeCanFillThem() {
        final long seed = Long.getLong("native.seed", 19L);
        final SplittableRandom random = new SplittableRandom(seed);
        final JsonArray creatives = creatives();
        final BidFixture f = fixture(creatives);
        final Bidder bidder = f.module.newBidder(seed);
        int bids = 0;
        int noBids = 0;
        for (int i = 0; i < 3000; i++) {
            final JsonObject nativeRequest = randomRequest(random);
            final boolean wrap = nativeRequest.getString("ver", "").startsWith("1.0") && random.nextBoolean();
            final JsonObject sent = wrap ? new JsonObject().put("native", nativeRequest) : nativeRequest;
            final String body = bidRequest(sent, random.nextBoolean(), random.nextInt(4) == 0 ? "1.2" : null);
            final String what = "seed " + seed + ", request " + i + ": " + body;
            try {
                final String response = f.bid(bidder, body);
                final boolean fillable = anyCreativeFills(nativeRequest, creatives);
                assertEquals(fillable, response != null, what + " -> " + response);
                if (response != null) {
                    bids++;
                    final JsonObject bid = ResponseChecks.onlyBid(new JsonObject(response));
                    assertMatches(sent, bid, creatives, what);
                } else {
                    noBids++;
                }
            } catch (AssertionError | RuntimeException e) {
                fail(what + ": " + e.getMessage(), e);
            }
        }
        assertTrue(bids > 500 && noBids > 500, "both outcomes are exercised (seed " + seed + "): " + bids + " bids, "
            + noBids + " no-bids");
    }

    private static final int[][] SIZES = {{1200, 627}, {836, 627}, {600, 314}, {80, 80}, {50, 50}, {300, 250}};

    private static JsonObject randomRequest(SplittableRandom random) {
        final JsonObject request = new JsonObject();
        final String[] versions = {"1.0", "1", "1.1", "1.2", null};
        final String ver = versions[random.nextInt(versions.length)];
        if (ver != null) {
            request.put("ver", ver);
        }
        final JsonArray assets = new JsonArray();
        final Set<Integer> ids = new HashSet<>();
        final int count = 1 + random.nextInt(6);
        for (int a = 0; a < count; a++) {
            int id;
            do {
                id = random.nextInt(500);
            } while (!ids.add(id));
            final JsonObject asset = new JsonObject().put("id", id);
            if (random.nextInt(3) > 0) {
                asset.put("required", random.nextInt(3) == 0 ? 0 : 1);
            }
            switch (random.nextInt(5)) {
                case 0 -> asset.put("title", lengthOnly(random, new int[] {10, 25, 90, 140}));
                case 1, 2 -> asset.put("img", randomImage(random));
                case 3 -> {
                    final JsonObject data = lengthOnly(random, new int[] {3, 5, 25, 140});
                    asset.put("data", data.put("type", 1 + random.nextInt(4)));
                }
                default -> {
                    final JsonObject video = new JsonObject().put("mimes", new JsonArray().add(random.nextBoolean()
                        ? "video/mp4" : "video/webm"));
                    if (random.nextBoolean()) {
                        video.put("minduration", 5 + random.nextInt(20)).put("maxduration", 15 + random.nextInt(30));
                    }
                    asset.put("video", video);
                }
            }
            assets.add(asset);
        }
        request.put("assets", assets);
        switch (random.nextInt(4)) {
            case 0 -> request.put("eventtrackers", new JsonArray().add(new JsonObject().put("event", 1)
                .put("methods", new JsonArray().add(1).add(2))));
            case 1 -> request.put("eventtrackers", new JsonArray().add(new JsonObject().put("event", 1)
                .put("methods", new JsonArray().add(2))));
            default -> {
            }
        }
        return request;
    }

    private static JsonObject lengthOnly(SplittableRandom random, int[] lengths) {
        final JsonObject o = new JsonObject();
        if (random.nextInt(4) > 0) {
            o.put("len", lengths[random.nextInt(lengths.length)]);
        }
        return o;
    }

    private static JsonObject randomImage(SplittableRandom random) {
        final JsonObject img = new JsonObject();
        if (random.nextInt(4) > 0) {
            img.put("type", random.nextBoolean() ? 1 : 3);
        }
        final int[] size = SIZES[random.nextInt(SIZES.length)];
        switch (random.nextInt(3)) {
            case 0 -> img.put("w", size[0]).put("h", size[1]);
            case 1 -> img.put("wmin", size[0] * (50 + random.nextInt(70)) / 100)
                .put("hmin", size[1] * (50 + random.nextInt(70)) / 100);
            default -> {
            }
        }
        return img;
    }

    // ----------------------------------------------------------------- the reference and the checks

    /** Whether some creative can fill every required asset (and at least one asset): the reference decision. */
    static boolean anyCreativeFills(JsonObject nativeRequest, JsonArray creatives) {
        for (int c = 0; c < creatives.size(); c++) {
            final JsonObject ad = creatives.getJsonObject(c).getJsonObject("native");
            boolean ok = true;
            int filled = 0;
            for (final Object raw : nativeRequest.getJsonArray("assets")) {
                final JsonObject asset = (JsonObject) raw;
                final boolean can = !candidates(asset, ad).isEmpty();
                filled += can ? 1 : 0;
                ok &= can || asset.getInteger("required", 0) != 1;
            }
            if (ok && filled > 0) {
                return true;
            }
        }
        return false;
    }

    /** What of {@code ad} may fill {@code asset}, as JSON values (title text, image, data, video). */
    private static List<Object> candidates(JsonObject asset, JsonObject ad) {
        final List<Object> out = new ArrayList<>();
        if (asset.containsKey("title")) {
            final int len = asset.getJsonObject("title").getInteger("len", 0);
            if (ad.getString("title") != null && (len == 0 || ad.getString("title").length() <= len)) {
                out.add(ad.getString("title"));
            }
        } else if (asset.containsKey("img")) {
            for (final Object raw : ad.getJsonArray("images", new JsonArray())) {
                if (imageFits(asset.getJsonObject("img"), (JsonObject) raw)) {
                    out.add(raw);
                }
            }
        } else if (asset.containsKey("data")) {
            final JsonObject want = asset.getJsonObject("data");
            for (final Object raw : ad.getJsonArray("data", new JsonArray())) {
                final JsonObject d = (JsonObject) raw;
                final int len = want.getInteger("len", 0);
                if (d.getInteger("type").equals(want.getInteger("type"))
                    && (len == 0 || d.getString("value").length() <= len)) {
                    out.add(d);
                }
            }
        } else if (asset.containsKey("video") && ad.getJsonObject("video") != null) {
            final JsonObject want = asset.getJsonObject("video");
            final JsonObject have = ad.getJsonObject("video");
            final int duration = have.getInteger("duration", 0);
            final boolean durationOk = !want.containsKey("minduration") || (duration >= want.getInteger("minduration")
                && duration <= want.getInteger("maxduration"));
            if (durationOk && want.getJsonArray("mimes").contains(have.getString("mime"))) {
                out.add(have);
            }
        }
        return out;
    }

    private static boolean imageFits(JsonObject want, JsonObject image) {
        if (want.containsKey("type") && !want.getInteger("type").equals(image.getInteger("type"))) {
            return false;
        }
        if (want.containsKey("wmin")) {
            return image.getInteger("w") >= want.getInteger("wmin") && image.getInteger("h") >= want.getInteger("hmin");
        }
        if (want.containsKey("w")) {
            return image.getInteger("w").equals(want.getInteger("w")) && image.getInteger("h").equals(want.getInteger(
                "h"));
        }
        return true;
    }

    /**
     * The bid's adm is a native response of the request's version (rooted under "native" for 1.0 or a rooted
     * request), its asset ids unique, a subset of the request's including every required one, each filled as asked
     * with a value of the bid's creative; link present; trackers only where the request allows them.
     */
    static void assertMatches(JsonObject sent, JsonObject bid, JsonArray creatives, String what) {
        final boolean rooted = sent.getValue("native") instanceof JsonObject;
        final JsonObject request = rooted ? sent.getJsonObject("native") : sent;
        final String ver = request.getString("ver", rooted ? "1.0" : "1.2");
        final boolean v10 = ver.equals("1") || ver.startsWith("1.0");
        final JsonObject parsed = new JsonObject(bid.getString("adm"));
        final JsonObject adm = rooted || v10 ? parsed.getJsonObject("native") : parsed;
        assertNotNull(adm, what + ": response root");
        assertEquals(ver, adm.getString("ver"), what + ": version echoed");
        JsonObject ad = null;
        for (int c = 0; c < creatives.size(); c++) {
            if (creatives.getJsonObject(c).getString("id").equals(bid.getString("crid"))) {
                ad = creatives.getJsonObject(c).getJsonObject("native");
            }
        }
        assertNotNull(ad, what + ": crid names a creative");
        final Map<Integer, JsonObject> asked = new HashMap<>();
        for (final Object raw : request.getJsonArray("assets")) {
            asked.put(((JsonObject) raw).getInteger("id"), (JsonObject) raw);
        }
        final Set<Integer> answered = new HashSet<>();
        for (final Object raw : adm.getJsonArray("assets")) {
            final JsonObject asset = (JsonObject) raw;
            final int id = asset.getInteger("id");
            assertTrue(answered.add(id), what + ": asset id " + id + " answered once");
            final JsonObject want = asked.get(id);
            assertNotNull(want, what + ": asset id " + id + " was asked for");
            assertFilledAsAsked(want, asset, ad, what + ", asset " + id);
        }
        for (final JsonObject want : asked.values()) {
            if (want.getInteger("required", 0) == 1) {
                assertTrue(answered.contains(want.getInteger("id")), what + ": required asset "
                    + want.getInteger("id"));
            }
        }
        assertFalse(answered.isEmpty(), what + ": some asset");
        final JsonObject link = adm.getJsonObject("link");
        assertNotNull(link, what + ": link");
        final String click = link.getString("url").contains("/rtb/click?t=") ? link.getString("url")
            : link.getJsonArray("clicktrackers").getString(0);
        assertTrue(click.contains("/rtb/click?t=n3."), what + ": the click URL is in the link");
        final boolean v12 = !v10 && !ver.startsWith("1.1");
        final JsonArray requestTrackers = request.getJsonArray("eventtrackers");
        if (v12 && requestTrackers != null) {
            assertNull(adm.getValue("imptrackers"), what + ": no imptrackers where eventtrackers are listed");
            final JsonArray trackers = adm.getJsonArray("eventtrackers", new JsonArray());
            for (final Object raw : trackers) {
                final JsonObject t = (JsonObject) raw;
                assertEquals(1, t.getInteger("event"), what);
                assertEquals(1, t.getInteger("method"), what);
                assertTrue(requestTrackers.encode().contains("\"methods\":[1"), what + ": image trackers allowed");
            }
        } else {
            assertNull(adm.getValue("eventtrackers"), what + ": eventtrackers only where the request lists them");
        }
    }

    private static void assertFilledAsAsked(JsonObject want, JsonObject asset, JsonObject ad, String what) {
        final List<Object> allowed = candidates(want, ad);
        if (want.containsKey("title")) {
            assertTrue(allowed.contains(asset.getJsonObject("title").getString("text")), what + ": title");
        } else if (want.containsKey("img")) {
            final JsonObject img = asset.getJsonObject("img");
            boolean found = false;
            for (final Object o : allowed) {
                final JsonObject i = (JsonObject) o;
                found |= i.getString("url").equals(img.getString("url")) && i.getInteger("w").equals(img.getInteger(
                    "w")) && i.getInteger("h").equals(img.getInteger("h"));
            }
            assertTrue(found, what + ": image " + img.encode() + " fits " + want.encode());
        } else if (want.containsKey("data")) {
            boolean found = false;
            for (final Object o : allowed) {
                found |= ((JsonObject) o).getString("value").equals(asset.getJsonObject("data").getString("value"));
            }
            assertTrue(found, what + ": data " + asset.encode() + " fits " + want.encode());
        } else if (want.containsKey("video")) {
            assertFalse(allowed.isEmpty(), what + ": video allowed");
            assertTrue(asset.getJsonObject("video").getString("vasttag").contains("/rtb/click?t=n3."), what
                + ": the VAST's click URL is filled");
        } else {
            fail(what + ": an asset of an unknown kind was answered");
        }
    }
}
