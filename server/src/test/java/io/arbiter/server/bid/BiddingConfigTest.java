package io.arbiter.server.bid;

import io.arbiter.server.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bidding section is read by the same strict reader as every other section. */
class BiddingConfigTest {

    @Test
    void readsEverySettingWithItsDefault() {
        final BiddingConfig config = BiddingConfig.from(new JsonObject().put("ledgerCapacity", 16)
            .put("frequencyCellsLog2", 12).put("noticeBaseUrl", "https://bid.example/")
            .put("exchangeRates", new JsonObject().put("EUR", 1.08)));
        assertEquals(16, config.ledgerCapacity());
        assertEquals(12, config.frequencyCellsLog2());
        assertEquals("https://bid.example", config.noticeBaseUrl());
        assertEquals(108.0, config.rates().toBase(100, "EUR"), 1e-9);
        assertEquals(30_000, config.reservationMillis());
        assertEquals(BiddingConfig.defaults().seat(), config.seat());
        assertTrue(config.budgetLeases());
        assertEquals(0.01, config.leaseSlice());
        assertEquals(30_000, config.leaseTtlMillis());
        assertEquals(1_000, config.leaseRoundMillis());
        assertEquals(4096, config.ctrMaxContexts());
        assertEquals(300.0, config.ctrContextStrength());
        assertEquals(0.02, config.pacingGain());
        assertEquals(250.0, BiddingConfig.from(new JsonObject().put("ctrContextStrength", 250)).ctrContextStrength());
        assertEquals(0, BiddingConfig.from(new JsonObject().put("ctrMaxContexts", 0)).ctrMaxContexts());
        assertEquals(BiddingConfig.CreativeSampling.OPTIMISTIC, config.creativeSampling());
        assertEquals(BiddingConfig.DEFAULT_PACING_GAIN, config.pacingGain());
        assertEquals(0.05, BiddingConfig.from(new JsonObject().put("pacingGain", 0.05)).pacingGain());
        assertEquals(BiddingConfig.CreativeSampling.THOMPSON, BiddingConfig.from(new JsonObject()
            .put("creativeSampling", "thompson")).creativeSampling());
    }

    @Test
    void leaseSettings() {
        final BiddingConfig config = BiddingConfig.from(new JsonObject().put("budgetLeases", false)
            .put("leaseSlice", 0.05).put("leaseTtl", "PT5S"));
        assertEquals(false, config.budgetLeases());
        assertEquals(0.05, config.leaseSlice());
        assertEquals(500, config.leaseRoundMillis(), "a tenth of the TTL");
        assertFails("bidding.leaseSlice", new JsonObject().put("leaseSlice", 0));
        assertFails("bidding.leaseSlice", new JsonObject().put("leaseSlice", 1.5));
        assertFails("bidding.leaseTtl", new JsonObject().put("leaseTtl", "PT0.5S"));
        assertFails("bidding.budgetLeases", new JsonObject().put("budgetLeases", "yes"));
    }

    @Test
    void withoutANoticeBaseUrlTheBaseIsDerivedFromWhereTheServerListens() {
        assertEquals(null, BiddingConfig.defaults().noticeBaseUrl(), "no localhost:8080 default any more");
        final NoticeBase derived = NoticeBase.of(null);
        derived.listening(false, null, 9090);
        assertEquals("http://localhost:9090", derived.get());
        final NoticeBase tls = NoticeBase.of(null);
        tls.listening(true, "bid.example", 443);
        assertEquals("https://bid.example", tls.get());
        final NoticeBase publicHost = NoticeBase.of(null);
        publicHost.listening(false, "bid.example", 8080);
        assertEquals("http://bid.example:8080", publicHost.get());
        final NoticeBase configured = NoticeBase.of("https://rtb.example");
        configured.listening(false, "bid.example", 8080);
        assertEquals("https://rtb.example", configured.get(), "a configured base wins");
        assertEquals("bid.example", io.arbiter.server.config.ServerConfig.of(new JsonObject(),
            java.util.Map.of("HTTP_PUBLIC_HOST", "bid.example")).httpPublicHost, "HTTP_PUBLIC_HOST sets it");
    }

    @Test
    void anUnknownOrMistypedKeyFailsNamingIt() {
        assertFails("bidding.seet", new JsonObject().put("seet", "x"));
        assertFails("bidding.shadingFactor", new JsonObject().put("shadingFactor", 0));
        assertFails("bidding.shadingFactor", new JsonObject().put("shadingFactor", "0.8"));
        assertFails("bidding.noticeWindow", new JsonObject().put("noticeWindow", 7));
        assertFails("bidding.ledgerCapacity", new JsonObject().put("ledgerCapacity", 0));
        assertFails("bidding.ctrContextStrength", new JsonObject().put("ctrContextStrength", 0));
        assertFails("bidding.ctrMaxContexts", new JsonObject().put("ctrMaxContexts", -1));
        assertFails("bidding.pacingGain", new JsonObject().put("pacingGain", 0));
        assertFails("bidding.pacingGain", new JsonObject().put("pacingGain", 1.5));
        assertFails("bidding.creativeSampling", new JsonObject().put("creativeSampling", "greedy"));
        assertFails("bidding.creativeSampling", new JsonObject().put("creativeSampling", true));
        assertFails("bidding.exchangeRates.EUR", new JsonObject().put("exchangeRates", new JsonObject()
            .put("EUR", -1)));
    }

    private static void assertFails(String setting, JsonObject json) {
        final ConfigException error = assertThrows(ConfigException.class, () -> BiddingConfig.from(json));
        assertTrue(error.getMessage().contains(setting), setting + " not named in: " + error.getMessage());
    }
}
