package io.arbiter.bandits.sim;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;

/**
 * One run of a policy on the {@link SegmentScenario}, through the server's code: {@link SegmentedThompson} over a
 * direct {@link PosteriorTable} and {@link SegmentStore} (resolve with creation, choose, count the decision, reward),
 * or plain Thompson sampling on the root for {@code thompson}. Step {@code t} happens at {@code t} ms.
 *
 * <p>Policies: {@code thompson} (non-contextual), {@code per-segment} (one independent Beta(1, 1) Thompson sampler
 * per cell: the cell level with priorStrength 0, so nothing is borrowed from coarser levels) and {@code segmented}
 * (attributes device, visitor, country; interactions device x visitor and device x visitor x country; back-off with
 * the given prior strength).
 */
final class SegmentSimulation {
    static final String[] POLICIES = {"thompson", "per-segment", "segmented"};

    private SegmentSimulation() {
    }

    static ContextSpec spec(String policy, double priorStrength) {
        final ContextSpec.Builder b = ContextSpec.builder().attributes("device", "visitor", "country")
            .maxSegments(1_000);
        switch (policy) {
            case "per-segment":
                return b.interaction("device", "visitor", "country").priorStrength(0).build();
            case "segmented":
                return b.interaction("device", "visitor").interaction("device", "visitor", "country")
                    .priorStrength(priorStrength).build();
            default:
                throw new IllegalArgumentException("unknown policy " + policy);
        }
    }

    /**
     * @return {@code [0][c]}: cumulative expected regret against the per-cell oracle at checkpoint {@code c};
     *         {@code [1][c]}: the same counted over the rare cells' steps only
     */
    static double[][] run(SegmentScenario scenario, String policy, double priorStrength, long horizon,
                          long[] checkpoints, long runSeed) {
        final int k = SegmentScenario.VARIANTS;
        final double[][] out = new double[2][checkpoints.length];
        try (PosteriorTable root = PosteriorTable.allocateDirect(k, 0L);
             SegmentStore store = SegmentStore.allocateDirect(1024, 4, 8192, 0L)) {
            final int[] arms = new int[k];
            for (int i = 0; i < k; i++) {
                arms[i] = root.allocateArm();
            }
            final BetaBernoulliThompson thompson = new BetaBernoulliThompson();
            final boolean contextual = !"thompson".equals(policy);
            final SegmentedThompson model = contextual ? new SegmentedThompson("sim", spec(policy, priorStrength),
                thompson, store, root, arms, arms, k) : null;
            final long[][] hashes = valueHashes();
            final Workspace workspace = new Workspace(SplitMix64.derive(runSeed, 1), k);
            final Xoroshiro128PlusPlus environment = new Xoroshiro128PlusPlus(SplitMix64.derive(runSeed, 2));
            final SegmentMatch match = new SegmentMatch();
            final EligibleSet all = workspace.eligible().all(k);
            double regret = 0;
            double rareRegret = 0;
            int next = 0;
            for (long t = 1; t <= horizon; t++) {
                final int cell = scenario.cell(environment.nextDouble());
                final int chosen;
                if (contextual) {
                    match.reset(model.spec()).valueHash(0, hashes[0][SegmentScenario.device(cell)])
                        .valueHash(1, hashes[1][SegmentScenario.visitor(cell)])
                        .valueHash(2, hashes[2][SegmentScenario.country(cell)]);
                    model.resolve(match, true);
                    chosen = model.choose(match, all, workspace, t);
                    model.recordDecision(match, chosen);
                    model.update(match, arms[chosen], chosen, reward(environment, scenario, cell, chosen), t);
                } else {
                    chosen = thompson.choose(root, arms, workspace, t);
                    root.recordDecision(arms[chosen]);
                    thompson.update(root, arms[chosen], reward(environment, scenario, cell, chosen), t);
                }
                final double loss = scenario.best[cell] - scenario.rate[cell][chosen];
                regret += loss;
                if (scenario.rare[cell]) {
                    rareRegret += loss;
                }
                if (t == checkpoints[next]) {
                    out[0][next] = regret;
                    out[1][next] = rareRegret;
                    if (++next == checkpoints.length) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    private static double reward(Xoroshiro128PlusPlus environment, SegmentScenario scenario, int cell, int chosen) {
        return environment.nextDouble() < scenario.rate[cell][chosen] ? 1.0 : 0.0;
    }

    private static long[][] valueHashes() {
        final String[][] values = {SegmentScenario.DEVICES, SegmentScenario.VISITORS, SegmentScenario.COUNTRIES};
        final long[][] hashes = new long[3][];
        for (int a = 0; a < 3; a++) {
            hashes[a] = new long[values[a].length];
            for (int v = 0; v < values[a].length; v++) {
                hashes[a][v] = ContextKeys.valueHash(values[a][v]);
            }
        }
        return hashes;
    }
}
