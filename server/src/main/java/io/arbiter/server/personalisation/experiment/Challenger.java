package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
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
 *
 * <p><b>With its own context model</b> ({@code "context": {"model": "segments", ...}} in the challenger's
 * configuration), the challenger is a segmented Thompson model (the same back-off as an experiment's) over its own
 * heap segment store, whose root is this table: the shadow stage matches the request's attributes against the
 * challenger's context spec ({@link #segments()}), and an agreement remembers the decision's attribute value hashes
 * under the decision id's nonce in a bounded memo ({@value #MEMO_ENTRIES} entries; a newer agreement whose nonce maps
 * to the same entry replaces it), so the reward teaches the matched segments. A reward whose entry was replaced
 * teaches the root only (counted: {@link #contextLost}). With a {@code linear} context it is a linear Thompson model
 * over its own heap model table ({@link #linear()}); the memo keeps the decision's feature vector, and the reward is
 * queued for the table (applied by the registry's linear writer, with the experiments' models) and counted on this
 * table's root for the matched estimate. One instance per experiment version ({@link #forVersion}): the state is
 * shared, the context model is bound to that version's variants.
 */
public final class Challenger {
    private final ChallengerSpec spec;
    private final ThompsonPolicy policy;
    private final PosteriorTable table;
    /** Times the challenger chose each variant ordinal. */
    private final AtomicLongArray chosen;
    private final int generation;
    /** Rewards of agreed decisions made under an older challenger configuration: not learned. */
    private final AtomicLong staleRewards;
    /** Rewards of agreed decisions whose remembered context was replaced: taught to the root only. */
    private final AtomicLong contextLost;
    /** The segment store of a challenger with its own segments (null without). */
    private final SegmentStore segmentStore;
    private final ContextMemo memo;
    /** This version's segment model (null without a segments context). */
    private final SegmentedThompson segments;
    /** The model table of a linear challenger (null otherwise), and this version's model over it. */
    private final LinearModelTable linearTable;
    private final LinearSpec linearSpec;
    private final LinearThompson linear;
    /** Bytes of a linear challenger's observation ring. */
    static final int LINEAR_RING_BYTES = 1 << 20;

    /** Entries of the nonce-to-context memo of a contextual challenger. */
    static final int MEMO_ENTRIES = 1 << 16;
    /** Most segments a challenger keeps (fewer if its context's {@code maxSegments} says so). */
    static final int MAX_SEGMENTS = 1024;

    private Challenger(Challenger state, SegmentedThompson segments, LinearThompson linear) {
        this.spec = state.spec;
        this.policy = state.policy;
        this.table = state.table;
        this.chosen = state.chosen;
        this.generation = state.generation;
        this.staleRewards = state.staleRewards;
        this.contextLost = state.contextLost;
        this.segmentStore = state.segmentStore;
        this.memo = state.memo;
        this.segments = segments;
        this.linearTable = state.linearTable;
        this.linearSpec = state.linearSpec;
        this.linear = linear;
    }

    /**
     * @param experimentId the experiment's id
     * @param ordinals     variant ordinals to make room for
     * @param active       the active variants' ordinals, in the experiment's order (binds the segment model)
     */
    Challenger(ChallengerSpec spec, ThompsonPolicy policy, int ordinals, long epochMillis, int generation,
               String experimentId, int[] active) {
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
        this.staleRewards = new AtomicLong();
        this.contextLost = new AtomicLong();
        if (spec.context().isSegments()) {
            final ContextSpec contextSpec = spec.context().segmentSpec();
            final int most = Math.max(1, Math.min(MAX_SEGMENTS, contextSpec.maxSegments()));
            final int slots = Math.max(4, Integer.highestOneBit(most * 4 / 3 + 1) << 1);
            final int armsPerSegment = (active.length + 3) / 4 * 4 + 4;
            this.segmentStore = SegmentStore.allocateHeap(slots, 1, most * armsPerSegment, epochMillis);
            this.memo = new ContextMemo(MEMO_ENTRIES, contextSpec.attributeCount());
            this.segments = bind(experimentId, active);
            this.linearTable = null;
            this.linearSpec = null;
            this.linear = null;
        } else if (spec.context().isLinear()) {
            final ContextDefinition c = spec.context();
            this.segmentStore = null;
            this.segments = null;
            this.linearSpec = c.linearSpec();
            this.linearTable = LinearModelTable.allocateHeap(linearSpec.dimension(), ordinals, LINEAR_RING_BYTES,
                c.lambda(), c.noiseVariance(), LinearModelTable.DEFAULT_REFACTOR_EVERY);
            this.memo = new ContextMemo(MEMO_ENTRIES, linearSpec.dimension());
            this.linear = new LinearThompson(linearTable, active);
        } else {
            this.segmentStore = null;
            this.memo = null;
            this.segments = null;
            this.linearTable = null;
            this.linearSpec = null;
            this.linear = null;
        }
    }

    private SegmentedThompson bind(String experimentId, int[] active) {
        return new SegmentedThompson(experimentId, spec.context().segmentSpec(), policy, segmentStore, table, active,
            active, chosen.length());
    }

    /** This challenger's state, with its segment model bound to another version's active variants. */
    Challenger forVersion(String experimentId, int[] active) {
        if (segmentStore != null) {
            return new Challenger(this, bind(experimentId, active), null);
        }
        return linearTable == null ? this : new Challenger(this, null, new LinearThompson(linearTable, active));
    }

    /** A linear challenger's model, null otherwise. */
    public LinearThompson linear() {
        return linear;
    }

    /** A linear challenger's features and buckets, null otherwise. */
    public LinearSpec linearSpec() {
        return linearSpec;
    }

    /** Applies a linear challenger's queued observations (its table's single writer); 0 for other challengers. */
    int applyLinearObservationsExclusive(int limit) {
        return linearTable == null ? 0 : linearTable.applyPendingObservations(limit);
    }

    /** The challenger's own segment model, null when it has no context (the shadow stage matches requests to it). */
    public SegmentedThompson segments() {
        return segments;
    }

    public ChallengerSpec spec() {
        return spec;
    }

    /**
     * This challenger's generation, 1..255, derived from its configuration ({@link ChallengerSpec#generation}: the same
     * on every node and after a restart), so a decision id's policy version names the configuration that agreed.
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
    public boolean learnAgreed(int flags, long nonce, int ordinal, double reward, long nowMillis) {
        if (DecisionFlags.policyVersion(flags) != generation) {
            staleRewards.incrementAndGet();
            return false;
        }
        if (segments != null && ordinal >= 0 && ordinal < chosen.length()) {
            final SegmentMatch match = new SegmentMatch().reset(segments.spec());
            if (memo.take(nonce, match)) {
                segments.resolveForUpdate(match);
                segments.update(match, ordinal, ordinal, reward, nowMillis);
                return true;
            }
            contextLost.incrementAndGet();
        }
        if (linear != null && ordinal >= 0 && ordinal < chosen.length()) {
            final FeatureVector x = linearSpec.begin(new FeatureVector(linearSpec.dimension(), 1));
            if (memo.take(nonce, x)) {
                linear.update(ordinal, x, reward); // false: ring full, counted by the table
            } else {
                contextLost.incrementAndGet();
            }
        }
        learn(ordinal, reward, nowMillis);
        return true;
    }

    /** Rewards of agreed decisions whose remembered context was replaced before they came (root only). */
    public long contextLost() {
        return contextLost.get();
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

    /**
     * The choice of a linear challenger for a request whose feature vector is {@code x}, counted; an agreement counts
     * a decision on the root and remembers {@code x} under {@code nonce} for the reward. Allocation-free.
     */
    public boolean choose(FeatureVector x, int[] ordinals, EligibleSet eligible, int champion, long nonce,
                          Workspace workspace) {
        final int position = linear.choose(x, eligible, workspace);
        final int ordinal = ordinals[position];
        chosen.incrementAndGet(ordinal);
        if (position != champion) {
            return false;
        }
        table.recordDecision(ordinal);
        memo.put(nonce, x);
        return true;
    }

    /**
     * The choice of a challenger with its own segments, for a request whose attributes are in {@code match} (reset
     * for {@code segments().spec()} and resolved with {@code create}), counted; an agreement counts a decision at the
     * root and in the matched segments and remembers the match under {@code nonce} for the reward. Allocation-free.
     */
    public boolean choose(SegmentMatch match, int[] ordinals, EligibleSet eligible, int champion, long nonce,
                          Workspace workspace, long nowMillis) {
        final int position = segments.choose(match, eligible, workspace, nowMillis);
        chosen.incrementAndGet(ordinals[position]);
        if (position != champion) {
            return false;
        }
        segments.recordDecision(match, position);
        memo.put(nonce, match);
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
