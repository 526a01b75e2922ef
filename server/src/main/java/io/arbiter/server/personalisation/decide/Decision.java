package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.PropensityMemo;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.ContextKey;
import io.arbiter.server.token.DecisionFlags;

/**
 * One decide request on its way through the {@link DecisionPipeline}: what the request asked (filled by
 * {@link DecideRequestParser}) and what the stages settled. One instance per event loop, reset per request, so a
 * decision allocates no state of its own; the arrays are sized from the configured limits.
 */
public final class Decision {
    /** Longest number text a decision row copies from the request (a double's shortest form takes at most 24). */
    static final int FEATURE_TEXT = 24;
    // The request, as parsed.
    String experimentId;
    String unit = "";
    int count = 1;
    final String[] attributeNames;
    final String[] attributeValues;
    int attributes;
    final String[] featureNames;
    final double[] featureValues;
    /**
     * Each feature's number as the request wrote it, {@link #FEATURE_TEXT} chars from {@code i * FEATURE_TEXT}, for
     * the decision row ({@code featureTextLength[i]}; -1 when longer, and the row writes the parsed value instead).
     */
    final char[] featureText;
    final int[] featureTextLength;
    int features;
    final String[] eligibleNames;
    int eligibleCount;
    boolean eligibleGiven;
    final String[] excludeNames;
    int excludeCount;

    // What the stages settle.
    Experiment experiment;
    long nowMillis;
    private final Workspace workspace;
    final SegmentMatch match = new SegmentMatch();
    final PropensityMemo memo;
    final FeatureVector featureVector;
    final ContextKey contextKey = new ContextKey();
    final StringBuilder contextJson = new StringBuilder(256);
    /** Which model the CONTEXT stage prepared: {@link ContextKey#NONE}, SEGMENTS or LINEAR. */
    int model;
    private int position = -1;
    private double propensity;
    private int flags;
    private DecisionSlot decidedBy;
    /** True once {@code workspace.ranked(0..shown-1)} holds the slate the choice ranked. */
    boolean ranked;
    int shown;
    /** The unit's sticky key (0: not sticky, or not to be remembered), and whether its assignment is replaced. */
    long stickyKey;
    boolean stickyReplace;
    /** The JSON answer, written by the LOG stage; null for a 204 (every variant capped, {@code noContent}). */
    String answer;
    private boolean capped;
    /** The decision id's nonce once drawn (by SHADOW for a challenger's memo, else by LOG); {@code hasNonce}. */
    private long nonce;
    private boolean hasNonce;

    Decision(Workspace workspace, ContextLimits limits, int maxVariants) {
        this.workspace = workspace;
        this.attributeNames = new String[limits.maxAttributes()];
        this.attributeValues = new String[limits.maxAttributes()];
        this.featureNames = new String[limits.maxFeatures()];
        this.featureValues = new double[limits.maxFeatures()];
        this.featureText = new char[limits.maxFeatures() * FEATURE_TEXT];
        this.featureTextLength = new int[limits.maxFeatures()];
        this.eligibleNames = new String[maxVariants];
        this.excludeNames = new String[maxVariants];
        this.memo = new PropensityMemo(maxVariants);
        this.featureVector = new FeatureVector(64, maxVariants);
    }

    /** Forgets the previous request. */
    void reset() {
        experimentId = null;
        unit = "";
        count = 1;
        attributes = 0;
        features = 0;
        eligibleCount = 0;
        eligibleGiven = false;
        excludeCount = 0;
        experiment = null;
        model = ContextKey.NONE;
        contextKey.clear();
        contextJson.setLength(0);
        position = -1;
        propensity = 0;
        flags = DecisionFlags.NONE;
        decidedBy = null;
        ranked = false;
        shown = 0;
        answer = null;
        stickyKey = 0;
        stickyReplace = false;
        capped = false;
        hasNonce = false;
    }

    /** The decision id's nonce: drawn from this loop's generator the first time it is asked for, then the same. */
    long nonce() {
        if (!hasNonce) {
            nonce = workspace.rng().nextLong();
            hasNonce = true;
        }
        return nonce;
    }

    /**
     * The bandit's probability of choosing {@code position} given the request's context and eligible set, as CHOICE
     * logs it (for share bounds, which need it for every eligible variant).
     */
    public double choiceProbability(int position) {
        final EligibleSet eligible = eligible();
        if (experiment.linear() != null) {
            return experiment.linear().propensity(featureVector, eligible, position);
        }
        return eligible.isAll() && experiment.segments().spec().attributeCount() == 0
            ? experiment.propensities().propensity(position)
            : experiment.segmentPropensities().propensity(match, eligible, position, memo, nowMillis);
    }

    /** Marks the answer as the fallback for a unit capped on every eligible variant. */
    public void markCapped() {
        capped = true;
    }

    /** Whether every eligible variant was capped for this unit (the answer says {@code "capped": true}). */
    public boolean capped() {
        return capped;
    }

    /** Whether a slate's order was ranked by the choice (share bounds then leave the slate alone). */
    public boolean ranked() {
        return ranked;
    }

    /**
     * Settles the variant: {@code position} (into the experiment's active variants, eligible), its probability given
     * the context and the eligible set, and the {@link DecisionFlags} to add.
     */
    public void decide(DecisionSlot slot, int position, double propensity, int flags) {
        if (!eligible().contains(position)) {
            throw new IllegalStateException(slot + " decided position " + position + ", which is not eligible");
        }
        this.position = position;
        this.propensity = propensity;
        this.flags |= flags;
        this.decidedBy = slot;
    }

    /** Replaces the logged propensity (share bounds: the true probability of the answer after the mixture). */
    public void propensity(double value) {
        this.propensity = value;
    }

    /** Adds {@link DecisionFlags} (for example a policy version) without deciding. */
    public void addFlags(int more) {
        this.flags |= more;
    }

    public boolean isDecided() {
        return decidedBy != null;
    }

    /** The slot whose stage decided; null before. */
    public DecisionSlot decidedBy() {
        return decidedBy;
    }

    /** The chosen position into {@code experiment().variants()}; -1 before a stage decided. */
    public int position() {
        return position;
    }

    public double propensity() {
        return propensity;
    }

    public int flags() {
        return flags;
    }

    public Experiment experiment() {
        return experiment;
    }

    /** The unit the request is for; empty when it named none. */
    public String unit() {
        return unit;
    }

    /** How many variants the request asked for (a slate when above 1). */
    public int count() {
        return count;
    }

    public long nowMillis() {
        return nowMillis;
    }

    /** The eligible positions, settled by the ELIGIBILITY stage (never empty after it). */
    public EligibleSet eligible() {
        return workspace.eligible();
    }

    /** The event loop's random generator and scratch arrays. */
    public Workspace workspace() {
        return workspace;
    }
}
