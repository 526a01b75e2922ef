package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;

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
 * with the champion, as the replay method does. Thread-safe: every count is an atomic add.
 */
public final class Challenger {
    private final ChallengerSpec spec;
    private final ThompsonPolicy policy;
    private final PosteriorTable table;
    /** Times the challenger chose each variant ordinal. */
    private final AtomicLongArray chosen;

    Challenger(ChallengerSpec spec, ThompsonPolicy policy, int ordinals, long epochMillis) {
        this.spec = spec;
        this.policy = policy;
        this.table = PosteriorTable.allocateHeap(ordinals, epochMillis);
        for (int i = 0; i < ordinals; i++) {
            table.allocateArm();
        }
        this.chosen = new AtomicLongArray(ordinals);
    }

    public ChallengerSpec spec() {
        return spec;
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
