package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.personalisation.decide.Decision;
import io.arbiter.server.personalisation.decide.DecisionSlot;
import io.arbiter.server.personalisation.decide.DecisionStage;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.DecisionFlags;

/**
 * BURN_IN: while any served variant has fewer than {@code burnIn} decisions (the posterior table's all-time count,
 * which {@code halfLife} does not discount), the answer is uniform among the eligible variants (propensity 1/K, flag
 * {@code BURN_IN}), so early luck cannot decide the race. A variant added later starts the burn-in again until it
 * has its own {@code burnIn} decisions. Share bounds still apply to burn-in answers. One per event loop;
 * allocation-free (one load per served variant).
 */
public final class BurnInStage implements DecisionStage {
    private final PosteriorTable table;

    public BurnInStage(PosteriorTable table) {
        this.table = table;
    }

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment();
        final long burnIn = experiment.guard().spec().burnIn();
        if (burnIn == 0 || !burningIn(experiment.arms(), burnIn)) {
            return;
        }
        final EligibleSet eligible = d.eligible();
        final int n = eligible.count();
        d.decide(DecisionSlot.BURN_IN, eligible.position(n == 1 ? 0 : d.workspace().rng().nextInt(n)), 1.0 / n,
            DecisionFlags.BURN_IN);
    }

    private boolean burningIn(int[] arms, long burnIn) {
        for (final int arm : arms) {
            if (table.decisions(arm) < burnIn) {
                return true;
            }
        }
        return false;
    }
}
