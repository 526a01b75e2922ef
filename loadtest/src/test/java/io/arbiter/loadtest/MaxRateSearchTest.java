package io.arbiter.loadtest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaxRateSearchTest {

    private static MaxRateSearch.Runner capacity(double limit) {
        return rate -> new MaxRateSearch.Trial(rate, rate, 100, rate <= limit ? 900 : 5000, 6000, 9000, 0,
                rate <= limit, rate <= limit ? null : "p99 5.00ms > 1.00ms");
    }

    @Test
    void findsTheHighestPassingRateWithinPrecision() throws InterruptedException {
        final List<MaxRateSearch.Trial> trials = new MaxRateSearch(1000, 0.05, 20).search(capacity(7300));
        final MaxRateSearch.Trial best = MaxRateSearch.best(trials);
        assertTrue(best.rate() <= 7300, "never reports a rate that failed: " + best.rate());
        assertTrue(best.rate() >= 7300 * 0.95 * 0.95, "close to the true limit: " + best.rate());
        assertEquals(List.of(1000.0, 2000.0, 4000.0, 8000.0), trials.subList(0, 4).stream().map(
                MaxRateSearch.Trial::rate).toList());
    }

    @Test
    void searchesDownwardWhenTheStartRateFails() throws InterruptedException {
        final List<MaxRateSearch.Trial> trials = new MaxRateSearch(10_000, 0.05, 20).search(capacity(900));
        assertTrue(MaxRateSearch.best(trials).rate() <= 900);
        assertTrue(MaxRateSearch.best(trials).rate() >= 800);
    }

    @Test
    void reportsNoRateWhenNothingPassesAndStopsAtTheTrialBudget() throws InterruptedException {
        final List<MaxRateSearch.Trial> trials = new MaxRateSearch(1000, 0.05, 4).search(capacity(0.5));
        assertEquals(4, trials.size());
        assertNull(MaxRateSearch.best(trials));
    }

    @Test
    void printsTheTableOfRatesTried() throws InterruptedException {
        final List<MaxRateSearch.Trial> trials = new MaxRateSearch(1000, 0.05, 20).search(capacity(3000));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MaxRateSearch.printTable(trials, Slo.parse("p99=1ms"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("target/s"), table);
        assertTrue(table.contains("FAIL: p99 5.00ms > 1.00ms"), table);
        assertEquals(trials.size(), table.lines().filter(l -> l.contains("pass") || l.contains("FAIL")).count());
        assertTrue(table.contains("highest rate meeting p99=1.00ms"), table);
    }
}
