package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A learning candidate's {@code burnIn}, as serving applies it: until every served variant has {@code burnIn} of the
 * candidate's own decisions (the rows the replay accepted, the rows where it "served"), its answer is uniform among
 * the served variants, given as exact probabilities (cheap: no posterior draw); from then on it is the wrapped
 * candidate's, for the rest of the window. The wrapped candidate learns from every accepted row, burn-in included, as
 * a serving posterior does. The served variants are the candidate definition's (the experiment's active variants);
 * the log's retired variants, which it never serves, get probability 0 and do not hold the burn-in open.
 * <b>Single writer.</b>
 */
final class BurnInCandidate implements CandidatePolicy {
    private final CandidatePolicy inner;
    private final long burnIn;
    private final boolean[] served;
    private final long[] decisions;
    private final double uniform;
    private int below;

    /**
     * @param inner  the candidate after burn-in (learning)
     * @param served per action, whether the candidate serves it
     * @param burnIn decisions per served variant, at least 1
     */
    BurnInCandidate(CandidatePolicy inner, boolean[] served, long burnIn) {
        if (burnIn < 1) {
            throw new IllegalArgumentException("burnIn must be at least 1, was " + burnIn);
        }
        this.inner = inner;
        this.burnIn = burnIn;
        this.served = served.clone();
        this.decisions = new long[served.length];
        int count = 0;
        for (final boolean s : served) {
            count += s ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException("a candidate serves at least one variant");
        }
        this.uniform = 1.0 / count;
        this.below = count;
    }

    /** Whether the candidate is still burning in. */
    boolean burningIn() {
        return below > 0;
    }

    @Override
    public boolean probabilities(LoggedDecision row, double[] into) {
        if (below == 0) {
            return inner.probabilities(row, into);
        }
        for (int a = 0; a < served.length; a++) {
            into[a] = served[a] ? uniform : 0.0;
        }
        return true;
    }

    @Override
    public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
        return inner.sample(row, rng); // asked only after burn-in, when the probabilities were the inner's
    }

    @Override
    public boolean choiceProbabilities(LoggedDecision row, double[] into) {
        return below == 0 && inner.choiceProbabilities(row, into); // during burn-in probabilities answered
    }

    @Override
    public long choiceKey(LoggedDecision row) {
        return inner.choiceKey(row);
    }

    @Override
    public boolean learns() {
        return true;
    }

    @Override
    public void learn(LoggedDecision row) {
        final int a = row.action();
        if (below > 0 && served[a] && ++decisions[a] == burnIn) {
            below--;
        }
        inner.learn(row);
    }
}
