package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.server.personalisation.experiment.ContextDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segmented candidate's memory: at most its context's {@code maxSegments}, and never more than
 * {@link ContextualCandidate#MAX_SEGMENTS}; the rest are served by the root.
 */
class ContextualCandidateTest {

    @Test
    void aSegmentedCandidateKeepsAtMostItsMaxSegments() {
        final ContextDefinition context = ContextDefinition.fromJson(new JsonObject().put("model", "segments")
            .put("attributes", new JsonArray().add("device")).put("maxSegments", 2));
        final ContextualCandidate candidate = new ContextualCandidate(context, new BetaBernoulliThompson(1, 1, 0, 100),
            3, 0, 7, "e");
        final LoggedDecision row = new LoggedDecision(0);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(7);
        for (int i = 0; i < 50; i++) {
            candidate.context(new JsonObject().put("context", new JsonObject().put("device", "d" + (i % 10))));
            row.set(i, 0, i % 3, 1.0 / 3, i % 2, 1, 0);
            final int chosen = candidate.sample(row, rng);
            assertTrue(chosen >= 0 && chosen < 3);
            candidate.learn(row);
        }
        assertEquals(2, candidate.segmentCount(), "two of the ten devices got a segment");
        assertTrue(candidate.capacityFallbacks() > 0, "the others were served by the root");
    }

    @Test
    void aSegmentedCandidateKeepsAtMostItsOwnCapWhateverItsMaxSegments() {
        final ContextDefinition context = ContextDefinition.fromJson(new JsonObject().put("model", "segments")
            .put("attributes", new JsonArray().add("device")).put("maxSegments", 100_000));
        final ContextualCandidate candidate = new ContextualCandidate(context, new BetaBernoulliThompson(1, 1, 0, 100),
            3, 0, 7, "e");
        final LoggedDecision row = new LoggedDecision(0);
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(7);
        final int devices = ContextualCandidate.MAX_SEGMENTS + 200;
        for (int i = 0; i < devices; i++) {
            candidate.context(new JsonObject().put("context", new JsonObject().put("device", "d" + i)));
            row.set(i, 0, i % 3, 1.0 / 3, i % 2, 1, 0);
            candidate.sample(row, rng);
            candidate.learn(row);
        }
        assertTrue(candidate.segmentCount() <= ContextualCandidate.MAX_SEGMENTS, candidate.segmentCount()
            + " segments");
        assertTrue(candidate.segmentCount() > 0);
    }

    /**
     * Share bounds keep a segmented candidate's Monte-Carlo estimates per {@code choiceKey}: the values of the
     * attributes it declares, whatever else the logged context holds (features, other attributes) and in any order;
     * a linear candidate gives its probabilities analytically (summing to 1), a segmented one does not.
     */
    @Test
    void aSegmentedCandidateKeysItsChoiceByItsOwnAttributesAndALinearOneHasExactProbabilities() {
        final ContextualCandidate segmented = new ContextualCandidate(ContextDefinition.fromJson(new JsonObject()
            .put("model", "segments").put("attributes", new JsonArray().add("device").add("country"))),
            new BetaBernoulliThompson(1, 1, 0, 100), 3, 0, 7, "e");
        final LoggedDecision row = new LoggedDecision(0).set(0, 1, 0, 1.0 / 3, 0, 1, 0);
        final long[] keys = new long[4];
        segmented.context(new JsonObject().put("context", new JsonObject().put("device", "m").put("country", "fr"))
            .put("features", new JsonObject().put("age", 30)));
        keys[0] = segmented.choiceKey(row.set(0, 11, 0, 1.0 / 3, 0, 1, 0));
        segmented.context(new JsonObject().put("context", new JsonObject().put("country", "fr").put("device", "m")
            .put("browser", "x")));
        keys[1] = segmented.choiceKey(row.set(0, 12, 0, 1.0 / 3, 0, 1, 0));
        segmented.context(new JsonObject().put("context", new JsonObject().put("device", "fr").put("country", "m")));
        keys[2] = segmented.choiceKey(row);
        segmented.context(new JsonObject().put("context", new JsonObject().put("device", "d")));
        keys[3] = segmented.choiceKey(row);
        assertEquals(keys[0], keys[1], "what the candidate does not read does not split its estimates");
        assertTrue(keys[0] != keys[2] && keys[0] != keys[3] && keys[2] != keys[3], "its own attributes do");
        assertTrue(!segmented.choiceProbabilities(row, new double[3]), "a segmented candidate is estimated");

        final ContextualCandidate linear = new ContextualCandidate(ContextDefinition.fromJson(new JsonObject()
            .put("model", "linear").put("attributes", new JsonArray().add("device"))),
            new BetaBernoulliThompson(1, 1, 0, 100), 3, 0, 7, "e");
        linear.context(new JsonObject().put("context", new JsonObject().put("device", "m")));
        final double[] p = new double[3];
        assertTrue(linear.choiceProbabilities(row, p), "a linear candidate's probabilities are analytic");
        assertEquals(1.0, p[0] + p[1] + p[2], 0.02);
        assertEquals(1.0 / 3, p[1], 0.02, "a fresh model is indifferent");
    }
}
