package io.arbiter.bandits.context;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import io.arbiter.bandits.table.PosteriorTable;

import java.util.Objects;

/**
 * Thompson sampling per segment with back-off: the contextual policy of one experiment version, over its root arms
 * (the experiment's own arms of the server's {@link PosteriorTable}, unchanged) and its segments in a
 * {@link SegmentStore}. Immutable and shared by all threads, like the policy it wraps; per-request state is in the
 * caller's {@link SegmentMatch} and {@link Workspace}.
 *
 * <p><b>Which segment decides.</b> Of the levels whose segment the request matched and that exist (are ready), the
 * finest decides (most attributes); among equally fine ones, the best-observed (most rewards recorded), then the
 * first declared. No segment: the root decides, exactly as the non-contextual policy.
 *
 * <p><b>Back-off.</b> A segment's prior is its parent's posterior with the segment's own data taken out (rewards
 * update every matched level, so the parent contains the child), capped at {@code priorStrength} pseudo-observations
 * per variant; its posterior adds its own data. In sufficient statistics {@code (weight, sum, squares)} of the
 * policy's model (counts, or decayed sums with a half-life; see {@link ThompsonPolicy#readStatistics}):
 * <pre>
 *   eff(root)  = data(root)
 *   eff(c)     = f * (eff(p) - data(c)) + data(c),   f = min(1, priorStrength / weight(eff(p) - data(c)))
 * </pre>
 * and the draw is the policy's posterior for {@code eff(c)} on top of its own prior. So a new segment samples like
 * its parent (capped) and moves away as its own evidence grows. The parent {@code p} of a segment is the finest of
 * its ready parent levels, then the best-observed: a declared sub-interaction always has fewer observations than its
 * attributes' levels (it is contained in each), so ranking parents by observations alone would never use it; its own
 * posterior backs off in turn to its best-observed attribute. No ready parent: the root.
 *
 * <p><b>Cost.</b> A choice reads, per eligible variant, the root arm and one arm per level of the chain (at most 3
 * for an interaction of two attributes), then draws once from the policy's posterior. Resolving reads one index
 * entry per matched level (and creates missing segments, lock-free). Nothing allocates.
 */
public final class SegmentedThompson {
    private final ContextSpec spec;
    private final long experimentKey;
    private final ThompsonPolicy policy;
    private final SegmentStore store;
    private final PosteriorTable segmentArms;
    private final PosteriorTable rootTable;
    private final int[] rootArms;
    private final int[] ordinals;
    private final int variantOrdinals;
    private final double priorStrength;
    private final boolean countsSuccesses;
    /** Per level, the experiment-and-level part of its segment keys. */
    private final long[] levelSeeds;

    /**
     * @param experimentId    the experiment's id (its key prefixes all its segment keys)
     * @param spec            the experiment's context spec
     * @param policy          the experiment's policy: its model, prior and half-life apply at every level
     * @param store           where segments live
     * @param rootTable       the table holding the root arms
     * @param rootArms        table indices of the active variants, in the experiment's order
     * @param ordinals        each active variant's ordinal (parallel to {@code rootArms}): its 0-based place in the
     *                        order variants were first added to the experiment, stable for the experiment's life and
     *                        never reused (the server's variant-to-arm map in insertion order)
     * @param variantOrdinals ordinals the experiment has handed out (retired variants included), above every ordinal
     */
    public SegmentedThompson(String experimentId, ContextSpec spec, ThompsonPolicy policy, SegmentStore store,
                             PosteriorTable rootTable, int[] rootArms, int[] ordinals, int variantOrdinals) {
        this.spec = Objects.requireNonNull(spec);
        this.experimentKey = ContextKeys.experimentKey(experimentId);
        this.policy = Objects.requireNonNull(policy);
        this.store = Objects.requireNonNull(store);
        this.segmentArms = store.arms();
        this.rootTable = Objects.requireNonNull(rootTable);
        if (rootArms.length == 0 || rootArms.length != ordinals.length) {
            throw new IllegalArgumentException("need at least one arm and one ordinal per arm");
        }
        for (final int ordinal : ordinals) {
            if (ordinal < 0 || ordinal >= variantOrdinals) {
                throw new IllegalArgumentException("ordinal " + ordinal + " outside 0.." + (variantOrdinals - 1));
            }
        }
        this.rootArms = rootArms.clone();
        this.ordinals = ordinals.clone();
        this.variantOrdinals = variantOrdinals;
        this.priorStrength = spec.priorStrength();
        this.countsSuccesses = policy.countsSuccesses();
        this.levelSeeds = new long[spec.levelCount()];
        for (int level = 0; level < levelSeeds.length; level++) {
            levelSeeds[level] = ContextKeys.levelSeed(experimentKey, spec.levelKey(level));
        }
    }

    public ContextSpec spec() {
        return spec;
    }

    public ThompsonPolicy policy() {
        return policy;
    }

    public long experimentKey() {
        return experimentKey;
    }

    public SegmentStore store() {
        return store;
    }

    public PosteriorTable rootTable() {
        return rootTable;
    }

    /** Number of active variants (the length of the arms the positions index). */
    public int arms() {
        return rootArms.length;
    }

    /** @param position 0..arms()-1 */
    public int rootArm(int position) {
        return rootArms[position];
    }

    /** @param position 0..arms()-1 */
    public int ordinal(int position) {
        return ordinals[position];
    }

    /**
     * Finds the segments the request matches, one per level whose attributes it carries, and with {@code create}
     * creates the missing ones (lock-free; a refused creation is counted as a capacity fallback of the experiment
     * and the request is served by the parent). Sets the deciding level and the back-off chain. Allocation-free.
     *
     * @param match  reset for this model's spec, with the request's values or value hashes set
     * @param create true on the decision path; false for rewards (which never create segments)
     */
    public void resolve(SegmentMatch match, boolean create) {
        if (match.spec != spec) {
            throw new IllegalArgumentException("the match was reset for another spec");
        }
        final int levels = spec.levelCount();
        boolean refused = false;
        match.slots[0] = -1;
        for (int level = 1; level < levels; level++) {
            match.slots[level] = -1;
            final int[] attributes = spec.levelAttributesShared(level);
            if (!carries(match, attributes)) {
                continue;
            }
            final long key = ContextKeys.segmentKey(levelSeeds[level], match.valueHashes, attributes);
            final int slot = create && spec.maxSegments() > 0
                ? store.findOrCreate(experimentKey, spec.levelKey(level), key, variantOrdinals, spec.maxSegments())
                : store.find(key);
            if (slot < 0) {
                refused |= create && spec.maxSegments() > 0;
                continue;
            }
            final int state = store.state(slot);
            if (state == SegmentStore.READY) {
                match.slots[level] = slot;
            } else {
                refused |= state == SegmentStore.FAILED;
            }
        }
        if (refused && create) {
            store.countCapacityFallback(experimentKey);
        }
        match.fellBack = refused;
        match.decidingLevel = finest(match, levels);
        buildChain(match);
        match.resolvedFor = this;
    }

    /**
     * The reward path's lookup: finds the segments the decision matched (one per level whose attributes the match
     * carries; never creates), without choosing a deciding level or a back-off chain, which {@link #update} does not
     * need. The match then serves {@link #update} only. Allocation-free.
     *
     * @param match reset for this model's spec, with the decision's value hashes set
     */
    public void resolveForUpdate(SegmentMatch match) {
        if (match.spec != spec) {
            throw new IllegalArgumentException("the match was reset for another spec");
        }
        match.slots[0] = -1;
        for (int level = 1; level < spec.levelCount(); level++) {
            match.slots[level] = -1;
            final int[] attributes = spec.levelAttributesShared(level);
            if (carries(match, attributes)) {
                final int slot = store.find(ContextKeys.segmentKey(levelSeeds[level], match.valueHashes, attributes));
                if (slot >= 0 && store.state(slot) == SegmentStore.READY) {
                    match.slots[level] = slot;
                }
            }
        }
        match.fellBack = false;
        match.decidingLevel = 0;
        match.chainLength = 0; // no chain: choosing with this match is refused
        match.resolvedFor = this;
    }

    /**
     * Rebuilds a resolved match from the per-level slots a request resolved earlier (the propensity refresher's
     * view of a segment), deciding on {@code decidingLevel}; the chain is recomputed from the current counts.
     */
    void restore(SegmentMatch match, int[] levelSlots, int decidingLevel) {
        match.reset(spec);
        final int levels = spec.levelCount();
        match.slots[0] = -1;
        for (int level = 1; level < levels; level++) {
            final int slot = level < levelSlots.length ? levelSlots[level] : -1;
            match.slots[level] = slot >= 0 && store.state(slot) == SegmentStore.READY ? slot : -1;
        }
        match.decidingLevel = match.slots[decidingLevel] >= 0 ? decidingLevel : 0;
        buildChain(match);
        match.resolvedFor = this;
    }

    private static boolean carries(SegmentMatch match, int[] attributes) {
        for (final int a : attributes) {
            if (match.valueHashes[a] == ContextKeys.ABSENT) {
                return false;
            }
        }
        return true;
    }

    /**
     * The finest ready level; ties: most rewards, then the lower level index. 0 (root) when none. Rewards are read
     * only when two candidates tie on order (each read is an index line the request may not have touched yet).
     */
    private int finest(SegmentMatch match, int levels) {
        int best = 0;
        long bestRewards = -1; // -1: not read yet
        for (int level = 1; level < levels; level++) {
            final int slot = match.slots[level];
            if (slot < 0) {
                continue;
            }
            final int order = spec.levelOrder(level);
            if (order > spec.levelOrder(best)) {
                best = level;
                bestRewards = -1;
            } else if (order == spec.levelOrder(best)) {
                if (bestRewards < 0) {
                    bestRewards = store.rewards(match.slots[best]);
                }
                final long rewards = store.rewards(slot);
                if (rewards > bestRewards) {
                    best = level;
                    bestRewards = rewards;
                }
            }
        }
        return best;
    }

    private void buildChain(SegmentMatch match) {
        int level = match.decidingLevel;
        int n = 0;
        match.chain[n++] = level;
        while (level != 0) {
            int parent = 0;
            long parentRewards = -1; // -1: not read yet
            for (final int p : spec.levelParentsShared(level)) {
                final int slot = match.slots[p];
                if (slot < 0) {
                    continue;
                }
                final int order = spec.levelOrder(p);
                if (order > spec.levelOrder(parent)) {
                    parent = p;
                    parentRewards = -1;
                } else if (order == spec.levelOrder(parent) && parent != 0) {
                    if (parentRewards < 0) {
                        parentRewards = store.rewards(match.slots[parent]);
                    }
                    final long rewards = store.rewards(slot);
                    if (rewards > parentRewards) {
                        parent = p;
                        parentRewards = rewards;
                    }
                }
            }
            match.chain[n++] = parent;
            level = parent;
        }
        match.chainLength = n;
        for (int c = 0; c < n - 1; c++) {
            match.chainFirstBlock[c] = store.firstBlock(match.slots[match.chain[c]]);
        }
    }

    private void requireResolved(SegmentMatch match) {
        if (match.resolvedFor != this) {
            throw new IllegalStateException("resolve the match with this model first");
        }
    }

    private void requireChain(SegmentMatch match) {
        if (match.resolvedFor != this || match.chainLength == 0) {
            throw new IllegalStateException("resolve the match with this model (resolve, not resolveForUpdate) first");
        }
    }

    /**
     * Chooses among the eligible variants from the deciding segment's backed-off posterior: one draw per eligible
     * variant, the largest wins. Does not count the decision ({@link #recordDecision}). Allocation-free.
     *
     * @param match    resolved with this model
     * @param eligible describes {@link #arms()} positions, at least one eligible
     * @return the chosen position, always eligible
     */
    public int choose(SegmentMatch match, EligibleSet eligible, Workspace workspace, long nowMillis) {
        requireChain(match);
        eligible.requireUsableFor(rootArms.length);
        final double[] scores = workspace.scores();
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            scores[e] = sample(match, eligible.position(e), workspace, nowMillis);
        }
        return eligible.position(workspace.argMaxOfScores(m));
    }

    /**
     * Ranks the eligible variants by one draw each and leaves the best {@code k} positions in
     * {@link Workspace#ranked}, best first; the first is distributed as {@link #choose}'s answer.
     *
     * @param k slate size, at least 1
     * @return {@code min(k, eligible.count())}
     */
    public int rank(SegmentMatch match, EligibleSet eligible, int k, Workspace workspace, long nowMillis) {
        requireChain(match);
        eligible.requireUsableFor(rootArms.length);
        final double[] scores = workspace.scores();
        final int m = eligible.count();
        for (int e = 0; e < m; e++) {
            scores[e] = sample(match, eligible.position(e), workspace, nowMillis);
        }
        final int count = workspace.rankScores(m, k);
        for (int r = 0; r < count; r++) {
            workspace.setRanked(r, eligible.position(workspace.ranked(r)));
        }
        return count;
    }

    /** One draw from the backed-off posterior of the variant at {@code position} in the match's deciding segment. */
    double sample(SegmentMatch match, int position, Workspace workspace, long nowMillis) {
        final double[] s = match.statistics;
        effectiveStatistics(match, position, workspace, nowMillis, s);
        final int deciding = match.decidingLevel;
        final int memoSlot = deciding == 0 ? rootArms[position]
            : (int) SplitMix64.mix((long) match.slots[deciding] << 16 | ordinals[position]);
        return policy.sampleStatistics(s[0], s[1], s[2], workspace, memoSlot);
    }

    /**
     * The effective sufficient statistics {@code (weight, sum, squares)} of the variant at {@code position} in the
     * match's deciding segment (the back-off formula in the class comment), into {@code into[0..3)}; {@code into}
     * must have 6 elements (3..5 are scratch).
     */
    public void effectiveStatistics(SegmentMatch match, int position, Workspace workspace, long nowMillis,
                                    double[] into) {
        requireChain(match);
        final int ordinal = ordinals[position];
        policy.readStatistics(rootTable, rootArms[position], nowMillis, workspace, into, 0);
        for (int c = match.chainLength - 2; c >= 0; c--) {
            final long first = match.chainFirstBlock[c]; // most ordinals are in the first block: no index read
            final int arm = ordinal < (int) (first >>> 32) ? (int) first + ordinal
                : store.arm(match.slots[match.chain[c]], ordinal);
            if (arm >= 0) {
                policy.readStatistics(segmentArms, arm, nowMillis, workspace, into, 3);
            } else {
                into[3] = 0.0;
                into[4] = 0.0;
                into[5] = 0.0;
            }
            backOff(into);
        }
    }

    /** {@code into[0..3) = f * (into[0..3) - into[3..6)) + into[3..6)}: the parent's capped leave-out plus own data. */
    private void backOff(double[] s) {
        final double weight = Math.max(0.0, s[0] - s[3]);
        double sum = weight > 0.0 ? s[1] - s[4] : 0.0;
        if (countsSuccesses) {
            sum = Math.min(Math.max(sum, 0.0), weight); // successes of the rest of the parent
        }
        final double squares = weight > 0.0 ? Math.max(0.0, s[2] - s[5]) : 0.0;
        final double f = weight > priorStrength ? priorStrength / weight : 1.0;
        s[0] = f * weight + s[3];
        s[1] = f * sum + s[4];
        s[2] = f * squares + s[5];
    }

    /** The posterior mean of the variant at {@code position} in the match's deciding segment (for reports). */
    public double posteriorMean(SegmentMatch match, int position, Workspace workspace, long nowMillis) {
        final double[] s = match.statistics;
        effectiveStatistics(match, position, workspace, nowMillis, s);
        return policy.meanOfStatistics(s[0], s[1], s[2]);
    }

    /**
     * Counts a decision for the variant at {@code position} at the root and in every matched segment (claiming a
     * segment's record for a variant added after the segment was created). Lock-free, allocation-free.
     */
    public void recordDecision(SegmentMatch match, int position) {
        requireResolved(match);
        rootTable.recordDecision(rootArms[position]);
        final int ordinal = ordinals[position];
        for (int level = 1; level < spec.levelCount(); level++) {
            final int slot = match.slots[level];
            if (slot >= 0) {
                final int arm = store.armForUpdate(slot, ordinal);
                if (arm >= 0) {
                    segmentArms.recordDecision(arm);
                }
                store.addDecision(slot);
            }
        }
    }

    /**
     * Records a reward for a variant at the root and in every segment the decision matched. The variant is named by
     * its root arm and ordinal rather than a position, so a reward for a variant retired since its decision still
     * lands. Lock-free, allocation-free.
     *
     * @param match   reset with the decision's value hashes and resolved with {@link #resolveForUpdate} (or
     *                {@link #resolve} without creating)
     * @param rootArm the variant's arm in the root table
     * @param ordinal the variant's ordinal
     * @param reward  any finite value (0/1 for the Bernoulli model)
     */
    public void update(SegmentMatch match, int rootArm, int ordinal, double reward, long nowMillis) {
        requireResolved(match);
        policy.update(rootTable, rootArm, reward, nowMillis);
        final long halfLife = policy.halfLifeMillis();
        for (int level = 1; level < spec.levelCount(); level++) {
            final int slot = match.slots[level];
            if (slot >= 0) {
                final int arm = store.armForUpdate(slot, ordinal);
                if (arm >= 0) {
                    segmentArms.recordReward(arm, reward, nowMillis, halfLife);
                    store.addReward(slot);
                }
            }
        }
    }
}
