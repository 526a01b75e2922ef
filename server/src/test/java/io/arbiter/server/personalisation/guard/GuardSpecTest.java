package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.GuardrailDirection;
import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardSpecTest {
    private static final List<String> VARIANTS = List.of("A", "B", "C");

    private static JsonObject full() {
        return new JsonObject().put("holdout", 0.1).put("holdoutPolicy", "uniform").put("minShare", 0.05)
            .put("shares", new JsonObject().put("A", new JsonObject().put("min", 0.2))
                .put("C", new JsonObject().put("max", 0.5)))
            .put("burnIn", 100).put("frequencyCap", new JsonObject().put("count", 3).put("period", "P1D"))
            .put("whenAllCapped", "noContent")
            .put("guardrails", new JsonArray().add(new JsonObject().put("metric", "unsubscribe")
                .put("direction", "lower").put("maxRelativeHarm", 0.2).put("confidence", 0.95)));
    }

    @Test
    void parsesEveryField() {
        final GuardSpec spec = GuardSpec.fromJson(full(), VARIANTS, "B");
        assertEquals(0.1, spec.holdout());
        assertEquals("B", spec.holdoutVariant(), "the holdout variant defaults to the default variant");
        assertTrue(spec.uniformHoldout());
        assertArrayEquals(new double[] {0.2, 0.05, 0.05}, spec.minShares());
        assertArrayEquals(new double[] {1.0, 1.0, 0.5}, spec.maxShares());
        assertEquals(100, spec.burnIn());
        assertEquals(3, spec.capCount());
        assertEquals(86_400_000L, spec.capPeriodMillis());
        assertTrue(spec.noContentWhenAllCapped());
        assertEquals(new GuardSpec.GuardrailSpec("unsubscribe", GuardrailDirection.LOWER, 0.2, 0.95),
            spec.guardrails().get(0));
        assertTrue(spec.hasMetric("unsubscribe"));
        assertFalse(spec.hasMetric("bounce"));
    }

    @Test
    void defaultsSwitchEverythingOff() {
        final GuardSpec spec = GuardSpec.fromJson(new JsonObject(), VARIANTS, "A");
        assertEquals(0.0, spec.holdout());
        assertFalse(spec.hasShareBounds());
        assertFalse(spec.hasFrequencyCap());
        assertEquals(0, spec.burnIn());
        assertTrue(spec.guardrails().isEmpty());
    }

    @Test
    void theStoredFormReadsBackTheSame() {
        final GuardSpec spec = GuardSpec.fromJson(full(), VARIANTS, "B").withSalt(0x1234_5678_9abc_def0L);
        final JsonObject stored = new JsonObject();
        spec.writeTo(stored, VARIANTS);
        final GuardSpec back = GuardSpec.fromJson(stored, VARIANTS, "B");
        assertEquals(spec.holdout(), back.holdout());
        assertEquals(spec.salt(), back.salt());
        assertArrayEquals(spec.minShares(), back.minShares());
        assertArrayEquals(spec.maxShares(), back.maxShares());
        assertEquals(spec.guardrails(), back.guardrails());
        assertEquals(spec.capPeriodMillis(), back.capPeriodMillis());
        assertEquals(spec.noContentWhenAllCapped(), back.noContentWhenAllCapped());
    }

    @Test
    void namesTheFieldOfEveryMistake() {
        assertField("holdout", full().put("holdout", 1.0));
        assertField("holdout", full().put("holdout", -0.1));
        assertField("holdout", full().put("holdout", "10%"));
        assertField("holdoutVariant", full().put("holdoutVariant", "Z"));
        assertField("holdoutPolicy", full().put("holdoutPolicy", "random"));
        assertField("minShare", full().put("minShare", 0.4).putNull("shares"));
        assertField("minShare", full().put("minShare", -0.1));
        assertField("shares", full().put("shares", new JsonObject().put("A", new JsonObject().put("min", 0.6))
            .put("B", new JsonObject().put("min", 0.5))));
        assertField("shares.A.min", full().put("shares", new JsonObject().put("A", new JsonObject().put("min", 0.6)
            .put("max", 0.5))));
        assertField("shares.A.max", full().put("shares", new JsonObject().put("A", new JsonObject().put("max", 1.5))));
        assertField("shares.A.min", full().put("shares", new JsonObject().put("A", new JsonObject().put("min", "x"))));
        assertField("minShare", full().put("minShare", 0.3).put("shares", new JsonObject().put("A",
            new JsonObject().put("max", 0.2))));
        assertField("shares.Z", full().put("shares", new JsonObject().put("Z", new JsonObject().put("min", 0.1))));
        assertField("shares.A.floor", full().put("shares", new JsonObject().put("A", new JsonObject()
            .put("floor", 0.1))));
        assertField("burnIn", full().put("burnIn", -1));
        assertField("burnIn", full().put("burnIn", 1.5));
        assertField("frequencyCap.count", full().put("frequencyCap", new JsonObject().put("count", 0)
            .put("period", "P1D")));
        assertField("frequencyCap.count", full().put("frequencyCap", new JsonObject().put("count", 256)
            .put("period", "P1D")));
        assertField("frequencyCap.period", full().put("frequencyCap", new JsonObject().put("count", 3)
            .put("period", "PT0S")));
        assertField("frequencyCap.period", full().put("frequencyCap", new JsonObject().put("count", 3)
            .put("period", "-PT1H")));
        assertField("frequencyCap.period", full().put("frequencyCap", new JsonObject().put("count", 3)));
        assertField("frequencyCap", full().put("frequencyCap", 3));
        assertField("whenAllCapped", full().put("whenAllCapped", "nothing"));
        assertField("guardrails", full().put("guardrails", new JsonObject()));
        assertField("guardrails", full().put("guardrails", new JsonArray().add(new JsonObject()
            .put("metric", "has space").put("maxRelativeHarm", 0.2))));
        assertField("guardrails", full().put("guardrails", new JsonArray().add(new JsonObject()
            .put("metric", "u").put("direction", "up").put("maxRelativeHarm", 0.2))));
        assertField("guardrails", full().put("guardrails", new JsonArray().add(new JsonObject()
            .put("metric", "u").put("direction", "higher").put("maxRelativeHarm", 1.0))));
        assertField("guardrails", full().put("guardrails", new JsonArray().add(new JsonObject()
            .put("metric", "u").put("maxRelativeHarm", 0.2).put("confidence", 1.0))));
        assertField("guardrails", full().put("guardrails", new JsonArray().add(new JsonObject()
            .put("metric", "u").put("maxRelativeHarm", 0.2)).add(new JsonObject().put("metric", "u")
            .put("maxRelativeHarm", 0.3))));
        assertField("salt", full().put("salt", "not-hex"));
    }

    @Test
    void boundsOfASubsetRaiseMaxesThatCannotReachOne() {
        final GuardSpec spec = GuardSpec.fromJson(full(), VARIANTS, "B");
        assertEquals(1.0, spec.bounds(new int[] {2}).max(0), "C alone must be allowed to take everything");
        assertEquals(0.2, spec.bounds(new int[] {0, 2}).min(0));
    }

    private static void assertField(String field, JsonObject json) {
        final ApiException e = assertThrows(ApiException.class, () -> GuardSpec.fromJson(json, VARIANTS, "A"),
            json.encode());
        assertEquals(400, e.status());
        assertEquals(field, e.field(), e.getMessage());
    }
}
