package io.arbiter.server.personalisation.guard;

import io.vertx.core.json.JsonObject;

/**
 * A variant suspended by a guardrail: it gets no traffic (its minimum share no longer applies) until an admin
 * resumes it. Stored in Postgres ({@code variant_suspensions}) with the evidence the rule saw.
 *
 * @param variant  the suspended variant
 * @param metric   the guardrail metric that showed harm
 * @param atMillis when it was suspended
 * @param evidence both groups' counts, rates and confidence-sequence bounds, and the bound on the harm
 */
public record Suspension(String variant, String metric, long atMillis, JsonObject evidence) {
    public JsonObject toJson() {
        return new JsonObject().put("variant", variant).put("metric", metric)
            .put("suspendedAt", java.time.Instant.ofEpochMilli(atMillis).toString()).put("evidence", evidence);
    }
}
