package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.unit.UnitKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The holdout hash: share, stickiness, and what changing the share moves. */
class HoldoutAssignmentTest {

    /**
     * 100,000 units: the holdout share is within 0.01 of 0.1 (the binomial standard deviation is 0.00095, so a fair
     * hash fails this with probability far below 10^-20); the same unit always lands in the same group.
     */
    @Test
    void holdsOutTheShareAskedForAndKeepsEachUnitInItsGroup() {
        final long seed = Long.getLong("holdout.seed", System.nanoTime());
        final long salt = new SplittableRandom(seed).nextLong();
        final int units = 100_000;
        int held = 0;
        for (int i = 0; i < units; i++) {
            final String unit = "user-" + i;
            final double u = ExperimentGuard.holdoutHash(salt, unit);
            assertTrue(u >= 0.0 && u < 1.0);
            assertEquals(u, ExperimentGuard.holdoutHash(salt, new StringBuilder(unit)), "seed " + seed);
            if (u < 0.1) {
                held++;
            }
        }
        final double share = (double) held / units;
        System.out.println("HoldoutAssignmentTest seed " + seed + ": holdout share " + share);
        assertEquals(0.1, share, 0.01, "seed " + seed);
    }

    @Test
    void raisingTheShareMovesOnlyUnitsIntoTheHoldoutAndAnotherSaltReshuffles() {
        final long salt = 0x5A17_5A17L;
        int moved = 0;
        int same = 0;
        for (int i = 0; i < 10_000; i++) {
            final double u = ExperimentGuard.holdoutHash(salt, "u" + i);
            final boolean before = u < 0.1;
            final boolean after = u < 0.2;
            assertTrue(!before || after, "a unit in a 10% holdout stays in a 20% one");
            if (before != after) {
                moved++;
            }
            if ((ExperimentGuard.holdoutHash(salt + 1, "u" + i) < 0.1) == before) {
                same++;
            }
        }
        assertEquals(1000, moved, 150);
        assertTrue(same < 9_500, "another salt draws other groups: " + same);
    }

    /**
     * The decide path's holdout answer from the unit hash it shares with the frequency cap
     * ({@link ExperimentGuard#inHoldout(long)}, a precomputed salt) is the holdout hash's answer, for 20,000 units
     * and three shares.
     */
    @Test
    void theAnswerFromASharedUnitHashIsTheHoldoutHashs() {
        final List<String> variants = List.of("a", "b", "c");
        for (final double share : new double[] {0.05, 0.3, 0.9}) {
            final GuardSpec spec = GuardSpec.fromJson(new JsonObject().put("holdout", share), variants, "a")
                .withSalt(0x1234_5678_9ABCL);
            final ExperimentGuard guard = new ExperimentGuard("e", spec, new GuardState("e"), variants, variants);
            int held = 0;
            for (int i = 0; i < 20_000; i++) {
                final String unit = "visitor-" + i;
                final boolean expected = ExperimentGuard.holdoutHash(spec.salt(), unit) < share;
                assertEquals(expected, guard.inHoldout(UnitKeys.unitHash(unit)), unit + " at " + share);
                assertEquals(expected, guard.inHoldout(unit));
                held += expected ? 1 : 0;
            }
            assertEquals(share, held / 20_000.0, 0.02);
        }
    }
}
