package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;

import io.arbiter.server.token.DecisionFlags;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A challenger in shadow mode: its own plain Thompson model (the experiment's reward model under the challenger's
 * prior and half-life, no context) over a private heap posterior table with one arm per variant ordinal, kept in
 * memory only (a restart or a change of the challenger's configuration starts it afresh from its prior).
 *
 * <p>On every decision the bandit chose (CHOICE, one variant), the shadow stage samples the challenger's choice among
 * the same eligible variants ({@link #choose}), counts it, and, when it agrees with the champion's answer, counts an
 * agreement on the challenger's arm and marks the decision ({@code DecisionFlags.CHALLENGER_AGREED}). The reward of
 * a marked decision ({@link #learn}) is the reward the challenger would have seen had it served: it updates the
 * challenger's posterior and the matched estimate. So the challenger learns only from the decisions where it agrees
 * with the champion, as the replay method does. Each challenger has a generation ({@link #generation}), carried in the
 * policy-version bits of the decisions it agreed with: a reward whose decision was agreed under an older
 * configuration (another generation) does not teach this one ({@link #learnAgreed}). Thread-safe: every count is an
 * atomic add.
 */
public final class Challenger {
    private final ChallengerSpec spec;
    private final ThompsonPolicy policy;
    private final PosteriorTable table;
    /** Times the challenger chose each variant ordinal. */
    private final AtomicLongArray chosen;
    private final int generation;
    /** Rewards of agreed decisions made under an older challenger configuration: not learned. */
    private final AtomicLong staleRewards = new AtomicLong();

    Challenger(ChallengerSpec spec, ThompsonPolicy policy, int ordinals, long epochMillis, int generation) {
        if (generation < 1 || generation > DecisionFlags.MAX_POLICY_VERSION) {
            throw new IllegalArgumentException("generation must be 1.." + DecisionFlags.MAX_POLICY_VERSION);
        }
        this.spec = spec;
        this.policy = policy;
        this.generation = generation;
        this.table = PosteriorTable.allocateHeap(ordinals, epochMillis);
        for (int i = 0; i < ordinals; i++) {
            table.allocateArm();
        }
        this.chosen = new AtomicLongArray(ordinals);
    }

    public ChallengerSpec spec() {
        return spec;
    }

    /**
     * This challenger's generation, 1..255: the experiment's challenger configurations are numbered in the order they
     * were published (after 255 comes 1 again), so a decision id's policy version names the configuration that agreed.
     */
    public int generation() {
        return generation;
    }

    /** The flags an agreed decision carries: {@code CHALLENGER_AGREED} and this generation as its policy version. */
    public int agreedFlags() {
        return DecisionFlags.withPolicyVersion(DecisionFlags.CHALLENGER_AGREED, generation);
    }

    /**
     * The reward of a decision this experiment's challenger agreed with, whose id carries {@code flags}: learned
     * ({@link #learn}) when the decision was made under this generation, otherwise only counted as stale (an older
     * configuration agreed, not this one) and false.
     */
    public boolean learnAgreed(int flags, int ordinal, double reward, long nowMillis) {
        if (DecisionFlags.policyVersion(flags) != generation) {
            staleRewards.incrementAndGet();
            return false;
        }
        learn(ordinal, reward, nowMillis);
        return true;
    }

    /** Rewards of agreed decisions of an older generation, not learned. */
    public long staleRewards() {
        return staleRewards.get();
    }

    public ThompsonPolicy policy() {
        return policy;
    }

    /** Variant ordinals this challenger has room for. */
    public int capacity() {
        return chosen.length();
    }

    /**
     * The challenger's choice among {@code eligible}, counted; {@code ordinals} maps positions to variant ordinals.
     * Allocation-free.
     *
     * @param champion the position the champion answered
     * @return whether the challenger chose the champion's answer (an agreement, counted on its arm)
     */
    public boolean choose(int[] ordinals, EligibleSet eligible, int champion, Workspace workspace, long nowMillis) {
        final int position = policy.choose(table, ordinals, eligible, workspace, nowMillis);
        final int ordinal = ordinals[position];
        chosen.incrementAndGet(ordinal);
        if (position != champion) {
            return false;
        }
        table.recordDecision(ordinal);
        return true;
    }

    /** The reward of a decision the challenger agreed with, for variant {@code ordinal}. */
    public void learn(int ordinal, double reward, long nowMillis) {
        if (ordinal >= 0 && ordinal < chosen.length()) {
            policy.update(table, ordinal, reward, nowMillis);
        }
    }

    /** Times the challenger chose variant {@code ordinal}. */
    public long chosen(int ordinal) {
        return chosen.get(ordinal);
    }

    /** The challenger's table: per ordinal, agreements ({@code decisions}), matched rewards ({@code trials}), sums. */
    public PosteriorTable table() {
        return table;
    }
}
