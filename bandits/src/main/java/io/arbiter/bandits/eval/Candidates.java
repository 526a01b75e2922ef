package io.arbiter.bandits.eval;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.util.Arrays;

/** The stationary candidates every evaluation can ask for: {@code logged}, {@code uniform}, {@code fixed}. */
public final class Candidates {
    private static final CandidatePolicy LOGGED = new Logged();

    private Candidates() {
    }

    /** The logging policy itself (weight 1 on every row): its estimates must equal the log's mean reward. */
    public static CandidatePolicy logged() {
        return LOGGED;
    }

    /** Every action with probability {@code 1 / actions}; {@code actions} at least 1. */
    public static CandidatePolicy uniform(int actions) {
        checkActions(actions);
        return new Uniform(actions);
    }

    /**
     * Always {@code action}.
     *
     * @param actions number of actions, at least 1
     * @param action  the action served, {@code 0 .. actions-1}
     */
    public static CandidatePolicy fixed(int actions, int action) {
        checkActions(actions);
        if (action < 0 || action >= actions) {
            throw new IllegalArgumentException("action must be in 0.." + (actions - 1) + ", was " + action);
        }
        return new Fixed(actions, action);
    }

    private static void checkActions(int actions) {
        if (actions < 1) {
            throw new IllegalArgumentException("actions must be at least 1, was " + actions);
        }
    }

    private static final class Logged implements CandidatePolicy {
        @Override
        public boolean probabilities(LoggedDecision row, double[] into) {
            throw new UnsupportedOperationException("the logging policy's probabilities are not in the log");
        }

        @Override
        public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            throw new UnsupportedOperationException("the logging policy cannot be sampled from the log");
        }

        @Override
        public boolean isLoggingPolicy() {
            return true;
        }
    }

    private static final class Uniform implements CandidatePolicy {
        private final int actions;
        private final double p;

        Uniform(int actions) {
            this.actions = actions;
            this.p = 1.0 / actions;
        }

        @Override
        public boolean probabilities(LoggedDecision row, double[] into) {
            Arrays.fill(into, 0, actions, p);
            return true;
        }

        @Override
        public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            return rng.nextInt(actions);
        }
    }

    private static final class Fixed implements CandidatePolicy {
        private final int actions;
        private final int action;

        Fixed(int actions, int action) {
            this.actions = actions;
            this.action = action;
        }

        @Override
        public boolean probabilities(LoggedDecision row, double[] into) {
            Arrays.fill(into, 0, actions, 0.0);
            into[action] = 1.0;
            return true;
        }

        @Override
        public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
            return action;
        }
    }
}
