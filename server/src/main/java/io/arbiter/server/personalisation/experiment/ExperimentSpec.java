package io.arbiter.server.personalisation.experiment;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.config.Durations;
import io.arbiter.server.personalisation.guard.GuardSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment as its owner describes it (the body of {@code PUT /v1/experiments/{id}}), validated.
 *
 * <pre>
 * {"variants": ["A", "B"], "default": "A", "rewardModel": "bernoulli", "halfLife": "PT6H",
 *  "prior": {"alpha": 1, "beta": 1}, "status": "active"}
 * </pre>
 * Gaussian priors are {@code {"mean": 0, "kappa": 0.01, "a": 1, "b": 1}} (Normal-Gamma). {@code halfLife} is an
 * ISO-8601 duration or a number of seconds; absent or 0 means no discounting. {@code context} declares how decisions
 * use the request's context ({@link ContextDefinition}; absent: not at all). {@code sticky} (a duration, at least one
 * second) keeps a unit on its variant for that long while the variant stays active and eligible. The do-no-harm
 * fields (holdout, share bounds, burn-in, frequency cap, guardrails) are read by {@link GuardSpec}.
 */
public record ExperimentSpec(String id, List<String> variants, String defaultVariant, RewardModel rewardModel,
                             long halfLifeMillis, double[] prior, boolean paused, ContextDefinition context,
                             long stickyMillis, GuardSpec guard, ChallengerSpec challenger, String promotedFrom) {
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Longest sticky assignment. */
    public static final long MAX_STICKY_MILLIS = 365L * 24 * 3600 * 1000;

    public static void checkId(String id, String field) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badField(field, "'" + field + "' must be 1 to 64 characters of A-Z a-z 0-9 _ -");
        }
    }

    /** Parses and validates a definition; every problem is a 400 naming the field. */
    public static ExperimentSpec fromJson(String id, JsonObject json, int maxVariants) {
        checkId(id, "id");
        final Object rawVariants = json.getValue("variants");
        if (!(rawVariants instanceof JsonArray array) || array.isEmpty()) {
            throw ApiException.badField("variants", "'variants' must be a non-empty array of variant ids");
        }
        if (array.size() > maxVariants) {
            throw ApiException.badField("variants", "at most " + maxVariants + " variants are allowed");
        }
        final List<String> variants = new ArrayList<>(array.size());
        final Set<String> seen = new HashSet<>();
        for (final Object v : array) {
            if (!(v instanceof String s)) {
                throw ApiException.badField("variants", "'variants' must contain only strings");
            }
            checkId(s, "variants");
            if (!seen.add(s)) {
                throw ApiException.badField("variants", "variant '" + s + "' appears twice");
            }
            variants.add(s);
        }
        final Object rawDefault = json.getValue("default", variants.get(0));
        if (!(rawDefault instanceof String defaultVariant) || !seen.contains(defaultVariant)) {
            throw ApiException.badField("default", "'default' must be one of the variants");
        }
        final Object rawModel = json.getValue("rewardModel", "bernoulli");
        final RewardModel model;
        if ("bernoulli".equals(rawModel)) {
            model = RewardModel.BERNOULLI;
        } else if ("gaussian".equals(rawModel)) {
            model = RewardModel.GAUSSIAN;
        } else {
            throw ApiException.badField("rewardModel", "'rewardModel' must be \"bernoulli\" or \"gaussian\"");
        }
        final long halfLife = halfLife(json.getValue("halfLife"), "halfLife");
        final double[] prior = prior(model, json.getValue("prior"), "prior");
        final Object rawStatus = json.getValue("status", "active");
        final boolean paused;
        if ("active".equals(rawStatus)) {
            paused = false;
        } else if ("paused".equals(rawStatus)) {
            paused = true;
        } else {
            throw ApiException.badField("status", "'status' must be \"active\" or \"paused\"");
        }
        return new ExperimentSpec(id, List.copyOf(variants), defaultVariant, model, halfLife, prior, paused,
            ContextDefinition.fromJson(json.getValue("context")), sticky(json.getValue("sticky")),
            GuardSpec.fromJson(json, variants, defaultVariant),
            ChallengerSpec.fromJson(json.getValue("challenger"), model, prior, halfLife),
            promotedFrom(json.getValue("promotedFrom")));
    }

    private static String promotedFrom(Object raw) {
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof String s) || s.isEmpty() || s.length() > 128) {
            throw ApiException.badField("promotedFrom",
                "'promotedFrom' must be a string of 1 to 128 characters (an evaluation job id)");
        }
        return s;
    }

    private static long sticky(Object raw) {
        if (raw == null) {
            return 0;
        }
        final long millis;
        try {
            millis = Durations.parse(raw, "'sticky'", true).toMillis();
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("sticky", e.getMessage());
        }
        if (millis != 0 && (millis < 1000 || millis > MAX_STICKY_MILLIS)) {
            throw ApiException.badField("sticky", "'sticky' must be 0 (off) or between one second and 365 days");
        }
        return millis;
    }

    static long halfLife(Object raw, String field) {
        if (raw == null) {
            return 0;
        }
        final long millis;
        try {
            millis = Durations.parse(raw, "'" + field + "'", true).toMillis();
        } catch (IllegalArgumentException e) {
            throw ApiException.badField(field, e.getMessage());
        }
        if (millis != 0 && millis < 1000) {
            throw ApiException.badField(field, "'" + field + "' must be 0 (off) or at least one second");
        }
        return millis;
    }

    static double[] prior(RewardModel model, Object raw, String field) {
        if (raw != null && !(raw instanceof JsonObject)) {
            throw ApiException.badField(field, "'" + field + "' must be an object");
        }
        final JsonObject p = raw == null ? new JsonObject() : (JsonObject) raw;
        if (model == RewardModel.BERNOULLI) {
            return new double[] {positive(p, "alpha", 1.0, field), positive(p, "beta", 1.0, field)};
        }
        final Object mean = p.getValue("mean", 0.0);
        if (!(mean instanceof Number m) || !Double.isFinite(m.doubleValue())) {
            throw ApiException.badField(field, "'" + field + ".mean' must be a finite number");
        }
        return new double[] {m.doubleValue(), positive(p, "kappa", 0.01, field), positive(p, "a", 1.0, field),
            positive(p, "b", 1.0, field)};
    }

    private static double positive(JsonObject p, String name, double fallback, String field) {
        final Object v = p.getValue(name, fallback);
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
            throw ApiException.badField(field, "'" + field + "." + name + "' must be a positive finite number");
        }
        return n.doubleValue();
    }

    /** The definition's JSON, with the context and sticky members when set. */
    public JsonObject toJson() {
        final JsonObject json = coreJson();
        if (!ContextDefinition.NONE.equals(context.model())) {
            json.put("context", context.toJson());
        }
        if (stickyMillis > 0) {
            json.put("sticky", stickyMillis / 1000.0);
        }
        if (challenger != null) {
            json.put("challenger", challenger.toJson(rewardModel));
        }
        if (promotedFrom != null) {
            json.put("promotedFrom", promotedFrom);
        }
        return json;
    }

    private JsonObject coreJson() {
        final JsonObject prior = priorJson(rewardModel, this.prior);
        final JsonObject json = new JsonObject()
            .put("variants", new JsonArray(new ArrayList<>(variants)))
            .put("default", defaultVariant)
            .put("rewardModel", rewardModel.wireName())
            .put("halfLife", halfLifeMillis / 1000.0)
            .put("prior", prior)
            .put("status", paused ? "paused" : "active");
        guard.writeTo(json, variants);
        return json;
    }

    static JsonObject priorJson(RewardModel model, double[] prior) {
        return model == RewardModel.BERNOULLI
            ? new JsonObject().put("alpha", prior[0]).put("beta", prior[1])
            : new JsonObject().put("mean", prior[0]).put("kappa", prior[1]).put("a", prior[2]).put("b", prior[3]);
    }

    public ExperimentSpec withPaused(boolean paused) {
        return new ExperimentSpec(id, variants, defaultVariant, rewardModel, halfLifeMillis, prior, paused, context,
            stickyMillis, guard, challenger, promotedFrom);
    }

    /** The same definition with the do-no-harm part's salt set (kept from the stored experiment, or new). */
    public ExperimentSpec withSalt(long salt) {
        return new ExperimentSpec(id, variants, defaultVariant, rewardModel, halfLifeMillis, prior, paused, context,
            stickyMillis, guard.withSalt(salt), challenger, promotedFrom);
    }

    /** The same definition with {@code context} (its linear model's variant capacity fixed). */
    public ExperimentSpec withContext(ContextDefinition context) {
        return new ExperimentSpec(id, variants, defaultVariant, rewardModel, halfLifeMillis, prior, paused, context,
            stickyMillis, guard, challenger, promotedFrom);
    }
}
