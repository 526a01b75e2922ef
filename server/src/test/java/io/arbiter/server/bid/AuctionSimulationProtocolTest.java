package io.arbiter.server.bid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The full evaluation ({@link AuctionSimulationProtocol}), not part of the build: run it with
 * {@code ./mvnw -B -o -q -pl server -am test -Dtest=AuctionSimulationProtocolTest -Dsimulation.protocol=full
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dsimulation.days=10 -Dsimulation.requests=50000
 * -Dsimulation.seed=1 -Dsimulation.threads=1} are the defaults; threads run that many days at once, each day
 * independent, the report the same). The report is printed and written to
 * {@code server/target/auction-simulation.txt}.
 */
class AuctionSimulationProtocolTest {

    @Test
    @EnabledIfSystemProperty(named = "simulation.protocol", matches = "full")
    void fullProtocol() throws Exception {
        final String report = AuctionSimulationProtocol.run(Integer.getInteger("simulation.days", 10),
            Integer.getInteger("simulation.requests", 50_000), Long.getLong("simulation.seed", 1L),
            Integer.getInteger("simulation.threads", 1));
        System.out.print(report);
        Files.writeString(Path.of("target", "auction-simulation.txt"), report, StandardCharsets.UTF_8);
    }

    /**
     * The same days played one after another by learners that keep what they learned
     * ({@link AuctionSimulationCarryOver}): {@code -Dsimulation.protocol=carryover}, the same properties (threads run
     * that many budgets at once). Written to {@code server/target/auction-simulation-carryover.txt}.
     */
    @Test
    @EnabledIfSystemProperty(named = "simulation.protocol", matches = "carryover")
    void carryOver() throws Exception {
        final String report = AuctionSimulationCarryOver.run(Integer.getInteger("simulation.days", 10),
            Integer.getInteger("simulation.requests", 50_000), Long.getLong("simulation.seed", 1L),
            Integer.getInteger("simulation.threads", 1));
        System.out.print(report);
        Files.writeString(Path.of("target", "auction-simulation-carryover.txt"), report, StandardCharsets.UTF_8);
    }
}
