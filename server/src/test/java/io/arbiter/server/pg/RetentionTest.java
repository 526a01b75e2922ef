package io.arbiter.server.pg;

import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetentionTest {

    private static final long WEEK = Duration.ofDays(7).toMillis();

    private static Retention read(JsonObject outcomes, long attribution, long notice) {
        return Retention.read(ConfigReader.of("outcomes", outcomes), attribution, notice);
    }

    @Test
    void defaultsAreThirtyAndNinetyDays() {
        assertEquals(new Retention(Duration.ofDays(30), Duration.ofDays(90)), read(new JsonObject(), WEEK, WEEK));
        assertEquals(new Retention(Duration.ofDays(2), Duration.ofDays(8)), read(new JsonObject()
            .put("decisionRetention", "P2D").put("rewardRetention", "P8D"), WEEK, WEEK));
    }

    @Test
    void rewardRetentionShorterThanAWindowStopsTheStartNamingTheKey() {
        final ConfigException attribution = assertThrows(ConfigException.class, () -> read(new JsonObject()
            .put("rewardRetention", "P6D"), WEEK, Duration.ofDays(1).toMillis()));
        assertTrue(attribution.getMessage().contains("outcomes.rewardRetention"), attribution.getMessage());
        assertTrue(attribution.getMessage().contains("attributionWindow"), attribution.getMessage());
        final ConfigException notice = assertThrows(ConfigException.class, () -> read(new JsonObject()
            .put("rewardRetention", "P10D"), WEEK, Duration.ofDays(14).toMillis()));
        assertTrue(notice.getMessage().contains("noticeWindow"), notice.getMessage());
        final ConfigException tooShort = assertThrows(ConfigException.class, () -> read(new JsonObject()
            .put("decisionRetention", "PT1H"), WEEK, WEEK));
        assertTrue(tooShort.getMessage().contains("outcomes.decisionRetention"), tooShort.getMessage());
    }
}
