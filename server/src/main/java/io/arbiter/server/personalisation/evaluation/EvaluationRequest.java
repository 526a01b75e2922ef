package io.arbiter.server.personalisation.evaluation;

import io.arbiter.bandits.eval.Estimator;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.personalisation.experiment.ExperimentSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /v1/experiments/{id}/evaluations} (and of the {@code evaluate} command), validated against
 * the experiment it evaluates:
 * <pre>
 * {"policies": [{"name": "always-C", "type": "fixed", "variant": "C"}, {"type": "uniform"},
 *               {"name": "strong-prior", "type": "thompson", "config": {"prior": {"alpha": 2, "beta": 8}}},
 *               {"name": "by-device", "type": "thompson", "config": {"burnIn": 100,
 *                "context": {"model": "segments", "attributes": ["device"]}}}],
 *  "estimators": ["ips", "snips", "dr"], "from": "2026-12-01T00:00:00Z", "to": "2026-12-06T00:00:00Z"}
 * </pre>
 * Every problem is a 400 naming the field ({@code policies[1].variant}, {@code policies[2].config.context.attributes});
 * unknown fields are refused. A {@code thompson} candidate may set {@code prior}, {@code halfLife}, and its own
 * {@code context}, {@code burnIn}, {@code minShare} and {@code shares} (validated as an experiment's: infeasible
 * bounds name {@code policies[i].config.minShare} or {@code policies[i].config.shares.<variant>.min}).
 * The experiment's own {@code context}, {@code burnIn} and share bounds are not inherited.
 *
 * @param policies   the candidates, in the answer's order
 * @param estimators the estimators to compute
 * @param from       start of the window (inclusive, decision time)
 * @param to         end of the window (exclusive)
 * @param seed       seed of the bootstrap and the candidates' draws (to repeat an answer exactly), or null
 */
public record EvaluationRequest(List<PolicySpec> policies, Set<Estimator> estimators, Instant from, Instant to,
                                Long seed) {
    /** Most candidates one evaluation may carry (each costs about 1 MB of bootstrap and support state). */
    public static final int MAX_POLICIES = 16;
    private static final Set<String> FIELDS = Set.of("policies", "estimators", "from", "to", "seed");
    /** Definition fields a {@code thompson} candidate may set. */
    private static final Set<String> SETTABLE = Set.of("prior", "halfLife", "rewardModel", "context", "burnIn",
        "minShare", "shares");

    /**
     * One candidate policy.
     *
     * @param name    its name in the answer
     * @param type    {@code logged}, {@code uniform}, {@code fixed} or {@code thompson}
     * @param variant the variant's index for {@code fixed}, else -1
     * @param spec    the experiment definition a {@code thompson} candidate runs, else null
     * @param burnIn  a {@code thompson} candidate's own {@code burnIn} (decisions per variant), 0 without (the
     *                experiment's is not inherited)
     * @param bounded whether a {@code thompson} candidate has share bounds of its own ({@code minShare},
     *                {@code shares} in its config, in {@code spec.guard()}; the experiment's are not inherited)
     */
    public record PolicySpec(String name, String type, int variant, ExperimentSpec spec, long burnIn,
                             boolean bounded) {
    }

    /**
     * Parses a request.
     *
     * @param body        the JSON body
     * @param experiment  the experiment's current definition ({@code thompson} configurations are laid over it)
     * @param variants    every variant the log may carry, the index of each being its action number
     * @param maxVariants the server's limit on variants (for the definitions of {@code thompson} candidates)
     * @param now         the current time (default {@code to})
     */
    public static EvaluationRequest parse(JsonObject body, ExperimentSpec experiment, List<String> variants,
                                          int maxVariants, Instant now) {
        for (final String key : body.fieldNames()) {
            if (!FIELDS.contains(key)) {
                throw ApiException.badField(key, "unknown field '" + key + "' (known: policies, estimators, from, "
                    + "to, seed)");
            }
        }
        final Object rawPolicies = body.getValue("policies");
        if (!(rawPolicies instanceof JsonArray array) || array.isEmpty()) {
            throw ApiException.badField("policies", "'policies' must be a non-empty array of policy objects");
        }
        if (array.size() > MAX_POLICIES) {
            throw ApiException.badField("policies", "at most " + MAX_POLICIES + " policies per evaluation");
        }
        final List<PolicySpec> policies = new ArrayList<>(array.size());
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            final PolicySpec policy = policy(array.getValue(i), "policies[" + i + "]", experiment, variants,
                maxVariants);
            if (!names.add(policy.name())) {
                throw ApiException.badField("policies[" + i + "].name", "policy name '" + policy.name()
                    + "' appears twice");
            }
            policies.add(policy);
        }
        final Set<Estimator> estimators = estimators(body.getValue("estimators"));
        final Instant to = instant(body.getValue("to"), "to", now);
        final Instant from = instant(body.getValue("from"), "from", Instant.EPOCH);
        if (!from.isBefore(to)) {
            throw ApiException.badField("from", "'from' must be before 'to' (" + from + " is not before " + to + ")");
        }
        final Object rawSeed = body.getValue("seed");
        if (rawSeed != null && !(rawSeed instanceof Long || rawSeed instanceof Integer)) {
            throw ApiException.badField("seed", "'seed' must be an integer");
        }
        return new EvaluationRequest(List.copyOf(policies), estimators, from, to,
            rawSeed == null ? null : ((Number) rawSeed).longValue());
    }

    private static PolicySpec policy(Object raw, String field, ExperimentSpec experiment, List<String> variants,
                                     int maxVariants) {
        if (!(raw instanceof JsonObject p)) {
            throw ApiException.badField(field, "'" + field + "' must be an object with a 'type'");
        }
        final Object rawType = p.getValue("type");
        if (!(rawType instanceof String type)) {
            throw ApiException.badField(field + ".type", "'" + field + ".type' must be one of logged, uniform, "
                + "fixed, thompson");
        }
        final Set<String> allowed = switch (type) {
            case "logged", "uniform" -> Set.of("name", "type");
            case "fixed" -> Set.of("name", "type", "variant");
            case "thompson" -> Set.of("name", "type", "config");
            default -> throw ApiException.badField(field + ".type", "unknown policy type '" + type
                + "' (known: logged, uniform, fixed, thompson)");
        };
        for (final String key : p.fieldNames()) {
            if (!allowed.contains(key)) {
                throw ApiException.badField(field + "." + key, "unknown field '" + key + "' for a " + type
                    + " policy (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
        final Object rawName = p.getValue("name", type);
        if (!(rawName instanceof String name) || name.isEmpty() || name.length() > 64) {
            throw ApiException.badField(field + ".name", "'" + field + ".name' must be a string of 1 to 64 "
                + "characters");
        }
        int variant = -1;
        ExperimentSpec spec = null;
        long burnIn = 0;
        boolean bounded = false;
        if ("fixed".equals(type)) {
            final Object rawVariant = p.getValue("variant");
            variant = rawVariant instanceof String v ? variants.indexOf(v) : -1;
            if (variant < 0) {
                throw ApiException.badField(field + ".variant", "'" + field + ".variant' must be one of the "
                    + "experiment's variants " + variants);
            }
        } else if ("thompson".equals(type)) {
            spec = thompson(p.getValue("config"), field + ".config", experiment, maxVariants);
            if (p.getValue("config") instanceof JsonObject config && config.containsKey("burnIn")) {
                burnIn = spec.guard().burnIn();
            }
            bounded = spec.guard().hasShareBounds();
        }
        return new PolicySpec(name, type, variant, spec, burnIn, bounded);
    }

    /**
     * The experiment's definition with the candidate's fields laid over it; the variants cannot change. The
     * candidate's {@code context} is its own: absent (or null), the candidate is non-contextual whatever the
     * experiment's context; set, it is validated exactly as an experiment's, its errors named
     * {@code policies[i].config.context.<member>}.
     */
    private static ExperimentSpec thompson(Object raw, String field, ExperimentSpec experiment, int maxVariants) {
        if (raw != null && !(raw instanceof JsonObject)) {
            throw ApiException.badField(field, "'" + field + "' must be an object of experiment definition fields");
        }
        final JsonObject config = raw == null ? new JsonObject() : (JsonObject) raw;
        for (final String key : config.fieldNames()) {
            if (!SETTABLE.contains(key)) {
                throw ApiException.badField(field + "." + key, "'" + key + "' cannot be set on a thompson candidate "
                    + "(settable: prior, halfLife, context, burnIn, minShare, shares; the variants are the log's)");
            }
        }
        if (config.containsKey("rewardModel")
            && !experiment.rewardModel().wireName().equals(config.getValue("rewardModel"))) {
            throw ApiException.badField(field + ".rewardModel", "a candidate must keep the experiment's reward model '"
                + experiment.rewardModel().wireName() + "'");
        }
        final JsonObject merged = experiment.toJson();
        merged.remove("status");
        merged.remove("context"); // the experiment's context is not the candidate's
        merged.remove("challenger");
        merged.remove("burnIn"); // the experiment's burn-in and bounds are not the candidate's either
        merged.remove("minShare");
        merged.remove("shares");
        merged.mergeIn(config);
        if (merged.getValue("context") == null) {
            merged.remove("context");
        }
        try {
            return ExperimentSpec.fromJson(experiment.id(), merged, maxVariants);
        } catch (ApiException e) {
            final String named = e.field() == null ? "" : "." + e.field();
            throw new ApiException(e.status(), e.getMessage().replace("'context", "'" + field + ".context")
                .replace("'minShare", "'" + field + ".minShare").replace("'shares", "'" + field + ".shares"),
                field + named);
        }
    }

    private static Set<Estimator> estimators(Object raw) {
        if (raw == null) {
            return EnumSet.of(Estimator.IPS, Estimator.SNIPS, Estimator.DR);
        }
        if (!(raw instanceof JsonArray array) || array.isEmpty()) {
            throw ApiException.badField("estimators", "'estimators' must be a non-empty array of ips, snips, dr, "
                + "replay");
        }
        final Set<Estimator> set = EnumSet.noneOf(Estimator.class);
        for (final Object e : array) {
            if (!(e instanceof String s)) {
                throw ApiException.badField("estimators", "'estimators' must contain only strings");
            }
            try {
                set.add(Estimator.of(s));
            } catch (IllegalArgumentException ex) {
                throw ApiException.badField("estimators", ex.getMessage());
            }
        }
        return set;
    }

    private static Instant instant(Object raw, String field, Instant fallback) {
        if (raw == null) {
            return fallback;
        }
        if (!(raw instanceof String s)) {
            throw ApiException.badField(field, "'" + field + "' must be an ISO-8601 instant such as "
                + "2026-12-01T00:00:00Z");
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw ApiException.badField(field, "'" + field + "' must be an ISO-8601 instant such as "
                + "2026-12-01T00:00:00Z, was '" + s + "'");
        }
    }
}
