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
    }

    @Test
    void anUnknownOrMistypedKeyFailsNamingIt() {
        assertFails("bidding.seet", new JsonObject().put("seet", "x"));
        assertFails("bidding.shadingFactor", new JsonObject().put("shadingFactor", 0));
        assertFails("bidding.shadingFactor", new JsonObject().put("shadingFactor", "0.8"));
        assertFails("bidding.noticeWindow", new JsonObject().put("noticeWindow", 7));
        assertFails("bidding.ledgerCapacity", new JsonObject().put("ledgerCapacity", 0));
        assertFails("bidding.exchangeRates.EUR", new JsonObject().put("exchangeRates", new JsonObject()
            .put("EUR", -1)));
    }

    private static void assertFails(String setting, JsonObject json) {
        final ConfigException error = assertThrows(ConfigException.class, () -> BiddingConfig.from(json));
        assertTrue(error.getMessage().contains(setting), setting + " not named in: " + error.getMessage());
    }
}
