package io.arbiter.server.personalisation.reward;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.ContextKey;
import io.arbiter.server.token.DecisionToken;

/**
 * Where a reward lands, read from its decision id alone (no lookup): the root arm always; with a segment context, every
 * segment the decision matched that exists (found, never created); with a linear context, the linear model with the
 * decision's features. A decision id made under another context definition (its fingerprint differs) or without a
 * context updates the root only. Built before the reward is journaled (the journal row carries the segments, for
 * {@code segment_aggregates}); {@link #update} runs once it is durable.
 */
final class ContextAttribution {
    private final Experiment experiment;
    private final SegmentMatch match;
    private final FeatureVector features;
    private final int ordinal;
    private final String segments;

    private ContextAttribution(Experiment experiment, SegmentMatch match, FeatureVector features, int ordinal,
                               String segments) {
        this.experiment = experiment;
        this.match = match;
        this.features = features;
        this.ordinal = ordinal;
        this.segments = segments;
    }

    static ContextAttribution of(Experiment experiment, DecisionToken token) {
        final int ordinal = experiment.ordinalOf(token.variant());
        if (token.context().isEmpty() || ordinal < 0) {
            return new ContextAttribution(experiment, null, null, ordinal, "");
        }
        final ContextKey key = new ContextKey();
        if (!key.decode(token.context()) || key.fingerprint() != experiment.contextFingerprint()) {
            return new ContextAttribution(experiment, null, null, ordinal, "");
        }
        if (key.model() == ContextKey.SEGMENTS && experiment.linear() == null) {
            return segments(experiment, key, ordinal);
        }
        if (key.model() == ContextKey.LINEAR && experiment.linear() != null) {
            return linear(experiment, key, ordinal);
        }
        return new ContextAttribution(experiment, null, null, ordinal, "");
    }

    private static ContextAttribution segments(Experiment experiment, ContextKey key, int ordinal) {
        final SegmentedThompson model = experiment.segments();
        final ContextSpec spec = model.spec();
        if (key.remaining() != 8 * spec.attributeCount()) {
            return new ContextAttribution(experiment, null, null, ordinal, "");
        }
        final SegmentMatch match = new SegmentMatch().reset(spec);
        for (int a = 0; a < spec.attributeCount(); a++) {
            match.valueHash(a, key.getLong());
        }
        model.resolveForUpdate(match);
        final SegmentStore store = model.store();
        final StringBuilder pairs = new StringBuilder();
        for (int level = 1; level < spec.levelCount(); level++) {
            final int slot = match.slot(level);
            if (slot >= 0) {
                if (pairs.length() > 0) {
                    pairs.append(' ');
                }
                pairs.append(store.key(slot)).append(':').append(store.levelKey(slot));
            }
        }
        return new ContextAttribution(experiment, match, null, ordinal, pairs.toString());
    }

    private static ContextAttribution linear(Experiment experiment, ContextKey key, int ordinal) {
        final LinearSpec spec = experiment.linearSpec();
        if (key.remaining() != 4 * spec.featureCount() + 2 * spec.attributeCount()) {
            return new ContextAttribution(experiment, null, null, ordinal, "");
        }
        final FeatureVector x = spec.begin(new FeatureVector(spec.dimension(), 1));
        for (int f = 0; f < spec.featureCount(); f++) {
            final float value = key.getFloat();
            if (!Float.isFinite(value)) {
                return new ContextAttribution(experiment, null, null, ordinal, "");
            }
            x.set(1 + f, value);
        }
        for (int a = 0; a < spec.attributeCount(); a++) {
            final int bucket = key.getShort();
            if (bucket >= spec.buckets()) {
                return new ContextAttribution(experiment, null, null, ordinal, "");
            }
            if (bucket >= 0) {
                x.set(1 + spec.featureCount() + a * spec.buckets() + bucket, 1.0);
            }
        }
        return new ContextAttribution(experiment, null, x, ordinal, "");
    }

    /** The segments the reward updates, as {@code segmentKey:levelKey} pairs for the journal row. */
    String segments() {
        return segments;
    }

    /** The experiment's id. */
    String experimentId() {
        return experiment.id();
    }

    /** Whether the reward teaches the experiment's linear model (the decision's features were read from its id). */
    boolean teachesLinear() {
        return features != null;
    }

    /**
     * Offers the reward to the linear model only (another node's reward, whose root totals arrive by the shared
     * aggregates): false when the ring is full (offer again later).
     */
    boolean updateLinear(double reward) {
        return experiment.linear().update(ordinal, features, reward);
    }

    /**
     * Offers another node's reward, its number {@code number} in that node's order, to the linear model only: a
     * model that contains that number already skips it. False when the ring is full (offer again later).
     */
    boolean replayLinear(double reward, long source, long number) {
        return experiment.linear().table().offerReplayed(ordinal, features, reward, source, number);
    }

    /** Queues the take-back of this reward from the linear model (it was applied here, and stored by another node). */
    boolean retractLinear(double reward) {
        return experiment.linear().table().offerRetraction(ordinal, features, reward);
    }

    /** Applies the reward: root arm, and the decision's segments or linear model. */
    void update(int rootArm, double reward, long nowMillis) {
        if (match != null) {
            experiment.segments().update(match, rootArm, ordinal, reward, nowMillis);
            return;
        }
        experiment.policy().update(experiment.segments().rootTable(), rootArm, reward, nowMillis);
        if (features != null) {
            experiment.linear().update(ordinal, features, reward); // false: ring full, counted by the table
        }
    }
}
