package io.arbiter.server.personalisation.decide;

import io.arbiter.bandits.context.ContextKeys;
import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentMatch;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.server.personalisation.experiment.Experiment;
import io.arbiter.server.token.ContextKey;

/**
 * CONTEXT: maps the parsed request onto the experiment's model; attributes and features the experiment does not
 * declare are ignored.
 *
 * <ul>
 *   <li>Segments (and a plain experiment, whose model is the root alone): the declared attributes' values go into the
 *       decision's {@code SegmentMatch}, which is resolved (matched segments found or created, lock-free; one that
 *       does not fit is served by its parent and counted by the store).</li>
 *   <li>Linear: the feature vector (intercept, declared features, one-hot buckets of declared attributes).</li>
 * </ul>
 * It also writes the compact context key the decision id carries ({@link ContextKey}) and the context logged with the
 * decision row: {@code {"context": {declared attributes}, "features": {declared features}}}.
 */
final class ContextStage implements DecisionStage {
    private final float[] featureScratch = new float[64];
    private final short[] bucketScratch = new short[64];

    @Override
    public void apply(Decision d) {
        final Experiment experiment = d.experiment;
        if (experiment.linear() != null) {
            linear(d, experiment);
            return;
        }
        final SegmentedThompson model = experiment.segments();
        final ContextSpec spec = model.spec();
        final SegmentMatch match = d.match;
        match.reset(spec);
        if (spec.attributeCount() > 0) {
            d.model = ContextKey.SEGMENTS;
            final StringBuilder json = d.contextJson;
            json.append("{\"context\":{");
            boolean first = true;
            for (int i = 0; i < d.attributes; i++) {
                final int a = spec.attributeIndex(d.attributeNames[i]);
                if (a >= 0) {
                    match.value(a, d.attributeValues[i]);
                    first = appendMember(json, first, d.attributeNames[i]);
                    appendString(json, d.attributeValues[i]);
                }
            }
            json.append("}}");
            final ContextKey key = d.contextKey.begin(ContextKey.SEGMENTS, experiment.contextFingerprint());
            for (int a = 0; a < spec.attributeCount(); a++) {
                key.putLong(match.valueHash(a));
            }
        }
        model.resolve(match, true);
    }

    private void linear(Decision d, Experiment experiment) {
        d.model = ContextKey.LINEAR;
        final LinearSpec spec = experiment.linearSpec();
        final FeatureVector x = spec.begin(d.featureVector);
        final int features = spec.featureCount();
        final int attributes = spec.attributeCount();
        java.util.Arrays.fill(featureScratch, 0, features, 0f);
        java.util.Arrays.fill(bucketScratch, 0, attributes, (short) -1);
        final StringBuilder json = d.contextJson;
        json.append("{\"context\":{");
        boolean first = true;
        for (int i = 0; i < d.attributes; i++) {
            final int a = spec.attributeIndex(d.attributeNames[i]);
            if (a >= 0) {
                final int index = spec.bucketIndex(a, ContextKeys.valueHash(d.attributeValues[i]));
                if (bucketScratch[a] >= 0) { // the attribute came twice: the last value counts
                    x.set(firstBucket(spec, a) + bucketScratch[a], 0.0);
                }
                x.set(index, 1.0);
                bucketScratch[a] = (short) (index - firstBucket(spec, a));
                first = appendMember(json, first, d.attributeNames[i]);
                appendString(json, d.attributeValues[i]);
            }
        }
        json.append("},\"features\":{");
        first = true;
        for (int i = 0; i < d.features; i++) {
            final int index = spec.featureIndex(d.featureNames[i]);
            if (index >= 0) {
                final float value = (float) d.featureValues[i];
                x.set(index, value); // as the reward will see it: the id carries float32
                featureScratch[index - 1] = value;
                first = appendMember(json, first, d.featureNames[i]);
                final int length = d.featureTextLength[i];
                if (length >= 0) { // the request's number text, as valid JSON as it was there
                    json.append(d.featureText, i * Decision.FEATURE_TEXT, length);
                } else {
                    json.append(d.featureValues[i]);
                }
            }
        }
        json.append("}}");
        final ContextKey key = d.contextKey.begin(ContextKey.LINEAR, experiment.contextFingerprint());
        for (int f = 0; f < features; f++) {
            key.putFloat(featureScratch[f]);
        }
        for (int a = 0; a < attributes; a++) {
            key.putShort(bucketScratch[a]);
        }
    }

    /** Index in x of attribute {@code a}'s first bucket: after the intercept and the features. */
    static int firstBucket(LinearSpec spec, int a) {
        return 1 + spec.featureCount() + a * spec.buckets();
    }

    private static boolean appendMember(StringBuilder json, boolean first, String name) {
        if (!first) {
            json.append(',');
        }
        appendString(json, name);
        json.append(':');
        return false;
    }

    /** Appends {@code value} as a JSON string (quotes, backslashes and control characters escaped). */
    static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0, n = value.length(); i < n; i++) {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append("\\u00");
                json.append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }
}
