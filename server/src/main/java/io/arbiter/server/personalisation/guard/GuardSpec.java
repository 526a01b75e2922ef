package io.arbiter.server.personalisation.guard;

import io.arbiter.bandits.guard.BoundsProblem;
import io.arbiter.bandits.guard.GuardrailDirection;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.config.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The do-no-harm part of an experiment's definition, validated: holdout, share bounds, burn-in, frequency cap and
 * guardrails (docs/api.md, docs/guardrails.md). Every problem is a 400 naming the field; the defaults switch each
 * practice off.
 *
 * <pre>
 * {"holdout": 0.1, "holdoutVariant": "A", "holdoutPolicy": "fixed",
 *  "minShare": 0.05, "shares": {"A": {"min": 0.2}, "C": {"max": 0.5}},
 *  "burnIn": 100, "frequencyCap": {"count": 3, "period": "P1D"}, "whenAllCapped": "default",
 *  "guardrails": [{"metric": "unsubscribe", "direction": "lower", "maxRelativeHarm": 0.2, "confidence": 0.95}]}
 * </pre>
 *
 * @param holdout         share of units in the holdout group, in [0, 1)
 * @param holdoutVariant  what a holdout unit is served under the {@code fixed} policy (default: the default variant)
 * @param uniformHoldout  whether holdout units get a uniformly random variant ({@code "holdoutPolicy": "uniform"})
 * @param minShares       per variant (definition order) the least share, in [0, 1]
 * @param maxShares       per variant the most share, in [0, 1]
 * @param burnIn          decisions per active variant before the bandit chooses (uniform until then); 0 is off
 * @param capCount        frequency cap per unit and variant (0: no cap), 1..{@value FrequencyCapStore#MAX_COUNT}
 * @param capPeriodMillis the cap's sliding period, at least {@value FrequencyCapStore#MIN_PERIOD_MILLIS} ms
 * @param noContentWhenAllCapped whether a unit capped on every variant gets a 204 rather than the default variant
 * @param guardrails      the guardrail metrics, each named once
 * @param salt            the holdout hash's salt: generated when the experiment is created, never changed
 */
public record GuardSpec(double holdout, String holdoutVariant, boolean uniformHoldout, double[] minShares,
                        double[] maxShares, long burnIn, int capCount, long capPeriodMillis,
                        boolean noContentWhenAllCapped, List<GuardrailSpec> guardrails, long salt) {
    /** The most guardrails an experiment may declare. */
    public static final int MAX_GUARDRAILS = 8;
    /** The largest burn-in (decisions per variant). */
    public static final long MAX_BURN_IN = 1_000_000_000L;
    private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern SALT = Pattern.compile("[0-9a-f]{16}");

    /**
     * One guardrail metric.
     *
     * @param metric          the reward metric's name ({@code "metric"} on a reward)
     * @param direction       which way the metric is good
     * @param maxRelativeHarm harm tolerated relative to the control's rate
     * @param confidence      1 minus the chance of ever suspending a harmless variant
     */
    public record GuardrailSpec(String metric, GuardrailDirection direction, double maxRelativeHarm,
                                double confidence) {
        JsonObject toJson() {
            return new JsonObject().put("metric", metric).put("direction", direction.wireName())
                .put("maxRelativeHarm", maxRelativeHarm).put("confidence", confidence);
        }
    }

    /** Whether any guardrail watches {@code metric}. */
    public boolean hasMetric(String metric) {
        for (final GuardrailSpec guardrail : guardrails) {
            if (guardrail.metric().equals(metric)) {
                return true;
            }
        }
        return false;
    }

    /** The guardrail on {@code metric}, or {@code null}. */
    public GuardrailSpec guardrail(String metric) {
        for (final GuardrailSpec guardrail : guardrails) {
            if (guardrail.metric().equals(metric)) {
                return guardrail;
            }
        }
        return null;
    }

    public boolean hasFrequencyCap() {
        return capCount > 0;
    }

    /** Whether any variant has a min above 0 or a max below 1. */
    public boolean hasShareBounds() {
        for (int i = 0; i < minShares.length; i++) {
            if (minShares[i] > 0.0 || maxShares[i] < 1.0) {
                return true;
            }
        }
        return false;
    }

    /** The share bounds of the variants at {@code positions} (definition positions), in that order. */
    public ShareBounds bounds(int[] positions) {
        final double[] min = new double[positions.length];
        final double[] max = new double[positions.length];
        for (int i = 0; i < positions.length; i++) {
            min[i] = minShares[positions[i]];
            max[i] = maxShares[positions[i]];
        }
        // A subset of feasible bounds keeps feasible mins; maxes that no longer reach 1 are raised when applied.
        double maxSum = 0.0;
        for (final double m : max) {
            maxSum += m;
        }
        if (maxSum < 1.0) {
            for (int i = 0; i < max.length; i++) {
                max[i] = maxSum == 0.0 ? 1.0 : Math.min(1.0, max[i] / maxSum);
            }
        }
        return ShareBounds.of(min, max);
    }

    /** The same definition with another salt (the server's, for a new experiment or the stored one's). */
    public GuardSpec withSalt(long newSalt) {
        return new GuardSpec(holdout, holdoutVariant, uniformHoldout, minShares, maxShares, burnIn, capCount,
            capPeriodMillis, noContentWhenAllCapped, guardrails, newSalt);
    }

    /**
     * Reads the do-no-harm fields of a definition.
     *
     * @param json           the definition
     * @param variants       its variants, in definition order
     * @param defaultVariant its default variant
     */
    public static GuardSpec fromJson(JsonObject json, List<String> variants, String defaultVariant) {
        final double holdout = number(json.getValue("holdout", 0.0), "holdout");
        if (!(holdout >= 0.0 && holdout < 1.0)) {
            throw ApiException.badField("holdout", "'holdout' must be at least 0 and below 1, was " + holdout);
        }
        final Object rawHoldoutVariant = json.getValue("holdoutVariant", defaultVariant);
        if (!(rawHoldoutVariant instanceof String holdoutVariant) || !variants.contains(holdoutVariant)) {
            throw ApiException.badField("holdoutVariant", "'holdoutVariant' must be one of the variants");
        }
        final Object policy = json.getValue("holdoutPolicy", "fixed");
        if (!"fixed".equals(policy) && !"uniform".equals(policy)) {
            throw ApiException.badField("holdoutPolicy", "'holdoutPolicy' must be \"fixed\" or \"uniform\"");
        }
        final double[][] shares = shares(json, variants);
        final Object rawBurnIn = json.getValue("burnIn", 0);
        if (!(rawBurnIn instanceof Number burnIn) || burnIn.doubleValue() != Math.rint(burnIn.doubleValue())
            || burnIn.doubleValue() < 0 || burnIn.doubleValue() > MAX_BURN_IN) {
            throw ApiException.badField("burnIn", "'burnIn' must be a whole number of decisions from 0 to "
                + MAX_BURN_IN);
        }
        int capCount = 0;
        long capPeriod = 0;
        final Object rawCap = json.getValue("frequencyCap");
        if (rawCap != null) {
            if (!(rawCap instanceof JsonObject cap)) {
                throw ApiException.badField("frequencyCap", "'frequencyCap' must be {\"count\": n, \"period\": ...}");
            }
            final Object count = cap.getValue("count");
            if (!(count instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < 1 || n.doubleValue() > FrequencyCapStore.MAX_COUNT) {
                throw ApiException.badField("frequencyCap.count", "'frequencyCap.count' must be a whole number from 1"
                    + " to " + FrequencyCapStore.MAX_COUNT);
            }
            capCount = n.intValue();
            try {
                capPeriod = Durations.parse(cap.getValue("period"), "'frequencyCap.period'", false).toMillis();
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("frequencyCap.period", e.getMessage());
            }
            if (capPeriod < FrequencyCapStore.MIN_PERIOD_MILLIS) {
                throw ApiException.badField("frequencyCap.period", "'frequencyCap.period' must be at least PT"
                    + FrequencyCapStore.MIN_PERIOD_MILLIS / 1000 + "S");
            }
        }
        final Object whenAllCapped = json.getValue("whenAllCapped", "default");
        if (!"default".equals(whenAllCapped) && !"noContent".equals(whenAllCapped)) {
            throw ApiException.badField("whenAllCapped", "'whenAllCapped' must be \"default\" or \"noContent\"");
        }
        return new GuardSpec(holdout, holdoutVariant, "uniform".equals(policy), shares[0], shares[1],
            ((Number) rawBurnIn).longValue(), capCount, capPeriod, "noContent".equals(whenAllCapped),
            guardrails(json.getValue("guardrails")), salt(json.getValue("salt")));
    }

    private static double[][] shares(JsonObject json, List<String> variants) {
        final int n = variants.size();
        final double minShare = number(json.getValue("minShare", 0.0), "minShare");
        if (!(minShare >= 0.0 && minShare <= 1.0)) {
            throw ApiException.badField("minShare", "'minShare' must be between 0 and 1, was " + minShare);
        }
        final double[] min = new double[n];
        final double[] max = new double[n];
        java.util.Arrays.fill(min, minShare);
        java.util.Arrays.fill(max, 1.0);
        final Object rawShares = json.getValue("shares");
        if (rawShares != null) {
            if (!(rawShares instanceof JsonObject shares)) {
                throw ApiException.badField("shares", "'shares' must be an object of {\"min\": x, \"max\": y} by "
                    + "variant");
            }
            for (final String variant : shares.fieldNames()) {
                final int position = variants.indexOf(variant);
                if (position < 0) {
                    throw ApiException.badField("shares." + variant, "'shares' names '" + variant
                        + "', not a variant");
                }
                if (!(shares.getValue(variant) instanceof JsonObject bounds)) {
                    throw ApiException.badField("shares." + variant, "'shares." + variant
                        + "' must be {\"min\": x, \"max\": y}");
                }
                for (final String key : bounds.fieldNames()) {
                    if (!"min".equals(key) && !"max".equals(key)) {
                        throw ApiException.badField("shares." + variant + "." + key, "'shares." + variant
                            + "' takes only min and max");
                    }
                }
                if (bounds.containsKey("min")) {
                    min[position] = number(bounds.getValue("min"), "shares." + variant + ".min");
                }
                if (bounds.containsKey("max")) {
                    max[position] = number(bounds.getValue("max"), "shares." + variant + ".max");
                }
            }
        }
        final BoundsProblem problem = ShareBounds.problem(min, max);
        if (problem != null) {
            final String field = boundsField(problem, rawShares, variants);
            final String where = problem.variant() >= 0 ? "variant '" + variants.get(problem.variant()) + "': "
                : "";
            throw ApiException.badField(field, "infeasible share bounds: " + where + problem.message());
        }
        return new double[][] {min, max};
    }

    /**
     * The field an infeasible set of bounds is named by: the variant's own bound in {@code shares} when the problem
     * is one variant's and {@code shares} set that bound ({@code shares.A.min}), {@code minShare} when the bound at
     * fault is a min that came from it, else the set ({@code shares}, or {@code minShare} without {@code shares}).
     */
    private static String boundsField(BoundsProblem problem, Object rawShares, List<String> variants) {
        if (!(rawShares instanceof JsonObject shares)) {
            return "minShare";
        }
        if (problem.variant() < 0) {
            return "shares";
        }
        final String variant = variants.get(problem.variant());
        if (shares.getValue(variant) instanceof JsonObject own && own.containsKey(problem.field())) {
            return "shares." + variant + "." + problem.field();
        }
        return "min".equals(problem.field()) ? "minShare" : "shares";
    }

    private static List<GuardrailSpec> guardrails(Object raw) {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof JsonArray array)) {
            throw ApiException.badField("guardrails", "'guardrails' must be an array");
        }
        if (array.size() > MAX_GUARDRAILS) {
            throw ApiException.badField("guardrails", "at most " + MAX_GUARDRAILS + " guardrails are allowed");
        }
        final List<GuardrailSpec> guardrails = new ArrayList<>(array.size());
        final Set<String> metrics = new HashSet<>();
        for (final Object item : array) {
            if (!(item instanceof JsonObject g)) {
                throw ApiException.badField("guardrails", "each guardrail must be an object");
            }
            final Object metric = g.getValue("metric");
            if (!(metric instanceof String name) || !METRIC.matcher(name).matches()) {
                throw ApiException.badField("guardrails", "a guardrail's 'metric' must be 1 to 64 characters of "
                    + "A-Z a-z 0-9 _ -");
            }
            if (!metrics.add(name)) {
                throw ApiException.badField("guardrails", "metric '" + name + "' has two guardrails");
            }
            final GuardrailDirection direction = g.getValue("direction", "lower") instanceof String d
                ? GuardrailDirection.fromWireName(d) : null;
            if (direction == null) {
                throw ApiException.badField("guardrails", "a guardrail's 'direction' must be \"lower\" or \"higher\"");
            }
            final double harm = number(g.getValue("maxRelativeHarm"), "guardrails");
            final double limit = direction == GuardrailDirection.LOWER ? 100.0 : 1.0;
            if (!(harm >= 0.0 && harm < limit)) {
                throw ApiException.badField("guardrails", "'maxRelativeHarm' of '" + name + "' must be at least 0 and"
                    + " below " + (limit == 1.0 ? "1 for direction higher" : "100"));
            }
            final double confidence = number(g.getValue("confidence", 0.95), "guardrails");
            if (!(confidence >= 0.5 && confidence < 1.0)) {
                throw ApiException.badField("guardrails", "'confidence' of '" + name
                    + "' must be at least 0.5 and below 1");
            }
            guardrails.add(new GuardrailSpec(name, direction, harm, confidence));
        }
        return List.copyOf(guardrails);
    }

    private static long salt(Object raw) {
        if (raw instanceof String text && SALT.matcher(text).matches()) {
            return Long.parseUnsignedLong(text, 16);
        }
        if (raw != null) {
            throw ApiException.badField("salt", "'salt' must be 16 lower-case hex digits (it is set at creation)");
        }
        return 0;
    }

    private static double number(Object raw, String field) {
        if (!(raw instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw ApiException.badField(field, "'" + field + "' must be a finite number");
        }
        return n.doubleValue();
    }

    /** Writes the fields into a definition (only those that differ from the defaults, and the salt). */
    public void writeTo(JsonObject json, List<String> variants) {
        json.put("salt", String.format("%016x", salt));
        if (holdout > 0.0) {
            json.put("holdout", holdout).put("holdoutVariant", holdoutVariant)
                .put("holdoutPolicy", uniformHoldout ? "uniform" : "fixed");
        }
        if (hasShareBounds()) {
            final JsonObject shares = new JsonObject();
            for (int i = 0; i < variants.size(); i++) {
                if (minShares[i] > 0.0 || maxShares[i] < 1.0) {
                    shares.put(variants.get(i), new JsonObject().put("min", minShares[i]).put("max", maxShares[i]));
                }
            }
            json.put("shares", shares);
        }
        if (burnIn > 0) {
            json.put("burnIn", burnIn);
        }
        if (hasFrequencyCap()) {
            json.put("frequencyCap", new JsonObject().put("count", capCount)
                .put("period", java.time.Duration.ofMillis(capPeriodMillis).toString()))
                .put("whenAllCapped", noContentWhenAllCapped ? "noContent" : "default");
        }
        if (!guardrails.isEmpty()) {
            final JsonArray array = new JsonArray();
            guardrails.forEach(g -> array.add(g.toJson()));
            json.put("guardrails", array);
        }
    }
}
