package io.arbiter.server.bid.openrtb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming parser: privacy and supply-chain fields in their 2.6 places and in the 2.5 ext, and reuse. */
class BidRequestParserTest {
    private final BidRequestParser parser = new BidRequestParser();
    private final BidRequest request = new BidRequest();

    private void parse(String json) throws Exception {
        parser.parse(json.getBytes(StandardCharsets.UTF_8), request);
    }

    private static final String IMP = "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]";

    @Test
    void openRtb25CarriesGdprConsentUsPrivacyEidsAndSchainUnderExt() throws Exception {
        parse("{\"id\":\"r\"," + IMP + ",\"regs\":{\"ext\":{\"gdpr\":1,\"us_privacy\":\"1YNN\"}},"
            + "\"user\":{\"id\":\"u\",\"ext\":{\"consent\":\"CO-consent\",\"eids\":[{\"source\":\"a\"},{\"source\":\"b"
            + "\"}]}},\"source\":{\"ext\":{\"schain\":{\"complete\":1,\"nodes\":[{\"asi\":\"x.com\"}]}}}}");
        assertEquals(1, request.gdpr);
        assertEquals("1YNN", request.usPrivacy);
        assertEquals("CO-consent", request.consent);
        assertEquals(2, request.eidCount);
        assertTrue(request.hasSchain);
        assertEquals(1, request.schainComplete);
    }

    @Test
    void openRtb26CarriesThemAtTheTopLevelWhichWinsOverExt() throws Exception {
        parse("{\"id\":\"r\"," + IMP + ",\"regs\":{\"gdpr\":0,\"us_privacy\":\"1NNN\",\"ext\":{\"gdpr\":1}},"
            + "\"user\":{\"consent\":\"top\",\"eids\":[{\"source\":\"a\"}],\"ext\":{\"consent\":\"ext\"}},"
            + "\"source\":{\"schain\":{\"complete\":0},\"ext\":{\"schain\":{\"complete\":1}}}}");
        assertEquals(0, request.gdpr);
        assertEquals("1NNN", request.usPrivacy);
        assertEquals("top", request.consent);
        assertEquals(1, request.eidCount);
        assertEquals(0, request.schainComplete);
    }

    @Test
    void underGdprWithoutConsentNoUserKeyIsUsedForFrequencyCapping() throws Exception {
        parse("{\"id\":\"r\"," + IMP + ",\"regs\":{\"gdpr\":1},\"user\":{\"id\":\"u\"}}");
        assertNull(request.frequencyKey());
        parse("{\"id\":\"r\"," + IMP + ",\"regs\":{\"gdpr\":1},\"user\":{\"id\":\"u\",\"consent\":\"c\"}}");
        assertEquals("u", request.frequencyKey());
        parse("{\"id\":\"r\"," + IMP + ",\"device\":{\"ifa\":\"dev\"}}");
        assertEquals("dev", request.frequencyKey());
    }

    @Test
    void aReusedRequestForgetsThePreviousOne() throws Exception {
        parse("{\"id\":\"a\",\"at\":1,\"bcat\":[\"IAB1\"],\"imp\":[{\"id\":\"1\",\"bidfloor\":2,\"banner\":"
            + "{\"format\":[{\"w\":1,\"h\":2}],\"battr\":[1]},\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"d\""
            + "}]}},{\"id\":\"2\",\"native\":{}}],\"app\":{\"bundle\":\"B\"}}");
        assertEquals(2, request.impCount());
        parse("{\"id\":\"b\"," + IMP + "}");
        assertEquals("b", request.id);
        assertEquals(2, request.at);
        assertEquals(1, request.impCount());
        final BidRequest.Imp imp = request.imp(0);
        assertEquals(0, imp.formatW.size());
        assertEquals(0, imp.bannerBattr.size());
        assertEquals(0, imp.dealCount());
        assertEquals(0.0, imp.bidfloor);
        assertEquals("USD", imp.bidfloorcur);
        assertTrue(request.bcat.isEmpty());
        assertTrue(!request.hasApp && request.appBundle == null);
    }

    @Test
    void siteDomainAndAppBundleAreLowerCasedAndCountriesUpperCased() throws Exception {
        parse("{\"id\":\"r\"," + IMP + ",\"site\":{\"domain\":\"News.Example\"},\"device\":{\"geo\":{\"country\":\"usa"
                + "\"}}}");
        assertEquals("news.example", request.siteDomain);
        assertEquals("USA", request.country);
    }

    @Test
    void parsesARequestWhereItLiesInALargerArrayAndReadsNothingAroundIt() throws Exception {
        final String json = "{\"id\":\"inner\"," + IMP + "}";
        final byte[] inner = json.getBytes(StandardCharsets.UTF_8);
        final byte[] around = new byte[inner.length + 20];
        java.util.Arrays.fill(around, (byte) '}'); // anything read outside the window would break the JSON
        System.arraycopy(inner, 0, around, 7, inner.length);
        parser.parse(around, 7, inner.length, request);
        assertEquals("inner", request.id);
        assertEquals("1", request.imp(0).id);
        assertEquals(300, request.imp(0).bannerW);
        final io.arbiter.server.api.ApiException cut = org.junit.jupiter.api.Assertions.assertThrows(
            io.arbiter.server.api.ApiException.class, () -> parser.parse(around, 7, 0, request));
        assertTrue(cut.getMessage().contains("empty"), cut.getMessage());
        final io.arbiter.server.api.ApiException open = org.junit.jupiter.api.Assertions.assertThrows(
            io.arbiter.server.api.ApiException.class, () -> parser.parse(around, 7, inner.length - 1, request));
        assertEquals(400, open.status()); // the closing brace left out
        assertTrue(open.getMessage().contains("ends inside an object"), open.getMessage());
    }

    @Test
    void readsVertxBuffersOnTheHeapInSlicesAndOffIt() {
        final String json = "{\"id\":\"buffer\"," + IMP + "}";
        final io.vertx.core.buffer.Buffer whole = io.vertx.core.buffer.Buffer.buffer("xx" + json + "yy");
        parser.parse(whole.slice(2, 2 + json.length()), request);
        assertEquals("buffer", request.id);
        assertEquals(250, request.imp(0).bannerH);
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        final io.vertx.core.buffer.Buffer direct = io.vertx.core.internal.buffer.BufferInternal.buffer(
            io.netty.buffer.Unpooled.directBuffer(bytes.length).writeBytes(bytes));
        parser.parse(direct, request);
        assertEquals("buffer", request.id);
        assertEquals(300, request.imp(0).bannerW);
    }
}
