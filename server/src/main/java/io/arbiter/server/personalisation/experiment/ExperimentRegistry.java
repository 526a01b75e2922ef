package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.policy.PropensityCache;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The experiments being served: an immutable map swapped atomically on admin changes, so the decision path reads it
 * with one volatile load and no lock. Changes (rare, admin only) are serialised by the monitor of this object.
 */
public final class ExperimentRegistry {
    private final PosteriorTable table;
    private final int propensityDraws;
    private volatile Map<String, Experiment> experiments = Map.of();

    public ExperimentRegistry(PosteriorTable table, int propensityDraws) {
        this.table = Objects.requireNonNull(table);
        this.propensityDraws = propensityDraws;
    }

    public Experiment get(String id) {
        return experiments.get(id);
    }

    public Collection<Experiment> all() {
        return experiments.values();
    }

    public PosteriorTable table() {
        return table;
    }

    /**
     * Builds the experiment that {@code spec} describes on top of the current one with the same id: variants that
     * stay keep their arm, new ones get fresh arms (or their old arm back if they were retired), removed ones are
     * retired. Not yet visible: {@link #publish} makes it so, once it has been stored.
     *
     * @throws ApiException 409 when the reward model changes (the learned posteriors would mean nothing)
     */
    public synchronized Experiment prepare(ExperimentSpec spec) {
        final Experiment current = experiments.get(spec.id());
        if (current != null && current.rewardModel() != spec.rewardModel()) {
            throw new ApiException(409, "experiment '" + spec.id() + "' has rewardModel "
                + current.rewardModel().wireName() + "; create a new experiment to change it", "rewardModel");
        }
        final Map<String, Integer> known = current == null ? Map.of() : current.armByVariant();
        return build(spec, known, true);
    }

    /** Rebuilds a stored experiment (spec plus its variant-to-arm map) without allocating arms. */
    public synchronized Experiment restore(JsonObject stored, int maxVariants) {
        final ExperimentSpec spec = ExperimentSpec.fromJson(stored.getString("id"), stored, maxVariants);
        final JsonObject armsJson = stored.getJsonObject("arms", new JsonObject());
        final Map<String, Integer> arms = new LinkedHashMap<>();
        for (final String variant : armsJson.fieldNames()) {
            final int arm = armsJson.getInteger(variant);
            arms.put(variant, arm);
            while (table.armsAllocated() <= arm) {
                table.allocateArm(); // a fresh table file: re-claim the arms the stored experiments own
            }
        }
        return build(spec, arms, true);
    }

    private Experiment build(ExperimentSpec spec, Map<String, Integer> known, boolean allocate) {
        final Map<String, Integer> armByVariant = new LinkedHashMap<>(known);
        final List<String> variants = spec.variants();
        final int[] arms = new int[variants.size()];
        for (int i = 0; i < arms.length; i++) {
            Integer arm = armByVariant.get(variants.get(i));
            if (arm == null) {
                if (!allocate) {
                    throw new IllegalStateException("no arm for variant " + variants.get(i));
                }
                arm = table.allocateArm();
                armByVariant.put(variants.get(i), arm);
            }
            arms[i] = arm;
        }
        final ThompsonPolicy policy = Experiment.policyFor(spec, propensityDraws);
        return new Experiment(spec, policy, arms, variants.toArray(new String[0]),
            java.util.Collections.unmodifiableMap(armByVariant),
            variants.indexOf(spec.defaultVariant()), new PropensityCache(policy, arms));
    }

    /**
     * Makes {@code experiment} the one served under its id. When its half-life changed, the arms' decayed sums (weighted
     * for the old half-life) are cleared after the new definition is visible, so an update that starts after this
     * returns uses the new half-life on fresh sums; an update already in flight on an event loop (at most one per loop)
     * may still add one observation weighted by the old half-life after the clear. The clear itself is safe against
     * concurrent updates ({@code PosteriorTable.clearDecayed}).
     */
    public synchronized void publish(Experiment experiment) {
        final Experiment previous = experiments.get(experiment.id());
        final Map<String, Experiment> next = new HashMap<>(experiments);
        next.put(experiment.id(), experiment);
        experiments = Map.copyOf(next);
        if (previous != null && previous.spec().halfLifeMillis() != experiment.spec().halfLifeMillis()) {
            for (final int arm : experiment.arms()) {
                table.clearDecayed(arm); // decayed sums are weighted for one half-life; start them afresh
            }
        }
    }

    /** The stored form: the spec plus the variant-to-arm map. */
    public static JsonObject storedForm(Experiment experiment) {
        final JsonObject arms = new JsonObject();
        experiment.armByVariant().forEach(arms::put);
        return experiment.spec().toJson().put("id", experiment.id()).put("arms", arms);
    }
}
