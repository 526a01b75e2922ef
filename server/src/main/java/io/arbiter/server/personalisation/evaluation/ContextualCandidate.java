package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.personalisation.experiment.ContextDefinition;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * A {@code thompson} candidate with its own {@code context} model, replayed over the log like the non-contextual
 * one ({@code BanditCandidate}): the experiment's segmented Thompson model ({@link SegmentedThompson}, the same
 * back-off as serving) over a private heap segment store whose root is a private posterior table, or a linear
 * Thompson model ({@link LinearThompson}) over a private heap model table. Before each row the run hands it the row's
 * logged context ({@link #context}): the {@code context} object's attributes and the {@code features} object's numbers
 * that the candidate's spec declares (others are ignored; a row without them is decided at the root, or by the
 * intercept). It answers with one posterior draw per row, and learns from the rows the replay accepts: a decision and
 * the reward in the row's segments (creating them, at most {@link #MAX_SEGMENTS} or the context's
 * {@code maxSegments}, whichever is fewer; a segment that does not fit is served by its parent), or the observation
 * applied to the linear model at once. <b>Single writer.</b>
 */
final class ContextualCandidate implements CandidatePolicy {
    /** Most segments one candidate keeps (as a shadow challenger's; about 2.6 MB of arms with 16 variants). */
    static final int MAX_SEGMENTS = 1024;
    /** Bytes of a linear candidate's observation ring: each observation is applied before the next row. */
    private static final int LINEAR_RING_BYTES = 1 << 16;

    private final Workspace workspace;
    private final EligibleSet all;
    private final SegmentedThompson segments;
    private final SegmentMatch match;
    private final LinearSpec linearSpec;
    private final LinearModelTable linearTable;
    private final LinearThompson linear;
    private final FeatureVector x;
    /** The row's declared attribute values, hashed (order-free): a segmented candidate's {@link #choiceKey}. */
    private long attributesKey;

    /**
     * @param context     the candidate's context (segments or linear)
     * @param policy      the candidate's policy (reward model, prior, half-life)
     * @param actions     number of actions (the log's variants)
     * @param epochMillis origin of the decay weights (the window's start)
     * @param seed        seed of the candidate's draws
     * @param experiment  the experiment's id (keys the segments)
     */
    ContextualCandidate(ContextDefinition context, ThompsonPolicy policy, int actions, long epochMillis, long seed,
                        String experiment) {
        this.workspace = new Workspace(seed, actions);
        this.all = new EligibleSet(actions).all(actions);
        final int[] positions = new int[actions];
        for (int i = 0; i < actions; i++) {
            positions[i] = i;
        }
        if (context.isSegments()) {
            // the model refuses segments beyond its spec's maxSegments: capped here, so the count is bounded too
            final ContextSpec spec = new ContextDefinition(context.model(), context.attributes(),
                context.interactions(), context.priorStrength(), Math.min(MAX_SEGMENTS, context.maxSegments()),
                context.features(), context.buckets(), context.lambda(), context.noiseVariance(), 0).segmentSpec();
            final PosteriorTable root = PosteriorTable.allocateHeap(actions, epochMillis);
            for (int i = 0; i < actions; i++) {
                root.allocateArm();
            }
            final int most = Math.max(1, Math.min(MAX_SEGMENTS, spec.maxSegments()));
            final int slots = Math.max(4, Integer.highestOneBit(most * 4 / 3 + 1) << 1);
            final int armsPerSegment = (actions + 3) / 4 * 4 + 4;
            final SegmentStore store = SegmentStore.allocateHeap(slots, 1, most * armsPerSegment, epochMillis);
            this.segments = new SegmentedThompson(experiment, spec, policy, store, root, positions, positions,
                actions);
            this.match = new SegmentMatch().reset(spec);
            this.linearSpec = null;
            this.linearTable = null;
            this.linear = null;
            this.x = null;
        } else if (context.isLinear()) {
            this.segments = null;
            this.match = null;
            this.linearSpec = context.linearSpec();
            this.linearTable = LinearModelTable.allocateHeap(linearSpec.dimension(), actions, LINEAR_RING_BYTES,
                context.lambda(), context.noiseVariance(), LinearModelTable.DEFAULT_REFACTOR_EVERY);
            this.linear = new LinearThompson(linearTable, positions);
            this.x = linearSpec.begin(new FeatureVector(linearSpec.dimension(), actions));
        } else {
            throw new IllegalArgumentException("a contextual candidate needs a segments or linear context");
        }
    }

    /**
     * Sets the next row's context from its logged {@code decisions.context} ({@code {"context": {attributes},
     * "features": {numbers}}}, null without one).
     */
    void context(JsonObject logged) {
        final JsonObject attributes = logged == null ? null : object(logged.getValue("context"));
        if (segments != null) {
            final ContextSpec spec = segments.spec();
            match.reset(spec);
            long key = 0;
            if (attributes != null) {
                for (final Map.Entry<String, Object> e : attributes) {
                    final int a = spec.attributeIndex(e.getKey());
                    if (a >= 0 && e.getValue() instanceof String value) {
                        match.value(a, value);
                        key += mix(ContextKeys.valueHash(value) + 0x9E3779B97F4A7C15L * (a + 1)); // sum: order-free
                    }
                }
            }
            attributesKey = key;
            segments.resolve(match, true);
            return;
        }
        linearSpec.begin(x);
        if (attributes != null) {
            for (final Map.Entry<String, Object> e : attributes) {
                final int a = linearSpec.attributeIndex(e.getKey());
                if (a >= 0 && e.getValue() instanceof String value) {
                    x.set(linearSpec.bucketIndex(a, ContextKeys.valueHash(value)), 1.0);
                }
            }
        }
        final JsonObject features = logged == null ? null : object(logged.getValue("features"));
        if (features != null) {
            for (final Map.Entry<String, Object> e : features) {
                final int index = linearSpec.featureIndex(e.getKey());
                if (index >= 0 && e.getValue() instanceof Number value) {
                    x.set(index, (float) value.doubleValue()); // as serving saw it: decision ids carry float32
                }
            }
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static JsonObject object(Object raw) {
        return raw instanceof JsonObject json ? json : null;
    }

    @Override
    public boolean probabilities(LoggedDecision row, double[] into) {
        return false; // Thompson: one draw per row (exact probabilities would cost thousands of draws)
    }

    @Override
    public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
        return segments != null ? segments.choose(match, all, workspace, row.timeMillis())
            : linear.choose(x, all, workspace);
    }

    /**
     * A linear candidate's choice probabilities for the row, analytic as serving logs them
     * ({@link LinearThompson#propensity}, from the scores' moments of one draw); a segmented one has none (its share
     * bounds estimate them by Monte Carlo, per context).
     */
    @Override
    public boolean choiceProbabilities(LoggedDecision row, double[] into) {
        if (linear == null) {
            return false;
        }
        linear.choose(x, all, workspace); // leaves the scores' moments in x
        for (int a = 0; a < all.count(); a++) {
            into[a] = linear.propensity(x, all, a);
        }
        return true;
    }

    /**
     * A segmented candidate's choice depends on the row only through its declared attributes' values: their hash, so
     * its share bounds keep one estimate per combination in use (rows whose logged context differs only in what the
     * candidate does not read share it). A linear one's probabilities are exact per row.
     */
    @Override
    public long choiceKey(LoggedDecision row) {
        return segments != null ? attributesKey : row.contextKey();
    }

    @Override
    public boolean learns() {
        return true;
    }

    @Override
    public void learn(LoggedDecision row) {
        final int action = row.action();
        if (segments != null) {
            segments.recordDecision(match, action);
            segments.update(match, action, action, row.reward(), row.timeMillis());
        } else if (linear.update(action, x, row.reward())) {
            linearTable.applyPendingObservations(Integer.MAX_VALUE);
        }
    }

    /** Segments the candidate created (0 for a linear one). */
    long segmentCount() {
        return segments == null ? 0 : segments.store().segments();
    }

    /** Segments the candidate could not create (its store was full), 0 for a linear one. */
    long capacityFallbacks() {
        return segments == null ? 0 : segments.store().capacityFallbacks(segments.experimentKey());
    }
}
