package io.arbiter.bandits.sim;

import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.policy.Ucb1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatorTest {

    @Test
    void klAndLowerBound() {
        assertEquals(0.4 * Math.log(0.8) + 0.6 * Math.log(1.2), BernoulliSimulation.bernoulliKl(0.4, 0.5), 1e-15);
        assertEquals(0.0, BernoulliSimulation.bernoulliKl(0.3, 0.3), 0.0);
        final double[] rates = {0.5, 0.4, 0.4};
        final double perArm = 0.1 / BernoulliSimulation.bernoulliKl(0.4, 0.5);
        assertEquals(2 * perArm * Math.log(1000), BernoulliSimulation.laiRobbinsLowerBound(rates, 1000), 1e-9);
    }

    @Test
    void checkpointsAreLogSpacedDistinctAndEndAtTheHorizon() {
        final long[] c = BernoulliSimulation.logCheckpoints(1_000_000, 10);
        assertEquals(1, c[0]);
        assertEquals(1_000_000, c[c.length - 1]);
        for (int i = 1; i < c.length; i++) {
            assertTrue(c[i] > c[i - 1]);
        }
        assertTrue(c.length > 50 && c.length <= 61, "about 10 per decade: " + c.length);
        assertArrayEquals(new long[] {25, 50, 75, 100}, BernoulliSimulation.linearCheckpoints(100, 4));
    }

    /** Regret accounting: a policy that always pulls the best arm has zero regret; uniform random has K-1/K * EPS. */
    @Test
    void regretIsExpectedRegret() {
        final double[] rates = {0.5, 0.4, 0.4, 0.4};
        final long[] checkpoints = {10_000};
        final double[] random = BernoulliSimulation.run(new io.arbiter.bandits.policy.UniformRandom(), rates, rates,
            Long.MAX_VALUE, 10_000, checkpoints, 1);
        assertEquals(0.075 * 10_000, random[0], 5 * Math.sqrt(10_000 * 0.75 * 0.25) * 0.1);
    }

    @Test
    void experimentIsReproducibleAndIndependentOfThreadCount() {
        final double[] rates = {0.5, 0.45, 0.45};
        final List<Policy> policies = List.of(new BetaBernoulliThompson(), new Ucb1());
        final long[] checkpoints = BernoulliSimulation.logCheckpoints(5_000, 4);
        final Experiment one = new Experiment(rates, rates, Long.MAX_VALUE, 5_000, 6, 42, policies, checkpoints)
            .execute(1);
        final Experiment two = new Experiment(rates, rates, Long.MAX_VALUE, 5_000, 6, 42, policies, checkpoints)
            .execute(2);
        for (int i = 0; i < policies.size(); i++) {
            assertArrayEquals(one.meanRegret[i], two.meanRegret[i], 0.0);
            assertArrayEquals(one.standardError[i], two.standardError[i], 0.0);
        }
    }

    /**
     * Drift: arm 0 is best until T/2, then arm K-1. Over 20 runs, discounted Thompson sampling (half-life 2,000
     * steps) must accrue less regret after the change than plain Thompson sampling, which has to unlearn 20,000
     * steps of evidence. (Measured: the discounted policy's post-change regret is several times smaller; the test
     * only requires it to be smaller by 2 standard errors of the difference.)
     */
    @Test
    void discountedThompsonRecoversFasterAfterAChangePoint() {
        final int k = 5;
        final double[] before = {0.5, 0.4, 0.4, 0.4, 0.4};
        final double[] after = {0.4, 0.4, 0.4, 0.4, 0.5};
        final long horizon = 40_000;
        final long[] checkpoints = {horizon / 2, horizon};
        final List<Policy> policies = List.of(new BetaBernoulliThompson(),
            new BetaBernoulliThompson(1, 1, 2_000, 100));
        final Experiment e = new Experiment(before, after, horizon / 2 + 1, horizon, 20, 7, policies, checkpoints)
            .execute(2);
        final int runs = e.runs;
        final double plain = e.meanRegret[0][1] - e.meanRegret[0][0];
        final double discounted = e.meanRegret[1][1] - e.meanRegret[1][0];
        final double se = Math.hypot(e.standardError[0][1], e.standardError[1][1]);
        assertTrue(discounted + 2 * se < plain, "post-change regret: discounted " + discounted + ", plain " + plain
            + " (" + runs + " runs, k = " + k + ")");
    }

    @Test
    void cliWritesJsonWithSettingsPolicyRowsAndLowerBoundRows(@TempDir Path dir) throws Exception {
        final Path svg = dir.resolve("plot.svg");
        final String out = runCli("regret", "--arms", "4", "--gap", "0.1", "--horizon", "2000", "--runs", "3",
            "--seed", "5", "--policies", "thompson,ucb1,egreedy,random", "--format", "json", "--threads", "2",
            "--svg", svg.toString());
        assertTrue(out.startsWith("{\"scenario\":\"regret\",\"arms\":4,\"gap\":0.1,\"horizon\":2000"), out);
        final Matcher policyRows = Pattern.compile("\\{\"policy\":\"(\\w+)\",\"t\":(\\d+),\"regret\":([-0-9.E]+),"
            + "\"stderr\":([-0-9.E]+)}").matcher(out);
        int rows = 0;
        while (policyRows.find()) {
            rows++;
        }
        final long checkpoints = BernoulliSimulation.logCheckpoints(2000, 10).length;
        assertEquals(4 * checkpoints, rows);
        final Matcher boundRows = Pattern.compile("\\{\"t\":(\\d+),\"lowerBound\":([-0-9.E]+)}").matcher(out);
        int bounds = 0;
        while (boundRows.find()) {
            bounds++;
        }
        assertEquals(checkpoints, bounds);
        final String plot = Files.readString(svg);
        assertTrue(plot.startsWith("<svg") && plot.contains("polyline") && plot.contains("Lai-Robbins"));
        final JsonReport back = JsonReport.parse(out);
        assertEquals(4, back.policies.length);
        assertEquals(checkpoints, back.checkpoints.length);
        assertEquals(3, back.runs);
        final Path json = dir.resolve("report.json");
        Files.writeString(json, out);
        final Path redrawn = dir.resolve("redrawn.svg");
        runCli("plot", "--json", json.toString(), "--svg", redrawn.toString());
        assertEquals(plot.replaceAll("<text x=\"70\" y=\"22\"[^\n]*", ""),
            Files.readString(redrawn).replaceAll("<text x=\"70\" y=\"22\"[^\n]*", ""),
            "the plot redrawn from the JSON equals the original (titles aside)");
        final String table = runCli("drift", "--arms", "3", "--horizon", "4000", "--runs", "2", "--half-life", "1000");
        assertTrue(table.contains("| t | thompson | thompson-discounted |"), table);
        assertTrue(table.contains("Regret accrued after the change"), table);
        assertEquals(2, new CommandLine(new SimulatorCli()).execute("regret", "--policies", "nonsense",
            "--horizon", "10"));
    }

    private static String runCli(String... args) {
        final PrintStream original = System.out;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, new CommandLine(new SimulatorCli()).execute(args));
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
