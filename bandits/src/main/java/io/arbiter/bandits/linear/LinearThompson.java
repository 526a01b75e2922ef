package io.arbiter.bandits.linear;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Samplers;

import java.util.Objects;

/**
 * Linear Thompson sampling over a {@link LinearModelTable}: the policy of one experiment version, immutable and shared
 * by all threads; per-request state is in the caller's {@link FeatureVector} and {@link Workspace}.
 *
 * <p>A choice draws each eligible variant's score {@code x . theta_k ~ N(x . mu_k, sigma^2 x' A_k^-1 x)} (exactly
 * Thompson sampling: the variants' posteriors are independent, so only the scalar scores are needed) and takes the
 * largest. The scores' means and spreads stay in the feature vector, so the propensity of the answer
 * ({@link #propensity}) is computed analytically from them, with no second pass over the posteriors.
 *
 * <p>Cost per choice: {@code O(nnz^2)} reads per eligible variant for {@code nnz} non-zero features, one normal draw
 * each; allocation-free.
 */
public final class LinearThompson {
    private final LinearModelTable table;
    private final int[] ordinals;
    private final double sigma;

    /**
     * @param table    the experiment's linear model
     * @param ordinals the ordinal of each active variant (its record in the table), by position
     */
    public LinearThompson(LinearModelTable table, int[] ordinals) {
        this.table = Objects.requireNonNull(table);
        if (ordinals.length == 0) {
            throw new IllegalArgumentException("need at least one variant");
        }
        for (final int ordinal : ordinals) {
            if (ordinal < 0 || ordinal >= table.variantCapacity()) {
                throw new IllegalArgumentException("ordinal " + ordinal + " outside the table's "
                    + table.variantCapacity() + " variants");
            }
        }
        this.ordinals = ordinals.clone();
        this.sigma = Math.sqrt(table.noiseVariance());
    }

    public LinearModelTable table() {
        return table;
    }

    /** Number of active variants. */
    public int arms() {
        return ordinals.length;
    }

    /** @param position 0..arms()-1 */
    public int ordinal(int position) {
        return ordinals[position];
    }

    /**
     * Chooses among the eligible variants. Any thread; lock-free and allocation-free.
     *
     * @param x        the request's features (the table's dimension); receives the scores' moments
     * @param eligible describes {@link #arms()} positions, at least one eligible
     * @return the chosen position, always eligible
     */
    public int choose(FeatureVector x, EligibleSet eligible, Workspace workspace) {
        scoreEligible(x, eligible, workspace);
        return eligible.position(workspace.argMaxOfScores(eligible.count()));
    }

    /**
     * Ranks the eligible variants by one draw each into {@link Workspace#ranked}, best first.
     *
     * @param k slate size, at least 1
     * @return {@code min(k, eligible.count())}
     */
    public int rank(FeatureVector x, EligibleSet eligible, int k, Workspace workspace) {
        scoreEligible(x, eligible, workspace);
        final int count = workspace.rankScores(eligible.count(), k);
        for (int r = 0; r < count; r++) {
            workspace.setRanked(r, eligible.position(workspace.ranked(r)));
        }
        return count;
    }

    private void scoreEligible(FeatureVector x, EligibleSet eligible, Workspace workspace) {
        eligible.requireUsableFor(ordinals.length);
        if (x.dimension() != table.dimension()) {
            throw new IllegalArgumentException("features have dimension " + x.dimension() + ", the model "
                + table.dimension());
        }
        final double[] scores = workspace.scores();
        final double[] m = x.moments;
        for (int e = 0; e < eligible.count(); e++) {
            final int position = eligible.position(e);
            table.moments(ordinals[position], x, m);
            final double spread = sigma * Math.sqrt(m[1]);
            x.means[position] = m[0];
            x.spreads[position] = spread;
            scores[e] = m[0] + spread * Samplers.normal(workspace.rng());
        }
    }

    /**
     * The probability that the last {@link #choose} with {@code x} among {@code eligible} answered {@code position}:
     * computed from the scores' moments left in {@code x} (see {@link GaussianMaxProbability}: error at most
     * {@link GaussianMaxProbability#ERROR_BOUND}, never below {@link GaussianMaxProbability#FLOOR}). Any thread,
     * allocation-free.
     */
    public double propensity(FeatureVector x, EligibleSet eligible, int position) {
        return GaussianMaxProbability.probabilityOfMax(x.means, x.spreads, eligible, position, x.quadrature);
    }

    /**
     * Queues a reward for the variant with this ordinal under the decision's features (see
     * {@link LinearModelTable#offerObservation}). Any thread.
     *
     * @return false when the observation ring is full (counted in the table)
     */
    public boolean update(int ordinal, FeatureVector x, double reward) {
        return table.offerObservation(ordinal, x, reward);
    }
}
