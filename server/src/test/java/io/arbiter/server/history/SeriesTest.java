package io.arbiter.server.history;

import io.arbiter.server.bid.ClearingPrices;
import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history's storage: rings keep the newest points in order across wrap-around, the coarse ring keeps every
 * n-th sample, the settings give the documented point counts and memory bound, and the clearing-price histogram
 * weights intervals by their wins.
 */
class SeriesTest {

    @Test
    void aRingKeepsTheNewestRowsInOrderAcrossWrapAround() {
        final SeriesRing ring = new SeriesRing(4, 2);
        for (int i = 0; i < 10; i++) {
            ring.add(1000L * i, new double[] {i, -i});
        }
        assertEquals(4, ring.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(1000L * (6 + i), ring.time(i));
            assertEquals(6 + i, ring.value(i, 0));
            assertEquals(-(6 + i), ring.value(i, 1));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> ring.value(4, 0));
    }

    @Test
    void theCoarseRingKeepsEveryNthSample() {
        final Series series = new Series(List.of("A"), 1, 5, 3, 4);
        for (int i = 0; i < 20; i++) {
            series.add(i, new double[] {i});
        }
        final double[] fine = series.read(false, r -> new double[] {r.size(), r.value(0, 0), r.value(4, 0)});
        assertEquals(5, fine[0]);
        assertEquals(15, fine[1]);
        assertEquals(19, fine[2]);
        final double[] coarse = series.read(true, r -> new double[] {r.size(), r.value(0, 0), r.value(1, 0),
            r.value(2, 0)});
        assertEquals(3, coarse[0]);
        assertEquals(8, coarse[1], "samples 0, 4, 8, 12, 16 were kept; the newest three remain");
        assertEquals(12, coarse[2]);
        assertEquals(16, coarse[3]);
    }

    @Test
    void theDefaultsGiveTheDocumentedPointsAndMemoryBound() {
        final HistoryConfig config = HistoryConfig.read(ConfigReader.of("history", new JsonObject()));
        assertEquals(10_000, config.sampleMillis());
        assertEquals(361, config.finePoints(), "1 h of 10-second points");
        assertEquals(30, config.coarseEvery(), "5 minutes of 10-second samples");
        assertEquals(289, config.coarsePoints(), "24 h of 5-minute points");
        assertEquals(650L * (1 + 4 * 16 + 1) * 8, config.maxBytesPerSeries(), "343 KB, as docs/ui.md says");
        final Series threeVariants = new Series(List.of("A", "B", "C"), 13, config.finePoints(), config.coarsePoints(),
            config.coarseEvery());
        assertEquals(650L * 14 * 8, threeVariants.bytes(), "73 KB, as docs/ui.md says");
        final ConfigException bad = assertThrows(ConfigException.class, () -> HistoryConfig.read(ConfigReader.of(
            "history", new JsonObject().put("sampleInterval", "PT0.001S"))));
        assertTrue(bad.getMessage().contains("history.sampleInterval"), bad.getMessage());
        assertThrows(ConfigException.class, () -> HistoryConfig.read(ConfigReader.of("history",
            new JsonObject().put("unknown", 1))));
    }

    @Test
    void theClearingPriceHistogramCoversTheBucketsWithBilledImpressions() {
        final ClearingPrices prices = new ClearingPrices();
        for (final double cpm : new double[] {1.0, 1.05, 2.2, 13.0, 13.0}) {
            prices.record("c", cpm);
        }
        prices.record("other", 500.0);
        final JsonObject histogram = HistoryModule.histogram(prices.counts("c"));
        final JsonArray edges = histogram.getJsonArray("edges");
        final JsonArray wins = histogram.getJsonArray("wins");
        assertEquals(wins.size() + 1, edges.size());
        assertTrue(edges.getDouble(0) <= 1.0 && edges.getDouble(1) > 1.05, "1.0 and 1.05 share the first bucket");
        assertEquals(2L, wins.getLong(0));
        assertTrue(edges.getDouble(edges.size() - 2) <= 13.0 && edges.getDouble(edges.size() - 1) > 13.0);
        assertEquals(2L, wins.getLong(wins.size() - 1), "the top price falls in the last bucket");
        long total = 0;
        for (int i = 0; i < wins.size(); i++) {
            total += wins.getLong(i);
            assertTrue(edges.getDouble(i) < edges.getDouble(i + 1));
        }
        assertEquals(5, total, "every billed impression of the campaign, and none of another");
        assertTrue(HistoryModule.histogram(new ClearingPrices().counts("c")).getJsonArray("edges").isEmpty());
        assertEquals(0, ClearingPrices.bucket(0.0));
        assertEquals(ClearingPrices.BUCKETS - 1, ClearingPrices.bucket(1e9));
    }
}
