package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A policy to evaluate against the log. The evaluation calls it once per logged row, in time order, on one thread.
 *
 * <p>A candidate answers in one of two ways, chosen per row by the return value of {@link #probabilities}:
 * <ul>
 *   <li><b>Probabilities</b> ({@code true}): {@code pi(a | x)} for every action. IPS and SNIPS weight the row by
 *       {@code pi(logged action | x) / propensity}; DR takes the expectation of the reward model under {@code pi}.
 *       Use this whenever the probabilities are cheap (deterministic, uniform, epsilon and softmax policies).</li>
 *   <li><b>One sample</b> ({@code false}): the evaluation calls {@link #sample} and uses the indicator
 *       {@code [sampled == logged]} in place of {@code pi(logged action | x)}, and the model's prediction for the
 *       sampled action in place of the expectation. Both are unbiased (the sample is drawn independently of the
 *       logged row's reward), with more variance. This is for Thompson sampling, whose probabilities are Monte-Carlo
 *       estimates costing thousands of posterior draws.</li>
 * </ul>
 *
 * <p><b>Learning.</b> A candidate that {@link #learns()} is replayed (Li et al. 2011, with the rejection-sampling
 * generalisation for non-uniform logs): it is shown, through {@link #learn}, exactly the rows the replay accepts,
 * which are the rows where it "served" the logged action. Its answers for a row come from what it learned before
 * that row, never from the row itself. See {@code docs/evaluation.md}.
 *
 * <p>Implementations may keep state (a learning candidate must) and are used by one thread; none of the methods may
 * allocate if the evaluation is to stay allocation-free.
 */
public interface CandidatePolicy {

    /**
     * Writes {@code pi(a | x)} for every action {@code a} into {@code into[0 .. actions-1]} (non-negative, summing to
     * 1) and returns {@code true}; or returns {@code false}, leaving {@code into} alone, to be asked for a sample.
     *
     * @param row  the logged row (context, time; the logged action and reward must not influence the answer)
     * @param into array of length at least {@code actions}
     */
    boolean probabilities(LoggedDecision row, double[] into);

    /**
     * Draws an action from {@code pi(. | x)}. Called only when {@link #probabilities} returned {@code false}.
     *
     * @param row the logged row (its action and reward must not influence the draw)
     * @param rng the evaluation's generator (a candidate may use its own)
     * @return an action in {@code 0 .. actions-1}
     */
    int sample(LoggedDecision row, Xoroshiro128PlusPlus rng);

    /**
     * For a candidate that answered the row with probabilities: the action it would serve, drawn the way it serves
     * live, for the replay. The replay then accepts the row when this action is the logged one, with probability
     * {@code replayScale / propensity} (Li et al.'s method), instead of by rejection sampling on the probabilities.
     * A candidate whose live answer is a coupling of a draw and its probabilities ({@link BoundedCandidate}: the
     * bandit's draw passed through the share bounds) uses it so the replay runs it as serving would. Called once per
     * row, after {@link #probabilities} returned {@code true}, with the same row.
     *
     * @return the served action in {@code 0 .. actions-1}, or -1 (the default) for rejection sampling
     */
    default int served(LoggedDecision row, Xoroshiro128PlusPlus rng) {
        return -1;
    }

    /**
     * For a candidate that answers with one sample ({@link #probabilities} returned {@code false}): its choice
     * probabilities for the row, when it can give them without Monte Carlo (a linear Thompson model's analytic ones).
     * Asked by {@link BoundedCandidate}, which needs them for every row; the default ({@code false}) has them
     * estimated from the candidate's own draws.
     *
     * @param into array of length at least {@code actions}, written only when {@code true} is returned
     */
    default boolean choiceProbabilities(LoggedDecision row, double[] into) {
        return false;
    }

    /**
     * The key under which the candidate's choice probabilities for the row may be cached: rows with equal keys get
     * the same probabilities from the same state. {@link BoundedCandidate} keeps one Monte-Carlo estimate per key.
     * The default is the row's context key; a candidate that ignores the context returns a constant, one that reads
     * only part of it (some attributes) a hash of that part.
     */
    default long choiceKey(LoggedDecision row) {
        return row.contextKey();
    }

    /** Whether {@link #learn} changes the candidate. Stationary candidates return {@code false} (the default). */
    default boolean learns() {
        return false;
    }

    /**
     * Shows the candidate a row the replay accepted: the candidate served {@code row.action()} in {@code row}'s
     * context and observed {@code row.reward()}. Called after the row has been evaluated.
     */
    default void learn(LoggedDecision row) {
    }

    /**
     * Whether this candidate is the logging policy itself ({@link Candidates#logged()}): its weight is 1 on every row
     * by definition (the logged propensity is its own probability), so its IPS, SNIPS and DR estimates all equal the
     * log's mean reward. A check of the pipeline, not of a model.
     */
    default boolean isLoggingPolicy() {
        return false;
    }
}
