package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What sharing linear rewards costs the reward transaction (docs/BENCHMARKS.md, series AI): batches of 1,000 rewards
 * written by {@link PostgresWriter#writeOutcomes} (one transaction each, as the shipper does), all marked as having
 * taught a linear model (the head locked, a {@code linear_rewards} row per reward) or none, in alternating turns of
 * 20 batches, six of each. Prints the median milliseconds per batch of each turn; asserts nothing; not part of the
 * build:
 * {@code ./mvnw -B -o -q -pl server -am test -Dcheckstyle.skip -Dtest=LinearShareMeasurement -Dlinear.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "linear.measure", matches = "true")
class LinearShareMeasurement {
    private static final int BATCH = 1_000;
    private static final int BATCHES = 20;
    private static final int PAIRS = 6;

    @Test
    void measure() {
        try (PgFixture pg = PgFixture.shared()) {
            final PostgresWriter writer = new PostgresWriter(pg.pool, List.of());
            long next = 0;
            for (int pair = 0; pair < PAIRS; pair++) {
                final StringBuilder line = new StringBuilder("pair " + pair + ":");
                for (int turn = 0; turn < 2; turn++) {
                    final boolean linear = (pair + turn) % 2 == 0; // alternate which goes first
                    final double[] millis = new double[BATCHES];
                    for (int b = 0; b < BATCHES; b++) {
                        final List<OutcomeEvent> rewards = new ArrayList<>(BATCH);
                        final long now = System.currentTimeMillis();
                        for (int i = 0; i < BATCH; i++) {
                            // A decision id of a linear d = 16 experiment's length (about 150 characters).
                            rewards.add(new OutcomeEvent(OutcomeKind.REWARD, now, "d2." + next++ + ".".repeat(140),
                                "lin", i % 2 == 0 ? "A" : "B", "", i % 3 == 0 ? 1 : 0,
                                linear ? OutcomeEvent.TEACHES_LINEAR : 0));
                        }
                        final long t0 = System.nanoTime();
                        PgFixture.await(writer.writeOutcomes(rewards));
                        millis[b] = (System.nanoTime() - t0) / 1e6;
                    }
                    Arrays.sort(millis);
                    line.append(String.format(" %s median %.1f ms (min %.1f, max %.1f) per %,d rewards;",
                        linear ? "shared" : "plain", millis[BATCHES / 2], millis[0], millis[BATCHES - 1], BATCH));
                }
                System.out.println(line);
            }
            System.out.println("linear_rewards: " + pg.count("SELECT count(*) FROM linear_rewards") + " rows, "
                + pg.count("SELECT pg_total_relation_size('linear_rewards')") / Math.max(1,
                pg.count("SELECT count(*) FROM linear_rewards")) + " bytes per row with its indexes");
        }
    }
}
