package io.arbiter.server.personalisation.experiment;

import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Set;

/**
 * The {@code challenger} member of a definition: another configuration of the experiment's own Thompson model that
 * is sampled beside the champion on every bandit decision (shadow mode) but never serves. It may set the members of a
 * definition that change the choice of a plain model, {@code prior} and {@code halfLife}; what it leaves out is the
 * experiment's own. Validated strictly: every problem is a 400 naming {@code challenger.<member>}, and unknown members
 * (a challenger's own context model included: not supported) are refused.
 *
 * <pre>
 * "challenger": {"prior": {"alpha": 1, "beta": 9}, "halfLife": "PT1H"}
 * </pre>
 *
 * @param prior          the challenger's prior, in the layout of {@link ExperimentSpec#prior()}
 * @param halfLifeMillis its half-life (0: none)
 */
public record ChallengerSpec(double[] prior, long halfLifeMillis) {
    private static final Set<String> MEMBERS = Set.of("prior", "halfLife");

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
                    + "' is not a member a challenger may set (prior, halfLife)");
            }
        }
        if (json.isEmpty()) {
            throw ApiException.badField("challenger", "'challenger' must set prior or halfLife");
        }
        final double[] prior = json.containsKey("prior")
            ? ExperimentSpec.prior(model, json.getValue("prior"), "challenger.prior") : ownPrior.clone();
        final long halfLife = json.containsKey("halfLife")
            ? ExperimentSpec.halfLife(json.getValue("halfLife"), "challenger.halfLife") : ownHalfLifeMillis;
        return new ChallengerSpec(prior, halfLife);
    }

    /** The stored and reported form: every member, resolved. */
    JsonObject toJson(RewardModel model) {
        return new JsonObject().put("prior", ExperimentSpec.priorJson(model, prior))
            .put("halfLife", halfLifeMillis / 1000.0);
    }

    /** Whether {@code other} is the same configuration (a challenger whose state carries over). */
    boolean sameAs(ChallengerSpec other) {
        return other != null && Arrays.equals(prior, other.prior) && halfLifeMillis == other.halfLifeMillis;
    }
}
