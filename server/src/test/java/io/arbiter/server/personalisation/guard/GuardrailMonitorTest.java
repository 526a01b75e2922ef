package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailDirection;
import io.arbiter.bandits.guard.GuardrailRule;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.personalisation.experiment.ExperimentRegistry;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.arbiter.server.personalisation.guard.GuardCounters.Group;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guardrail as the server runs it: decisions counted in the posterior table, unsubscribe events in the guard
 * counters, and the monitor checking the variant after every decision's reward. Seeded (the seed is printed); the
 * control is the default variant A, the variant is B, decisions alternate between them.
 */
class GuardrailMonitorTest {
    private static final String METRIC = "unsubscribe";

    private static final class Run {
        final ExperimentRegistry registry = new ExperimentRegistry(PosteriorTable.allocateHeap(16, 0), 100);
        final GuardrailMonitor monitor = new GuardrailMonitor(registry, (id, s) -> Future.succeededFuture(),
            new Metrics(), Clock.systemUTC());
        final Experiment experiment;

        Run() {
            final JsonObject definition = new JsonObject().put("variants", new JsonArray().add("A").add("B"))
                .put("guardrails", new JsonArray().add(new JsonObject().put("metric", METRIC).put("direction", "lower")
                    .put("maxRelativeHarm", 0.2).put("confidence", 0.95)));
            experiment = registry.prepare(ExperimentSpec.fromJson("g", definition, 16));
            registry.publish(experiment);
        }

        /** One decision for {@code variant}, its reward (an event with probability {@code rate}), then the check. */
        void decide(String variant, double rate, SplittableRandom random) {
            final int arm = experiment.armByVariant().get(variant);
            registry.table().recordDecision(arm);
            final double reward = random.nextDouble() < rate ? 1 : 0;
            experiment.guard().counters().reward(Group.TREATMENT, METRIC, variant, reward);
            if ("B".equals(variant)) {
                monitor.check(registry.get("g"), 0, "B");
            }
        }

        boolean suspended() {
            return registry.get("g").guard().state().isSuspended("B");
        }
    }

    /** The first decision count per group at which the rule flags the expected counts round(n p). */
    private static long implied(double variantRate, double controlRate) {
        final GuardrailRule rule = new GuardrailRule(GuardrailDirection.LOWER, 0.2, 0.95);
        for (long n = 1; ; n++) {
            if (rule.isHarmful(n, Math.round(n * variantRate), n, Math.round(n * controlRate))) {
                return n;
            }
        }
    }

    /**
     * B unsubscribes twice as often as A (2% against 1%): in each of 40 seeded runs it is suspended; the median
     * number of decisions per group is near what the rule implies at the expected counts (within 30%: the runs spread
     * from about 3,000 to 25,000, so the median of 40 has a standard error near 1,000, and 30% is 3.5 of them), and
     * every run by 64,000 per group (where the rule flags even 10^-5-unlucky counts); B then gets no traffic.
     */
    @Test
    void aVariantWithTwiceTheControlsRateIsSuspendedWithinWhatTheRuleImplies() {
        final long implied = implied(0.02, 0.01);
        final long seed = Long.getLong("guardrail.seed", System.nanoTime());
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] perGroup = new long[40];
        for (int r = 0; r < perGroup.length; r++) {
            final Run run = new Run();
            long n = 0;
            while (!run.suspended() && n < 64_000) {
                run.decide("A", 0.01, random);
                run.decide("B", 0.02, random);
                n++;
            }
            assertTrue(run.suspended(), "seed " + seed + ": run " + r + " not suspended by 64,000 per group");
            assertFalse(Arrays.asList(run.registry.get("g").variants()).contains("B"), "B still served");
            perGroup[r] = n;
        }
        Arrays.sort(perGroup);
        final long median = perGroup[perGroup.length / 2];
        System.out.println("GuardrailMonitorTest seed " + seed + ": the rule implies " + implied
            + " decisions per group; suspended after " + Arrays.toString(perGroup) + " (median " + median + ")");
        assertEquals(implied, median, 0.3 * implied, "seed " + seed);
    }

    /**
     * A harmless variant (2% against 2%), checked after every reward up to 50,000 decisions per group: suspended in
     * at most 10 of 100 seeded runs at confidence 0.95 (the rule's bound is 5 in 100; in simulation far fewer).
     */
    @Test
    void aHarmlessVariantIsRarelySuspendedAlthoughCheckedAfterEveryReward() {
        final long seed = Long.getLong("guardrail.seed", System.nanoTime());
        final SplittableRandom random = new SplittableRandom(seed);
        int suspended = 0;
        for (int r = 0; r < 100; r++) {
            final Run run = new Run();
            for (int n = 0; n < 50_000 && !run.suspended(); n++) {
                run.decide("A", 0.02, random);
                run.decide("B", 0.02, random);
            }
            if (run.suspended()) {
                suspended++;
            }
        }
        System.out.println("GuardrailMonitorTest seed " + seed + ": harmless variant suspended in " + suspended
            + " of 100 runs");
        assertTrue(suspended <= 10, "seed " + seed + ": " + suspended + " of 100");
    }
}
