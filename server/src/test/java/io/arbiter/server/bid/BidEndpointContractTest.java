package io.arbiter.server.bid;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract tests of POST /openrtb2/bid over real HTTP against the demo campaigns of config/server.json (bid module
 * only: no Postgres, no full application; the outcome log is an in-memory double).
 */
class BidEndpointContractTest {
    private static BidFixture fixture;
    private static HttpHarness http;

    @BeforeAll
    static void start() {
        fixture = BidFixture.demo();
        http = new HttpHarness(fixture);
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    static List<Path> examples() throws java.io.IOException {
        try (Stream<Path> files = Files.list(BidFixture.iabExamples().resolve("bid-requests"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void everyIabExampleRequestGetsAValidBidOr204FromTheDemoCampaigns() throws Exception {
        // What the demo campaigns should do with each example, and why.
        final Map<String, Integer> expected = Map.of(
            "simple-banner.json", 200,    // 300x250 banner, open auction: spring-sale / car-video banners
            "mobile-app.json", 200,       // 728x90 in an app, bcat/badv/battr do not hit spring-leader
            "video.json", 200,            // 640x480 video: car-video's VAST creative (battr 13, 14 spare attr 1)
            "pmp-direct-deal.json", 204); // private auction; both deals are for other seats (Agency1, Agency2)
        final List<Path> files = examples();
        assertEquals(4, files.size(), "the four IAB example requests");
        for (final Path file : files) {
            final String body = Files.readString(file);
            final String name = file.getFileName().toString();
            final Answered answered = expected.get(name) == 200 ? bidUntilAnswered(body)
                : new Answered(new JsonObject(body), http.bid(body, "Content-Type", "application/json"));
            final HttpHarness.Response response = answered.response();
            assertEquals(expected.get(name), response.status(), name + ": " + response.body());
            assertEquals("2.6", response.headers().get("x-openrtb-version"), name);
            if (response.status() == 200) {
                ResponseChecks.assertValidResponse(answered.request(), response.body().toJsonObject());
            } else {
                assertEquals(0, response.body().length(), name + ": a 204 has no body");
            }
        }
    }

    /**
     * The value is priced from a sampled click rate, so a bid whose draw falls below the floor is a correct no-bid
     * (about 1 in 10 for the mobile campaign's Beta(1, 200) prior against a 0.5 floor). Tests that need a bid retry
     * with fresh request ids; 20 no-bids in a row would take a probability near 1e-20.
     */
    private static Answered bidUntilAnswered(String body) throws Exception {
        Answered answered = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            final JsonObject request = new JsonObject(body);
            request.put("id", request.getString("id") + "-" + attempt);
            answered = new Answered(request, http.bid(request.encode(), "Content-Type", "application/json"));
            if (answered.response().status() != 204) {
                return answered;
            }
        }
        return answered;
    }

    private record Answered(JsonObject request, HttpHarness.Response response) {
    }

    @Test
    void theVideoExampleIsAnsweredWithTheVastCreativeAsMtype2() throws Exception {
        final String body = Files.readString(BidFixture.iabExamples().resolve("bid-requests/video.json"));
        final JsonObject bid = ResponseChecks.onlyBid(http.bid(body).body().toJsonObject());
        assertEquals(2, bid.getInteger("mtype"));
        assertEquals("car-spot-30s", bid.getString("crid"));
        assertTrue(bid.getString("adm").startsWith("<VAST"));
        assertTrue(bid.getString("adm").contains("/rtb/click?t=n3."), "click URL filled into the markup");
    }

    @Test
    void theMobileExampleRespectsItsBlocksAndFloor() throws Exception {
        final String body = Files.readString(BidFixture.iabExamples().resolve("bid-requests/mobile-app.json"));
        final JsonObject bid = ResponseChecks.onlyBid(bidUntilAnswered(body).response().body().toJsonObject());
        assertEquals("spring-leader", bid.getString("crid"));
        assertEquals(728, bid.getInteger("w"));
        assertTrue(bid.getDouble("price") >= 0.5, "imp.bidfloor 0.5");
    }

    @Test
    void versionHeaderEchoes25WhenTheExchangeSpeaks25() throws Exception {
        final String body = Files.readString(BidFixture.iabExamples().resolve("bid-requests/simple-banner.json"));
        assertEquals("2.5", http.bid(body, "x-openrtb-version", "2.5").headers().get("x-openrtb-version"));
    }

    @Test
    void gzipRequestBodyIsAcceptedAndTheResponseIsGzippedWhenAsked() throws Exception {
        final String body = Files.readString(BidFixture.iabExamples().resolve("bid-requests/simple-banner.json"));
        final ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(body.getBytes(StandardCharsets.UTF_8));
        }
        final HttpHarness.Response response = http.send(HttpMethod.POST, "/openrtb2/bid",
            Buffer.buffer(zipped.toByteArray()), "Content-Type", "application/json", "Content-Encoding", "gzip",
            "Accept-Encoding", "gzip");
        assertEquals(200, response.status());
        assertEquals("gzip", response.headers().get("Content-Encoding"));
        final byte[] plain;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body().getBytes()))) {
            plain = in.readAllBytes();
        }
        ResponseChecks.assertValidResponse(new JsonObject(body),
            new JsonObject(new String(plain, StandardCharsets.UTF_8)));
    }

    @Test
    void malformedOrIncompleteRequestsGet400WithAReason() {
        assertBadRequest("{\"id\":\"1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}", null);
        assertBadRequest("not json", null);
        assertBadRequest("", null);
        assertBadRequest("[]", null);
        assertBadRequest("{\"imp\":[{\"id\":\"1\",\"banner\":{}}]}", "id");
        assertBadRequest("{\"id\":\"r1\"}", "imp");
        assertBadRequest("{\"id\":\"r1\",\"imp\":[]}", "imp");
        assertBadRequest("{\"id\":\"r1\",\"imp\":[{\"banner\":{\"w\":300,\"h\":250}}]}", "imp.id");
        assertBadRequest("{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"bidfloor\":\"cheap\"}]}", "imp.bidfloor");
        assertBadRequest("{\"id\":7,\"imp\":[{\"id\":\"1\"}]}", "id");
    }

    private static void assertBadRequest(String body, String field) {
        final HttpHarness.Response response = http.bid(body, "Content-Type", "application/json");
        assertEquals(400, response.status(), body);
        final JsonObject error = response.body().toJsonObject();
        assertTrue(error.getString("error") != null && !error.getString("error").isEmpty(), body);
        if (field != null) {
            assertEquals(field, error.getString("field"), body);
        }
    }

    @Test
    void unknownFieldsAndEnumValuesAreIgnored() {
        final String body = "{\"id\":\"u1\",\"at\":2,\"future\":{\"x\":[1,{\"y\":null}]},\"imp\":[{\"id\":\"1\","
            + "\"rwdd\":1,\"banner\":{\"w\":300,\"h\":250,\"pos\":99,\"btype\":[77],\"newthing\":\"z\"},"
            + "\"metric\":[{\"type\":\"viewability\",\"value\":0.8}]}],\"site\":{\"domain\":\"a.example\","
            + "\"cattax\":9},\"device\":{\"devicetype\":42,\"sua\":{\"browsers\":[]}},\"ext\":{\"prebid\":{}}}";
        final HttpHarness.Response response = http.bid(body);
        assertEquals(200, response.status(), response.body().toString());
        ResponseChecks.assertValidResponse(new JsonObject(body), response.body().toJsonObject());
    }

    @Test
    void multiImpRequestsGetAtMostOneBidPerImp() {
        final String body = "{\"id\":\"m1\",\"imp\":[{\"id\":\"a\",\"banner\":{\"w\":300,\"h\":250}},"
            + "{\"id\":\"b\",\"banner\":{\"format\":[{\"w\":728,\"h\":90}]}},"
            + "{\"id\":\"c\",\"banner\":{\"w\":1,\"h\":1}},"
            + "{\"id\":\"d\",\"video\":{\"w\":640,\"h\":480}}],\"site\":{\"domain\":\"news.example\"}}";
        final HttpHarness.Response response = http.bid(body);
        assertEquals(200, response.status());
        final JsonObject json = response.body().toJsonObject();
        ResponseChecks.assertValidResponse(new JsonObject(body), json);
        assertEquals(3, json.getJsonArray("seatbid").getJsonObject(0).getJsonArray("bid").size(),
            "a, b and d have a matching creative; c (1x1) has none");
    }
    @Test
    void theDemoNativeCampaignAnswersANative12RequestWithTheRequestsAssetIdsOverHttp() {
        final JsonObject nativeRequest = new JsonObject(BidFixture.read(BidFixture.iabExamples()
            .resolveSibling("iab-native-examples").resolve("issue-main-image.json")));
        final String body = NativeBidTest.bidRequest(nativeRequest, true, "1.2");
        final HttpHarness.Response response = http.bid(body);
        assertEquals(200, response.status(), response.body().toString());
        final JsonObject bid = ResponseChecks.onlyBid(response.body().toJsonObject());
        assertEquals(4, bid.getInteger("mtype"));
        assertEquals("news-card", bid.getString("crid"));
        JsonArray creatives = new JsonArray();
        for (final Object campaign : BidFixture.demoConfig().campaigns) {
            if ("news-native".equals(((JsonObject) campaign).getString("id"))) {
                creatives = ((JsonObject) campaign).getJsonArray("creatives");
            }
        }
        NativeBidTest.assertMatches(nativeRequest, bid, creatives, "demo native over HTTP");
        assertTrue(bid.getString("adm").contains("http://127.0.0.1:"), "the derived notice base: " + bid.getString(
            "adm"));
    }
}
