package io.arbiter.server.personalisation.experiment;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.token.DecisionFlags;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Set;

/**
 * The {@code challenger} member of a definition: another configuration of the experiment's own Thompson model that
 * is sampled beside the champion on every bandit decision (shadow mode) but never serves. It may set {@code prior}
 * and {@code halfLife} (what it leaves out is the experiment's own) and its own {@code context} model (absent: none, a
 * plain model, whatever the experiment's), with the same validation as the experiment's {@code context}
 * ({@code segments} or {@code linear}). Validated strictly: every problem is a 400 naming
 * {@code challenger.<member>} (for the context, {@code challenger.context.<member>}), and unknown members are
 * refused.
 *
 * <pre>
 * "challenger": {"prior": {"alpha": 1, "beta": 9}, "halfLife": "PT1H",
 *                "context": {"model": "segments", "attributes": ["device"]}}
 * </pre>
 *
 * @param prior          the challenger's prior, in the layout of {@link ExperimentSpec#prior()}
 * @param halfLifeMillis its half-life (0: none)
 * @param context        its context model ({@link ContextDefinition#ABSENT}: none)
 */
public record ChallengerSpec(double[] prior, long halfLifeMillis, ContextDefinition context) {
    private static final Set<String> MEMBERS = Set.of("prior", "halfLife", "context");

    /** Parses the {@code challenger} member against the rest of the definition; null (absent or null) is none. */
    static ChallengerSpec fromJson(Object raw, RewardModel model, double[] ownPrior, long ownHalfLifeMillis) {
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof JsonObject json)) {
            throw ApiException.badField("challenger", "'challenger' must be an object or null");
        }
        for (final String member : json.fieldNames()) {
            if (!MEMBERS.contains(member)) {
                throw ApiException.badField("challenger." + member, "'challenger." + member
                    + "' is not a member a challenger may set (prior, halfLife, context)");
            }
        }
        if (json.isEmpty()) {
            throw ApiException.badField("challenger", "'challenger' must set prior, halfLife or context");
        }
        final double[] prior = json.containsKey("prior")
            ? ExperimentSpec.prior(model, json.getValue("prior"), "challenger.prior") : ownPrior.clone();
        final long halfLife = json.containsKey("halfLife")
            ? ExperimentSpec.halfLife(json.getValue("halfLife"), "challenger.halfLife") : ownHalfLifeMillis;
        return new ChallengerSpec(prior, halfLife, context(json.getValue("context")));
    }

    /** The challenger's {@code context}, validated as the experiment's, its errors named under the challenger. */
    private static ContextDefinition context(Object raw) {
        final ContextDefinition context;
        try {
            context = ContextDefinition.fromJson(raw);
        } catch (ApiException e) {
            final String field = e.field() == null ? "context" : e.field();
            throw new ApiException(e.status(), e.getMessage().replace("'context", "'challenger.context"),
                "challenger." + field);
        }
        return context;
    }

    /** The stored and reported form: every member, resolved. */
    JsonObject toJson(RewardModel model) {
        final JsonObject json = new JsonObject().put("prior", ExperimentSpec.priorJson(model, prior))
            .put("halfLife", halfLifeMillis / 1000.0);
        if (!ContextDefinition.NONE.equals(context.model())) {
            json.put("context", context.toJson());
        }
        return json;
    }

    /**
     * The generation of this configuration, 1..255: a hash (CRC-32C) of its stored form, so every node and every
     * restart derives the same one from the same configuration, and a changed configuration gets another one except
     * with probability 1/255 (then the rewards of the older configuration's agreements still in flight teach the new
     * one, as if it had made them).
     */
    int generation(RewardModel model) {
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(toJson(model).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) (crc.getValue() % DecisionFlags.MAX_POLICY_VERSION) + 1;
    }

    /** Whether {@code other} is the same configuration (a challenger whose state carries over). */
    boolean sameAs(ChallengerSpec other) {
        return other != null && Arrays.equals(prior, other.prior) && halfLifeMillis == other.halfLifeMillis
            && context.equals(other.context);
    }
}
